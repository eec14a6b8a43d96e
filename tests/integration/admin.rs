//! The staff side, part 1: an internal listener, accounts, sessions, CSRF, throttling, roles
//! decided in one place, two-factor sign-in and the append-only audit log.

use jingshi::domain::Role;
use jingshi::staff::totp;
use jingshi::store::AuditFilter;
use jingshi::web::admin::{Access, routes};

use crate::harness::TestApp;
use crate::on_both_databases;
use crate::staff::{Browser, later, make_user, signed_in};

on_both_databases!(
    the_public_listener_has_no_admin_route,
    signing_in_needs_the_password_and_a_csrf_token,
    the_sixth_wrong_password_locks_the_account_for_15_minutes,
    an_unknown_user_gets_the_same_answer_as_a_wrong_password,
    a_disabled_users_session_stops_working_at_once,
    every_admin_route_refuses_anonymous_clients_and_lower_roles,
    sessions_rotate_at_sign_in_and_expire_idle_and_absolute,
    changing_or_resetting_a_password_ends_every_session,
    admins_manage_users_with_confirmation_and_field_messages,
    two_factor_sign_in_with_totp_and_single_use_recovery_codes,
    a_setting_makes_two_factor_sign_in_mandatory_for_admins,
    every_step_is_audited_and_the_database_refuses_to_change_the_log,
    the_audit_log_filters_and_downloads_as_csv,
);

