use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "jingshi=info,tower_http=info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    jingshi::cli::run(jingshi::cli::Cli::parse()).await
}
