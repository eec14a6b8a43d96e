//! The `jingshi` binary itself: import from the command line, then serve what was imported.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::{TestApp, content_dir};
use crate::on_both_databases;

on_both_databases!(
    the_binary_imports_a_file_and_serves_it,
    import_errors_are_chinese_and_never_a_backtrace,
);

fn jingshi(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jingshi"));
    c.arg("--database-url")
        .arg(db)
        .arg("--content-dir")
        .arg(content_dir())
        .env("RUST_LOG", "warn");
    c
}

async fn the_binary_imports_a_file_and_serves_it(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "name,credit_code,category,list,reason,authority,listed_on\n\
         示例命令行导入科技有限公司,91410100737459086M,p2p,blacklist,拒不配合,示例区金融办,2024-01-05\n",
    )
    .unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "name,category,reason,authority\n示例另一家有限公司,p2p,事由,机关\n,银行,事由,机关\n",
    )
    .unwrap();

    let out = jingshi(&app.db.url)
        .args(["import", "entries"])
        .arg(&bad)
        .arg("--publish")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("错误 第3行 name: 主体名称不能为空"),
        "{stderr}"
    );
    assert!(
        stderr.contains("错误 第3行 category: 无法识别“银行”"),
        "{stderr}"
    );

    let out = jingshi(&app.db.url)
        .args(["import", "entries"])
        .arg(&good)
        .arg("--publish")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("新增 1 条"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let on_postgres = app.db.url.starts_with("postgres");
    if on_postgres {
        // The embedded index belongs to one instance: on a shared database, serve refuses to
        // start until told it is the only one.
        let refused = jingshi(&app.db.url)
            .arg("--data-dir")
            .arg(dir.path())
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("--single-instance"), "{stderr}");
    }
    // Reachable from other machines, the site must be told its public address: links are
    // never made from a request's Host header.
    let refused = jingshi(&app.db.url)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--single-instance", "--bind", "0.0.0.0:0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--base-url") && stderr.contains("JINGSHI_BASE_URL"),
        "{stderr}"
    );
    let mut server = jingshi(&app.db.url)
        .arg("--data-dir")
        .arg(dir.path())
        .arg("serve")
        .args(on_postgres.then_some("--single-instance"))
        .args(["--base-url", "https://jingshi.example.gov.cn/"])
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if app
            .client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "server did not start");
    let list = app
        .client
        .get(format!("{base}/entries"))
        .send()
        .await
        .unwrap();
    let body = list.text().await.unwrap();
    assert!(body.contains("示例命令行导入科技有限公司"));
    assert!(
        !body.contains("示例另一家有限公司"),
        "the rejected file wrote nothing"
    );
    let json: serde_json::Value = app
        .client
        .get(format!("{base}/api/v1/entries"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["total"], 1);
    let receipt = app
        .client
        .get(format!("{base}/search?q=abc"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(receipt.contains("https://jingshi.example.gov.cn/search?q=abc"));
    assert!(!receipt.contains("evil.example"));

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "clean shutdown on SIGTERM: {status}");
}

/// Whether every line of `text` holds a Chinese character.
fn all_chinese(text: &str) -> bool {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
}

async fn import_errors_are_chinese_and_never_a_backtrace(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let mut many = String::from("name,category,reason,authority\n");
    for _ in 0..250 {
        many.push_str(",p2p,事由,机关\n");
    }
    let many_errors = dir.path().join("many.csv");
    std::fs::write(&many_errors, many).unwrap();
    let far = dir.path().join("far.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "name").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save(&far).unwrap();
    let old_excel = dir.path().join("old.xls");
    std::fs::write(&old_excel, b"\xd0\xcf\x11\xe0").unwrap();
    let forged = crate::import_limits::overflowing_reference(dir.path());
    let not_zip = dir.path().join("broken.xlsx");
    std::fs::write(&not_zip, b"PK\x03\x04 not really").unwrap();
    for (file, expected) in [
        (
            many_errors,
            "……另有 50 处错误未列出（共 250 处，只列出前 200 处）",
        ),
        (far, "工作表声明的已用区域 A1:XFD1048576 超出上限"),
        (old_excel, "旧版 .xls 文件请在 Excel 中另存为 .xlsx"),
        (not_zip, "Excel 文件无法读取"),
        // Refused whether calamine panics (debug) or wraps around (release).
        (forged, "forged-xl-worksheets-sheet1.xml.xlsx: "),
        (dir.path().join("missing.csv"), "无法打开文件"),
    ] {
        let out = jingshi(&app.db.url)
            .env("RUST_BACKTRACE", "full")
            .env("RUST_LIB_BACKTRACE", "1")
            .args(["import", "entries"])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", file.display());
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains("错误："), "{stderr}");
        assert!(!stderr.to_lowercase().contains("backtrace"), "{stderr}");
        assert!(!stderr.contains("Caused by"), "{stderr}");
        assert!(all_chinese(&stderr), "{stderr}");
    }
}