async fn the_public_listener_has_no_admin_route(app: TestApp) {
    for path in [
        "/admin",
        "/admin/login",
        "/admin/users",
        "/admin/static/site.css",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "{path} on the public listener");
        assert!(
            body.contains("页面不存在"),
            "{path}: an ordinary Chinese 404"
        );
        assert!(!body.contains("内部管理"));
    }
    let res = app
        .client
        .post(app.url("/admin/login"))
        .form(&[("username", "x"), ("password", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    // And the admin listener serves nothing public.
    let mut b = Browser::new(&app);
    assert_eq!(b.get("/entries").await.status, 404);
    assert_eq!(b.get("/").await.status, 404);
}

async fn signing_in_needs_the_password_and_a_csrf_token(app: TestApp) {
    let password = make_user(&app, "zhangsan", Role::Editor).await;
    let mut b = Browser::new(&app);
    let page = b.get("/admin").await;
    assert_eq!(page.status, 303, "anonymous: to the sign-in page");
    assert_eq!(page.location.as_deref(), Some("/admin/login?next=%2Fadmin"));
    let form = b.get("/admin/login").await;
    assert_eq!(form.status, 200);
    assert_eq!(form.headers["cache-control"], "no-store");
    assert_eq!(form.headers["x-robots-tag"], "noindex, nofollow");
    let cookie = form.headers["set-cookie"].to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");

    // Without the token, or from another origin: 403 and nothing happens.
    let fields = [("username", "zhangsan"), ("password", password.as_str())];
    let base = b.base.clone();
    let refused = b.post_raw("/admin/login", &fields, Some(&base)).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("表单已失效"), "{}", refused.body);
    let token = b.csrf.clone();
    let with_token = [
        ("username", "zhangsan"),
        ("password", password.as_str()),
        ("csrf_token", token.as_str()),
    ];
    let forged = b
        .post_raw("/admin/login", &with_token, Some("http://evil.example"))
        .await;
    assert_eq!(forged.status, 403);
    let no_origin = b.post_raw("/admin/login", &with_token, None).await;
    assert_eq!(no_origin.status, 403);
    assert_eq!(b.get("/admin").await.status, 303, "still signed out");

    let wrong = b
        .post(
            "/admin/login",
            &[("username", "zhangsan"), ("password", "wrong-password-x")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("用户名或密码错误"));
    let ok = b
        .post(
            "/admin/login",
            &[("username", "zhangsan"), ("password", &password)],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location.as_deref(), Some("/admin"));
    let dashboard = b.get("/admin").await;
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.body.contains("工作台") && dashboard.body.contains("zhangsan"));
    assert_eq!(dashboard.headers["cache-control"], "no-store");

    let out = b.post("/admin/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(b.get("/admin").await.status, 303, "signed out");
}

async fn the_sixth_wrong_password_locks_the_account_for_15_minutes(app: TestApp) {
    let password = make_user(&app, "lisi", Role::Reviewer).await;
    let mut b = Browser::new(&app);
    b.get("/admin/login").await;
    for i in 1..=5 {
        let page = b
            .post(
                "/admin/login",
                &[("username", "lisi"), ("password", "not-the-password")],
            )
            .await;
        assert!(page.body.contains("用户名或密码错误"), "attempt {i}");
    }
    let sixth = b
        .post(
            "/admin/login",
            &[("username", "lisi"), ("password", "not-the-password")],
        )
        .await;
    assert!(
        sixth.body.contains("已暂时锁定") && sixth.body.contains("15 分钟"),
        "{}",
        sixth.body
    );
    let right_but_locked = b
        .post(
            "/admin/login",
            &[("username", "lisi"), ("password", &password)],
        )
        .await;
    assert_eq!(right_but_locked.status, 401);
    assert!(right_but_locked.body.contains("已暂时锁定"));
    later(&app.clock, 16);
    let after = b
        .post(
            "/admin/login",
            &[("username", "lisi"), ("password", &password)],
        )
        .await;
    assert_eq!(after.status, 303, "the lock has passed: {}", after.body);
}

async fn an_unknown_user_gets_the_same_answer_as_a_wrong_password(app: TestApp) {
    make_user(&app, "wangwu", Role::Editor).await;
    let mut b = Browser::new(&app);
    b.get("/admin/login").await;
    let known = b
        .post(
            "/admin/login",
            &[("username", "wangwu"), ("password", "wrong-password-1")],
        )
        .await;
    let unknown = b
        .post(
            "/admin/login",
            &[("username", "nobody"), ("password", "wrong-password-1")],
        )
        .await;
    assert_eq!(known.status, unknown.status);
    let message = |p: &str| -> String {
        let at = p.find("form-error").expect("message");
        p[at..at + 80].to_string()
    };
    assert_eq!(message(&known.body), message(&unknown.body));
    for _ in 0..5 {
        b.post(
            "/admin/login",
            &[("username", "nobody"), ("password", "x-wrong-password")],
        )
        .await;
    }
    let locked = b
        .post(
            "/admin/login",
            &[("username", "nobody"), ("password", "x-wrong-password")],
        )
        .await;
    assert!(
        locked.body.contains("已暂时锁定"),
        "unknown names lock alike"
    );
}

async fn a_disabled_users_session_stops_working_at_once(app: TestApp) {
    let mut editor = signed_in(&app, "zhaoliu", Role::Editor).await;
    assert_eq!(editor.get("/admin/account").await.status, 200);
    let mut admin = signed_in(&app, "guanli", Role::Admin).await;
    let id = app.store.user_by_name("zhaoliu").await.unwrap().unwrap().id;
    let confirm = admin.get(&format!("/admin/users/{id}/disable")).await;
    assert!(confirm.body.contains("确认停用"), "a confirmation first");
    let done = admin.post(&format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(done.status, 303);
    let page = editor.get("/admin/account").await;
    assert_eq!(page.status, 303, "the disabled user is signed out at once");
    let password = "Fengxian-Tishi-Renzhen-2026";
    let again = editor.login("zhaoliu", password).await;
    assert_eq!(again.status, 401, "and cannot sign in again");
    let shown = admin.get(&format!("/admin/users/{id}")).await;
    assert!(shown.body.contains("已停用"));
    assert!(
        shown.body.contains("已停用“zhaoliu”"),
        "a flash message after the action"
    );
}

/// A route's path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{file}", "site.css")
        .replace("{revision}", "1")
        .replace("{token}", "x")
}

async fn every_admin_route_refuses_anonymous_clients_and_lower_roles(app: TestApp) {
    let mut editor = signed_in(&app, "bianji", Role::Editor).await;
    let mut reviewer = signed_in(&app, "shenhe", Role::Reviewer).await;
    let mut anonymous = Browser::new(&app);
    anonymous.get("/admin/login").await;
    let mut checked = 0;
    for r in routes() {
        let path = concrete(r.path);
        let needed = match r.access {
            Access::Role(role) => role,
            Access::Anyone => continue,
            Access::SecondFactor | Access::Enrolment => Role::Editor,
        };
        for method in ["GET", "POST"] {
            let page = if method == "GET" {
                anonymous.get(&path).await
            } else {
                anonymous.post(&path, &[]).await
            };
            // A route without this method answers 405 before anything else.
            if page.status == 405 {
                continue;
            }
            assert!(
                page.status == 403
                    || page
                        .location
                        .as_deref()
                        .is_some_and(|l| l.starts_with("/admin/login")),
                "anonymous {method} {path}: {} {:?}",
                page.status,
                page.location
            );
            checked += 1;
            for (browser, role) in [(&mut editor, Role::Editor), (&mut reviewer, Role::Reviewer)] {
                if role >= needed {
                    continue;
                }
                let page = if method == "GET" {
                    browser.get(&path).await
                } else {
                    browser.post(&path, &[]).await
                };
                assert_eq!(page.status, 403, "{role:?} {method} {path}");
                assert!(page.body.contains("无权"), "{}", page.body);
                checked += 1;
            }
        }
    }
    assert!(checked > 30, "{checked} refusals checked");
    // The editor's own pages work.
    assert_eq!(editor.get("/admin/account").await.status, 200);
}

async fn sessions_rotate_at_sign_in_and_expire_idle_and_absolute(app: TestApp) {
    let password = make_user(&app, "huihua", Role::Editor).await;
    let mut b = Browser::new(&app);
    let form = b.get("/admin/login").await;
    let before = form.headers["set-cookie"].to_str().unwrap().to_string();
    let signed = b
        .post(
            "/admin/login",
            &[("username", "huihua"), ("password", &password)],
        )
        .await;
    let after = signed.headers["set-cookie"].to_str().unwrap().to_string();
    let token = |c: &str| c.split(';').next().unwrap().to_string();
    assert_ne!(token(&before), token(&after), "a new session id at sign-in");
    assert_eq!(b.get("/admin").await.status, 200);

    later(&app.clock, 29);
    assert_eq!(
        b.get("/admin").await.status,
        200,
        "29 idle minutes are fine"
    );
    later(&app.clock, 31);
    assert_eq!(
        b.get("/admin").await.status,
        303,
        "31 idle minutes end the session"
    );

    let mut c = Browser::new(&app);
    c.login("huihua", &password).await;
    for _ in 0..28 {
        later(&app.clock, 25);
        assert_eq!(c.get("/admin").await.status, 200);
    }
    later(&app.clock, 25);
    assert_eq!(c.get("/admin").await.status, 303, "12 hours at most");
}

async fn changing_or_resetting_a_password_ends_every_session(app: TestApp) {
    let password = make_user(&app, "gaimi", Role::Editor).await;
    let mut here = Browser::new(&app);
    here.login("gaimi", &password).await;
    let mut there = Browser::new(&app);
    there.login("gaimi", &password).await;
    here.get("/admin/account").await;
    let mismatch = here
        .post(
            "/admin/account/password",
            &[
                ("old_password", &password),
                ("password", "Xinmima-Anquan-2027"),
                ("password_again", "Xinmima-Anquan-2028"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.body.contains("两次输入的新密码不一致"));
    assert!(
        mismatch.body.contains(r#"aria-invalid="true""#),
        "the message sits next to its field"
    );
    let weak = here
        .post(
            "/admin/account/password",
            &[
                ("old_password", &password),
                ("password", "short"),
                ("password_again", "short"),
            ],
        )
        .await;
    assert!(weak.body.contains("至少需要 12 个字符"));
    let changed = here
        .post(
            "/admin/account/password",
            &[
                ("old_password", &password),
                ("password", "Xinmima-Anquan-2027"),
                ("password_again", "Xinmima-Anquan-2027"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303);
    assert_eq!(here.get("/admin").await.status, 303);
    assert_eq!(
        there.get("/admin").await.status,
        303,
        "the other device too"
    );
    assert_eq!(here.login("gaimi", "Xinmima-Anquan-2027").await.status, 303);

    let mut admin = signed_in(&app, "chongzhi", Role::Admin).await;
    let id = app.store.user_by_name("gaimi").await.unwrap().unwrap().id;
    admin
        .get(&format!("/admin/users/{id}/reset-password"))
        .await;
    let reset = admin
        .post(
            &format!("/admin/users/{id}/reset-password"),
            &[("generate", "1")],
        )
        .await;
    assert_eq!(reset.status, 200);
    assert!(reset.body.contains("只显示这一次"));
    assert_eq!(
        here.get("/admin").await.status,
        303,
        "reset ends the sessions"
    );
}

async fn admins_manage_users_with_confirmation_and_field_messages(app: TestApp) {
    let mut admin = signed_in(&app, "guanliyuan", Role::Admin).await;
    admin.get("/admin/users").await;
    let bad = admin
        .post(
            "/admin/users",
            &[
                ("username", "1bad name"),
                ("role", "editor"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("用户名应为 3 到 32 个字符"));
    let made = admin
        .post(
            "/admin/users",
            &[
                ("username", "xinren"),
                ("display_name", "新人"),
                ("role", "reviewer"),
                ("generate", "1"),
            ],
        )
        .await;
    assert_eq!(made.status, 200);
    assert!(made.body.contains("已创建用户“xinren”"));
    let code_at = made.body.find("code big").expect("the password shown once");
    let password: String = made.body[code_at..]
        .split('>')
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let mut newcomer = Browser::new(&app);
    assert_eq!(newcomer.login("xinren", &password).await.status, 303);
    let duplicate = admin
        .post(
            "/admin/users",
            &[
                ("username", "xinren"),
                ("role", "editor"),
                ("generate", "1"),
            ],
        )
        .await;
    assert!(duplicate.body.contains("已存在"));
    let id = app.store.user_by_name("xinren").await.unwrap().unwrap().id;
    let role = admin
        .post(&format!("/admin/users/{id}/role"), &[("role", "admin")])
        .await;
    assert_eq!(role.status, 303);
    assert_eq!(app.store.user(id).await.unwrap().unwrap().role, Role::Admin);
    // The last active admin cannot be disabled or demoted.
    let me = app
        .store
        .user_by_name("guanliyuan")
        .await
        .unwrap()
        .unwrap()
        .id;
    admin.post(&format!("/admin/users/{id}/disable"), &[]).await;
    admin.get(&format!("/admin/users/{me}")).await;
    let last = admin
        .post(&format!("/admin/users/{me}/role"), &[("role", "editor")])
        .await;
    assert_eq!(last.status, 422);
    assert!(last.body.contains("至少需要保留一名可用的管理员"));
}

/// The TOTP secret shown on the enrolment page.
fn secret_on(page: &str) -> String {
    let at = page.find("密钥：").expect("secret shown");
    let rest = &page[at..];
    let start = rest.find("<code class=\"code\">").unwrap() + "<code class=\"code\">".len();
    rest[start..start + rest[start..].find('<').unwrap()].to_string()
}

async fn two_factor_sign_in_with_totp_and_single_use_recovery_codes(app: TestApp) {
    let password = make_user(&app, "liangbu", Role::Editor).await;
    let mut b = Browser::new(&app);
    b.login("liangbu", &password).await;
    let enrol = b.get("/admin/account/totp").await;
    assert!(enrol.body.contains("<svg"), "a QR code drawn on the server");
    let secret = secret_on(&enrol.body);
    let now = app.clock.now().unix_timestamp();
    let wrong = b.post("/admin/account/totp", &[("code", "000000")]).await;
    assert_eq!(wrong.status, 422);
    let code = totp::code_at(&secret, now).unwrap();
    let done = b.post("/admin/account/totp", &[("code", &code)]).await;
    assert_eq!(done.status, 200);
    assert!(done.body.contains("只显示") || done.body.contains("不会再次显示"));
    let recovery: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(recovery.len(), 10);
    b.post("/admin/logout", &[]).await;

    // Now the password alone is not enough.
    let step = b.login("liangbu", &password).await;
    assert_eq!(step.location.as_deref(), Some("/admin/login/totp"));
    assert_eq!(
        b.get("/admin").await.location.as_deref(),
        Some("/admin/login/totp")
    );
    b.get("/admin/login/totp").await;
    let bad = b.post("/admin/login/totp", &[("code", "123456")]).await;
    assert_eq!(bad.status, 401);
    let code = totp::code_at(&secret, app.clock.now().unix_timestamp()).unwrap();
    let ok = b.post("/admin/login/totp", &[("code", &code)]).await;
    assert_eq!(ok.status, 303);
    assert_eq!(b.get("/admin").await.status, 200);
    b.post("/admin/logout", &[]).await;

    // A recovery code works once.
    for (attempt, want) in [(1, 303), (2, 401)] {
        b.login("liangbu", &password).await;
        b.get("/admin/login/totp").await;
        let page = b.post("/admin/login/totp", &[("code", &recovery[0])]).await;
        assert_eq!(page.status, want, "recovery attempt {attempt}");
        if want == 303 {
            b.post("/admin/logout", &[]).await;
        }
    }
}

async fn a_setting_makes_two_factor_sign_in_mandatory_for_admins(app: TestApp) {
    let mut admin = signed_in(&app, "anquan", Role::Admin).await;
    admin.get("/admin/settings").await;
    let saved = admin
        .post("/admin/settings", &[("require_totp_for_admins", "1")])
        .await;
    assert_eq!(saved.status, 303);
    admin.post("/admin/logout", &[]).await;
    let password = "Fengxian-Tishi-Renzhen-2026";
    let signed = admin.login("anquan", password).await;
    assert_eq!(signed.location.as_deref(), Some("/admin/account/totp"));
    let users = admin.get("/admin/users").await;
    assert_eq!(
        users.location.as_deref(),
        Some("/admin/account/totp"),
        "nothing else until enrolled"
    );
    let enrol = admin.get("/admin/account/totp").await;
    assert!(enrol.body.contains("系统要求管理员使用两步验证"));
    let code = totp::code_at(&secret_on(&enrol.body), app.clock.now().unix_timestamp()).unwrap();
    let done = admin.post("/admin/account/totp", &[("code", &code)]).await;
    assert_eq!(done.status, 200);
    assert_eq!(admin.get("/admin/users").await.status, 200);
    // Editors are not concerned.
    let mut editor = signed_in(&app, "putong", Role::Editor).await;
    assert_eq!(editor.get("/admin/account").await.status, 200);
}

async fn every_step_is_audited_and_the_database_refuses_to_change_the_log(app: TestApp) {
    let mut admin = signed_in(&app, "shenji", Role::Admin).await;
    let mut stranger = Browser::new(&app);
    stranger.login("shenji", "wrong-password-9").await;
    admin.get("/admin/users").await;
    admin
        .post(
            "/admin/users",
            &[("username", "jilu"), ("role", "editor"), ("generate", "1")],
        )
        .await;
    let id = app.store.user_by_name("jilu").await.unwrap().unwrap().id;
    admin.post(&format!("/admin/users/{id}/disable"), &[]).await;
    admin.post("/admin/logout", &[]).await;
    let (_, rows) = app
        .store
        .audit_entries(&AuditFilter {
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for want in [
        "user.create",
        "login.success",
        "login.failure",
        "user.disable",
        "logout",
    ] {
        assert!(actions.contains(&want), "{want} missing in {actions:?}");
    }
    let created = rows
        .iter()
        .find(|r| r.action == "user.create" && r.target.contains("jilu"))
        .unwrap();
    assert_eq!(created.actor, "shenji");
    assert_eq!(created.address, "127.0.0.1");
    assert!(created.summary.contains("编辑"));

    let url = app.db.url.clone();
    assert!(refused(&url, "UPDATE audit_log SET summary = 'changed'").await);
    assert!(refused(&url, "DELETE FROM audit_log").await);
    if url.starts_with("postgres") {
        assert!(refused(&url, "TRUNCATE audit_log").await);
    }
    let (after, _) = app
        .store
        .audit_entries(&AuditFilter {
            limit: 1,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(after as usize, rows.len(), "every row is still there");
}

/// Whether the database refuses a statement.
async fn refused(url: &str, sql: &'static str) -> bool {
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let r = sqlx::query(sql).execute(&pool).await;
        pool.close().await;
        r.is_err()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let r = sqlx::query(sql).execute(&pool).await;
        pool.close().await;
        r.is_err()
    }
}

async fn the_audit_log_filters_and_downloads_as_csv(app: TestApp) {
    let mut admin = signed_in(&app, "chakan", Role::Admin).await;
    let mut other = Browser::new(&app);
    other
        .login("chakan", "=HYPERLINK(\"http://x\")-wrong")
        .await;
    let page = admin.get("/admin/audit?action=login.failure").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("登录失败"));
    assert!(
        page.body.contains("共 <strong>1</strong> 条"),
        "{}",
        page.body
    );
    let bad = admin.get("/admin/audit?from=yesterday").await;
    assert_eq!(bad.status, 400);
    let csv = admin.get("/admin/audit.csv?action=login.failure").await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert!(csv.body.starts_with('\u{feff}'), "a BOM for Excel");
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].contains("操作人"));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].contains("登录失败"));
    let editor_csv = {
        let mut e = signed_in(&app, "bianji2", Role::Editor).await;
        e.get("/admin/audit.csv").await.status
    };
    assert_eq!(editor_csv, 403);
}
