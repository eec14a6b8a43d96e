//! The staff story in a real browser: headless Chromium driven through chromedriver
//! (WebDriver). An editor writes a case study and submits it; the public site does not show
//! it; a reviewer approves it; the public site shows it and the lookup finds it.
//!
//! Without a browser the test prints a loud SKIPPED line; with `CI=true` it fails instead,
//! since CI installs Debian's `chromium` and `chromium-driver`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use jingshi::domain::Role;

use crate::harness::{Backend, TestApp};
use crate::staff::make_user;

/// The title is unusual enough that only this article can match it.
const TITLE: &str = "以案说法：示例璇玑理财非法集资案";
const SUMMARY: &str = "高息揽储、拆东墙补西墙，最终资金链断裂。";

fn executable(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(name))
        .find(|p| p.is_file())
}

/// chromedriver and the browser it drives, or why the test cannot run.
fn browser() -> Result<(PathBuf, PathBuf), String> {
    let driver = std::env::var_os("JINGSHI_CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| executable("chromedriver"))
        .ok_or("chromedriver not found (apt-get install chromium-driver)")?;
    let chromium = std::env::var_os("JINGSHI_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| executable("chromium"))
        .or_else(|| executable("chromium-browser"))
        .ok_or("chromium not found (apt-get install chromium)")?;
    Ok((driver, chromium))
}

/// A chromedriver process, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_driver(driver: &PathBuf) -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let process = Driver(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (process, format!("http://127.0.0.1:{port}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on port {port}");
}

async fn open_browser(webdriver: &str, chromium: &PathBuf) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            // As root in CI there is no sandbox; a small /dev/shm must not crash the tab.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=zh-CN"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(webdriver)
        .await
        .expect("a browser session")
}

async fn fill(c: &Client, css: &str, text: &str) {
    let field = c.find(Locator::Css(css)).await.expect(css);
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits for `text` on the page the browser shows, up to `secs` seconds, reloading `url`
/// when one is given (the public site updates through the search outbox). A reload, not just
/// a visit: public pages may be kept by the browser for a minute.
async fn wait_for_text(c: &Client, text: &str, reload: Option<&str>, secs: u64) -> String {
    let mut page = String::new();
    for _ in 0..secs * 5 {
        if let Some(url) = reload {
            c.goto(url).await.unwrap();
            c.refresh().await.unwrap();
        }
        page = c.source().await.unwrap();
        if page.contains(text) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("“{text}” did not appear; the page was:\n{page}");
}

async fn sign_in(c: &Client, admin: &str, user: &str, password: &str) {
    c.goto(&format!("{admin}/admin/login")).await.unwrap();
    fill(c, "#f-username", user).await;
    fill(c, "#f-password", password).await;
    click(c, "form button[type=submit]").await;
    wait_for_text(c, "退出登录", None, 10).await;
}

async fn sign_out(c: &Client) {
    click(c, "form[action='/admin/logout'] button").await;
    // The page signed out from says "退出登录" too: waiting for "登录" returned before the
    // sign-out had happened, and the next visit raced it.
    wait_for_text(c, "您已安全退出。", None, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_and_a_reviewer_publish_a_case_study_in_a_real_browser() {
    let (driver, chromium) = match browser() {
        Ok(found) => found,
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("the browser story must run in CI: {why}")
        }
        Err(why) => {
            eprintln!("\n*** SKIPPED: browser story ({why}) ***\n");
            return;
        }
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let editor_password = make_user(&app, "bianji", Role::Editor).await;
    let reviewer_password = make_user(&app, "shenhe", Role::Reviewer).await;
    let admin = format!("http://{}", app.admin_addr);
    let public = format!("http://{}", app.addr);
    let (_driver, webdriver) = start_driver(&driver).await;
    let c = open_browser(&webdriver, &chromium).await;

    // The editor writes the case study and submits it for review.
    sign_in(&c, &admin, "bianji", &editor_password).await;
    c.goto(&format!("{admin}/admin/articles/new"))
        .await
        .unwrap();
    c.find(Locator::Css("#f-kind option[value='case']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&c, "#f-title", TITLE).await;
    fill(&c, "#f-summary", SUMMARY).await;
    fill(
        &c,
        "#f-body",
        "## 案情\n\n某平台以“保本高息”为名吸收公众存款。\n\n## 提示\n\n**高收益必然伴随高风险。**",
    )
    .await;
    click(&c, "button[name=step][value=preview]").await;
    wait_for_text(&c, "高收益必然伴随高风险。", None, 10).await;
    click(&c, "button[name=step][value=save]").await;
    wait_for_text(&c, "已保存草稿", None, 10).await;
    let article_url = c.current_url().await.unwrap().to_string();
    click(&c, "a.button[href^='/admin/changes/']").await;
    click(&c, "form[action$='/submit'] button[type=submit]").await;
    wait_for_text(&c, "已提交审核。", None, 10).await;
    sign_out(&c).await;

    // Not public while in review.
    c.goto(&format!("{public}/cases")).await.unwrap();
    let cases = c.source().await.unwrap();
    assert!(cases.contains("以案说法") && !cases.contains(TITLE));

    // The reviewer finds it on the dashboard and approves it.
    sign_in(&c, &admin, "shenhe", &reviewer_password).await;
    let dashboard = c.source().await.unwrap();
    assert!(
        dashboard.contains(TITLE),
        "waiting for review:\n{dashboard}"
    );
    c.goto(&article_url).await.unwrap();
    click(&c, "a.button[href^='/admin/changes/']").await;
    click(&c, "form[action$='/approve'] button[type=submit]").await;
    wait_for_text(&c, "已批准并发布。", None, 10).await;
    c.goto(&article_url).await.unwrap();
    let public_link = c
        .find(Locator::LinkText("公开页面"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("a link to the public page");
    sign_out(&c).await;

    // The public site shows it, and the lookup finds it.
    let page = wait_for_text(&c, TITLE, Some(&format!("{public}/cases")), 10).await;
    assert!(page.contains(SUMMARY));
    c.goto(&format!("{public}{public_link}")).await.unwrap();
    let article = c.source().await.unwrap();
    assert!(article.contains("<strong>高收益必然伴随高风险。</strong>"));
    let search = format!("{public}/search?q=璇玑理财&tab=articles");
    wait_for_text(&c, "示例<mark>璇玑理财</mark>非法集资案", Some(&search), 20).await;
    c.close().await.unwrap();
}
