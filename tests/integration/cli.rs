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
    // Into the empty list, SQLite loads in bulk and says when it builds the indexes.
    let indexing = String::from_utf8_lossy(&out.stderr).contains("1 条已全部写入，正在建立索引");
    assert_eq!(indexing, !app.db.url.starts_with("postgres"));

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
            .args(["serve", "--bind", "127.0.0.1:0", "--admin-bind", "none"])
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
        .args([
            "serve",
            "--single-instance",
            "--bind",
            "0.0.0.0:0",
            "--admin-bind",
            "none",
        ])
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
        // Tests run side by side: no fixed admin port.
        .args(["--admin-bind", "127.0.0.1:0"])
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

on_both_databases!(the_first_admin_is_made_at_the_command_line_and_every_step_is_audited);

/// Runs the binary with `input` on standard input.
fn run_with_input(db: &str, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = jingshi(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

async fn the_first_admin_is_made_at_the_command_line_and_every_step_is_audited(app: TestApp) {
    let db = app.db.url.clone();
    let weak = run_with_input(
        &db,
        &["user", "add", "chief", "--role", "admin"],
        "short\nshort\n",
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("至少需要 12 个字符"));
    let typo = run_with_input(
        &db,
        &["user", "add", "chief", "--role", "admin"],
        "Shouxi-Guanli-2026\nShouxi-Guanli-2027\n",
    );
    assert!(String::from_utf8_lossy(&typo.stderr).contains("两次输入的密码不一致"));
    let made = run_with_input(
        &db,
        &[
            "user",
            "add",
            "chief",
            "--role",
            "管理员",
            "--display-name",
            "首席",
        ],
        "Shouxi-Guanli-2026\nShouxi-Guanli-2026\n",
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(String::from_utf8_lossy(&made.stdout).contains("已创建用户 chief（管理员）"));

    let generated = run_with_input(
        &db,
        &["user", "add", "helper", "--role", "editor", "--generate"],
        "",
    );
    let out = String::from_utf8_lossy(&generated.stdout).to_string();
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("初始密码（只显示这一次）："))
        .expect("the generated password is printed once")
        .to_string();
    let mut b = crate::staff::Browser::new(&app);
    assert_eq!(b.login("helper", &password).await.status, 303);
    let mut chief = crate::staff::Browser::new(&app);
    assert_eq!(chief.login("chief", "Shouxi-Guanli-2026").await.status, 303);

    let role = run_with_input(&db, &["user", "set-role", "helper", "reviewer"], "");
    assert!(role.status.success());
    let disabled = run_with_input(&db, &["user", "disable", "helper"], "");
    assert!(disabled.status.success());
    assert_eq!(
        b.get("/admin").await.status,
        303,
        "disabled at the command line: signed out"
    );
    let list = run_with_input(&db, &["user", "list"], "");
    let listed = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(listed.contains("chief") && listed.contains("helper") && listed.contains("已停用"));
    let unknown = run_with_input(&db, &["user", "enable", "nobody"], "");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("没有名为“nobody”的用户"));

    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("list.csv");
    std::fs::write(
        &sheet,
        "name,category,reason,authority\n示例审计导入有限公司,p2p,事由,示例区金融办\n",
    )
    .unwrap();
    let imported = run_with_input(&db, &["import", "entries", sheet.to_str().unwrap()], "");
    assert!(imported.status.success());
    let file = dir.path().join("audit.csv");
    let export = run_with_input(
        &db,
        &[
            "audit",
            "export",
            "--since",
            "2020-01-01",
            "--output",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    for want in [
        "创建用户",
        "变更角色",
        "停用用户",
        "登录成功",
        "导入名单",
        "list.csv",
        "命令行（",
    ] {
        assert!(csv.contains(want), "{want} missing from the export:\n{csv}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_prints_both_addresses_and_demo_accounts_that_sign_in() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_jingshi"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--content-dir")
        .arg(content_dir())
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--admin-bind",
            "127.0.0.1:0",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let lines: Vec<String> = std::io::BufReader::new(stdout)
        .lines()
        .take(5)
        .map(Result::unwrap)
        .collect();
    let admin = lines
        .iter()
        .find_map(|l| l.strip_prefix("admin side: "))
        .expect("the admin address is printed")
        .to_string();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("public site: http://127.0.0.1:"))
    );
    let accounts: Vec<Vec<&str>> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("demo account: "))
        .map(|l| l.split(' ').collect())
        .collect();
    let roles: Vec<&str> = accounts.iter().map(|a| a[0]).collect();
    assert_eq!(roles, ["editor", "reviewer", "admin"], "{lines:?}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = admin.trim_end_matches("/admin").to_string();
    let form = client
        .get(format!("{base}/admin/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = form
        .split(r#"name="csrf_token" value=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let signed = client
        .post(format!("{base}/admin/login"))
        .header("origin", &base)
        .form(&[
            ("username", accounts[2][1]),
            ("password", accounts[2][2]),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status().as_u16(), 303);
    let users = client
        .get(format!("{base}/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(users.status().as_u16(), 200);
    let _ = server.kill();
    let _ = server.wait();
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
