use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "jingshi=info,tower_http=info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match jingshi::cli::run(jingshi::cli::Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The message and its causes on one line. Never the `Debug` form, which adds a
            // backtrace when RUST_BACKTRACE is set: staff read this output.
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
