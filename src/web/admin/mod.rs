//! The staff side, served on its own internal listener: every route named once in
//! [`routes`] with the access it needs, and the layers of this audience — sessions from the
//! database, a CSRF token and an `Origin` check on every state-changing request, authorisation
//! in one guard, and `no-store` / `noindex` on every answer.

mod account;
mod articles;
mod audit_log;
mod changes;
mod entries;
mod history;
mod uploads;

pub use audit_log::csv_stream as audit_csv;
mod dashboard;
mod login;
mod settings;
mod users;

use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use subtle::ConstantTimeEq;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use super::AppState;
use crate::domain::Role;
use crate::staff::SessionStage;
use crate::staff::session::{self, SessionPolicy};
use crate::store::{Session, User};
use crate::views::admin::AdminCtx;

/// The session cookie, scoped to the admin paths.
pub const COOKIE: &str = "jingshi_admin";
/// Largest form the admin side takes (uploads of spreadsheets and attachments included).
const FORM_LIMIT: usize = uploads::MAX_UPLOAD + 1024 * 1024;

/// How the admin side is reached and how long its sessions last.
#[derive(Debug, Clone, Default)]
pub struct AdminConfig {
    /// `https://admin.example.gov.cn`: the origin forms must come from; over HTTPS the cookie
    /// is `Secure`. Without it, forms must come from the host they were sent to.
    pub base_url: Option<String>,
    pub sessions: SessionPolicy,
}

impl AdminConfig {
    fn secure(&self) -> bool {
        self.base_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// What a route needs of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the sign-in page, static files).
    Anyone,
    /// A session whose password step passed, awaiting the second factor.
    SecondFactor,
    /// A signed-in user, also one who must first enrol a second factor.
    Enrolment,
    /// A fully signed-in user with at least this role.
    Role(Role),
}

/// One admin route: its path, the access it needs, its handlers.
pub struct AdminRoute {
    pub path: &'static str,
    pub access: Access,
    pub methods: MethodRouter<AppState>,
}

fn route(path: &'static str, access: Access, methods: MethodRouter<AppState>) -> AdminRoute {
    AdminRoute {
        path,
        access,
        methods,
    }
}

/// Every route of the admin side, with the access each needs: authorisation is decided here
/// and in [`guard`], nowhere else.
pub fn routes() -> Vec<AdminRoute> {
    use Access::{Anyone, Enrolment, SecondFactor};
    let editor = Access::Role(Role::Editor);
    let reviewer = Access::Role(Role::Reviewer);
    let admin = Access::Role(Role::Admin);
    let uploads_limit = axum::extract::DefaultBodyLimit::max(FORM_LIMIT);
    vec![
        route("/admin", editor, get(dashboard::show)),
        route("/admin/entries", editor, get(entries::list)),
        route(
            "/admin/entries/new",
            editor,
            get(entries::new_form).post(entries::create),
        ),
        route("/admin/entries/{id}", editor, get(entries::show)),
        route(
            "/admin/entries/{id}/edit",
            editor,
            get(entries::edit_form).post(entries::update),
        ),
        route(
            "/admin/entries/{id}/remove",
            editor,
            get(entries::removal_form).post(entries::remove),
        ),
        route(
            "/admin/entries/{id}/withdraw",
            reviewer,
            get(entries::withdraw_form).post(entries::withdraw),
        ),
        route("/admin/entries/{id}/history", editor, get(history::entry)),
        route(
            "/admin/entries/{id}/restore/{revision}",
            editor,
            post(history::restore_entry),
        ),
        route("/admin/articles", editor, get(articles::list)),
        route(
            "/admin/articles/new",
            editor,
            get(articles::new_form).post(articles::create),
        ),
        route("/admin/articles/{id}", editor, get(articles::show)),
        route(
            "/admin/articles/{id}/edit",
            editor,
            get(articles::edit_form).post(articles::update),
        ),
        route(
            "/admin/articles/{id}/withdraw",
            reviewer,
            get(articles::withdraw_form).post(articles::withdraw),
        ),
        route(
            "/admin/articles/{id}/history",
            editor,
            get(history::article),
        ),
        route(
            "/admin/articles/{id}/restore/{revision}",
            editor,
            post(history::restore_article),
        ),
        route(
            "/admin/articles/{id}/attachments",
            editor,
            post(articles::upload).layer(uploads_limit),
        ),
        route("/admin/attachments/{id}", editor, get(articles::attachment)),
        route("/admin/changes/{id}", editor, get(changes::show)),
        route("/admin/changes/{id}/submit", editor, post(changes::submit)),
        route(
            "/admin/changes/{id}/discard",
            editor,
            get(changes::discard_form).post(changes::discard),
        ),
        route(
            "/admin/changes/{id}/approve",
            reviewer,
            post(changes::approve),
        ),
        route(
            "/admin/changes/{id}/reject",
            reviewer,
            post(changes::reject),
        ),
        route(
            "/admin/uploads",
            editor,
            get(uploads::form)
                .post(uploads::receive)
                .layer(uploads_limit),
        ),
        route(
            "/admin/uploads/{token}/confirm",
            editor,
            post(uploads::confirm),
        ),
        route("/admin/change-sets/{id}", editor, get(uploads::show_set)),
        route(
            "/admin/change-sets/{id}/approve",
            reviewer,
            post(uploads::approve_set),
        ),
        route(
            "/admin/change-sets/{id}/reject",
            reviewer,
            post(uploads::reject_set),
        ),
        route("/admin/login", Anyone, get(login::form).post(login::submit)),
        route(
            "/admin/login/totp",
            SecondFactor,
            get(login::totp_form).post(login::totp_submit),
        ),
        route("/admin/logout", Enrolment, post(login::logout)),
        route("/admin/account", editor, get(account::show)),
        route(
            "/admin/account/password",
            editor,
            post(account::change_password),
        ),
        route(
            "/admin/account/totp",
            Enrolment,
            get(account::totp_form).post(account::totp_confirm),
        ),
        route(
            "/admin/account/totp/disable",
            editor,
            post(account::totp_disable),
        ),
        route("/admin/users", admin, get(users::list).post(users::create)),
        route("/admin/users/{id}", admin, get(users::show)),
        route("/admin/users/{id}/role", admin, post(users::set_role)),
        route(
            "/admin/users/{id}/disable",
            admin,
            get(users::confirm_disable).post(users::disable),
        ),
        route("/admin/users/{id}/enable", admin, post(users::enable)),
        route(
            "/admin/users/{id}/reset-password",
            admin,
            get(users::confirm_reset).post(users::reset_password),
        ),
        route("/admin/audit", admin, get(audit_log::list)),
        route("/admin/audit.csv", admin, get(audit_log::export)),
        route(
            "/admin/settings",
            admin,
            get(settings::show).post(settings::save),
        ),
        route("/admin/static/{file}", Anyone, get(static_file)),
    ]
}

/// The admin listener's whole application.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for r in routes() {
        let methods = r.methods.route_layer(from_fn_with_state(r.access, guard));
        router = router.route(r.path, methods);
    }
    let router = router
        .fallback(not_found)
        .with_state(state.clone())
        .layer(CatchPanicLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.limits.request_timeout,
        ))
        .layer(RequestBodyLimitLayer::new(FORM_LIMIT))
        .layer(from_fn_with_state(state.clone(), csrf))
        .layer(from_fn_with_state(state.clone(), sessions))
        .layer(from_fn_with_state(state, error_pages))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex, nofollow"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ));
    super::layers::common(router)
}

/// The session of a request, as the session layer found it.
#[derive(Debug, Clone, Default)]
pub struct AdminSession {
    pub session: Option<Session>,
    pub user: Option<User>,
    /// The one-time message for this page (taken from the session).
    pub flash: Option<String>,
    /// The request carried a session cookie that is no longer valid.
    pub stale_cookie: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for AdminSession {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<AdminSession>()
            .cloned()
            .unwrap_or_default())
    }
}

/// A fully signed-in staff member (or one enrolling a second factor, on enrolment routes);
/// only the guard admits a request that extracts this.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub session: Session,
    pub flash: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Staff {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
        parts
            .extensions
            .get::<Staff>()
            .cloned()
            .ok_or(StatusCode::FORBIDDEN)
    }
}

impl Staff {
    /// The frame of an admin page for this user.
    pub fn ctx<'a>(&'a self, state: &'a AppState, path: &'a str) -> AdminCtx<'a> {
        AdminCtx {
            site: &state.site,
            user: Some(&self.user),
            csrf: &self.session.csrf_token,
            flash: self.flash.as_deref(),
            path,
            demo: state.demo,
        }
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// `Set-Cookie` for a session token (or to clear the cookie, with `None`).
pub fn session_cookie(config: &AdminConfig, token: Option<&str>) -> HeaderValue {
    let secure = if config.secure() { "; Secure" } else { "" };
    let value = match token {
        Some(t) => format!("{COOKIE}={t}; Path=/admin; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static(""))
}

/// Loads the session named by the cookie; on a page view, takes its one-time message.
async fn sessions(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = cookie_value(req.headers(), COOKIE);
    let policy = state.admin.sessions;
    let mut found = AdminSession::default();
    if let Some(token) = &token {
        match session::load(&state.store, &state.clock, &policy, token).await {
            Ok(Some((s, user))) => {
                let page_view = req.method() == Method::GET;
                let flash = if page_view { s.flash.clone() } else { None };
                let keep = if page_view { None } else { s.flash.as_deref() };
                if let Err(e) = session::touch(&state.store, &state.clock, &s, keep).await {
                    tracing::warn!(error = %e, "session activity not recorded");
                }
                found = AdminSession {
                    session: Some(s),
                    user,
                    flash,
                    stale_cookie: false,
                };
            }
            Ok(None) => found.stale_cookie = true,
            Err(e) => {
                tracing::error!(error = %e, "sessions unavailable");
                return super::Error::Unavailable(e.to_string()).into_response();
            }
        }
    }
    let stale = found.stale_cookie;
    req.extensions_mut().insert(found.clone());
    let mut res = next.run(req).await;
    if stale && !res.headers().contains_key(header::SET_COOKIE) {
        res.headers_mut()
            .insert(header::SET_COOKIE, session_cookie(&state.admin, None));
    }
    // The error page, rendered outside this layer, shows who is signed in.
    res.extensions_mut().insert(found);
    res
}

/// The origin of a URL (`scheme://host[:port]`).
fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization())
}

/// Whether a state-changing request comes from a page of this admin side: its `Origin` (or,
/// without one, its `Referer`) is the configured admin origin, or the host it was sent to.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let header = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(from) = header(header::ORIGIN)
        .map(str::to_string)
        .or_else(|| header(header::REFERER).and_then(origin_of))
    else {
        return false;
    };
    if let Some(base) = state.admin.base_url.as_deref().and_then(origin_of) {
        return from == base;
    }
    header(header::HOST)
        .is_some_and(|host| from == format!("http://{host}") || from == format!("https://{host}"))
}

/// The CSRF token a request carries: in the query string (multipart uploads), else in an
/// urlencoded form body (which is read and handed on unchanged).
async fn carried_token(req: Request) -> Result<(Option<String>, Request), Response> {
    let from_query = req.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v.into_owned())
    });
    if from_query.is_some() {
        return Ok((from_query, req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.into_owned());
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// Refuses (403, nothing changed) a state-changing request that does not come from an admin
/// page of this session: wrong origin, or no valid CSRF token.
async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let refused = || {
        let mut res = StatusCode::FORBIDDEN.into_response();
        res.extensions_mut().insert(super::error::ErrorPage {
            message: Some("表单已失效或来源不明，未做任何修改。请返回上一页，刷新后重试。".into()),
        });
        res
    };
    if !same_origin(&state, req.headers()) {
        return refused();
    }
    let expected = req
        .extensions()
        .get::<AdminSession>()
        .and_then(|s| s.session.as_ref())
        .map(|s| s.csrf_token.clone());
    let (carried, req) = match carried_token(req).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let valid = match (expected, carried) {
        (Some(want), Some(got)) => bool::from(want.as_bytes().ct_eq(got.as_bytes())),
        _ => false,
    };
    if !valid {
        return refused();
    }
    next.run(req).await
}

/// Decides whether the request's session may use a route, in one place for every route.
async fn guard(State(access): State<Access>, mut req: Request, next: Next) -> Response {
    let found = req
        .extensions()
        .get::<AdminSession>()
        .cloned()
        .unwrap_or_default();
    let page_view = req.method() == Method::GET;
    let to_login = |req: &Request| -> Response {
        if page_view {
            let next = url::form_urlencoded::byte_serialize(req.uri().path().as_bytes())
                .collect::<String>();
            Redirect::to(&format!("/admin/login?next={next}")).into_response()
        } else {
            forbidden("请先登录。")
        }
    };
    let stage = found.session.as_ref().map(|s| s.stage);
    let staff = match (&found.session, &found.user) {
        (Some(session), Some(user)) => Some(Staff {
            user: user.clone(),
            session: session.clone(),
            flash: found.flash.clone(),
        }),
        _ => None,
    };
    let allowed = match access {
        Access::Anyone => true,
        Access::SecondFactor => stage == Some(SessionStage::Totp) && staff.is_some(),
        Access::Enrolment => {
            matches!(stage, Some(SessionStage::Enrol | SessionStage::Full)) && staff.is_some()
        }
        Access::Role(needed) => match (stage, &staff) {
            (Some(SessionStage::Full), Some(s)) => {
                if !s.user.role.allows(needed) {
                    return forbidden(&format!(
                        "您的角色（{}）无权进行此操作，需要{}及以上角色。",
                        s.user.role.label(),
                        needed.label()
                    ));
                }
                true
            }
            (Some(SessionStage::Totp), Some(_)) if page_view => {
                return Redirect::to("/admin/login/totp").into_response();
            }
            (Some(SessionStage::Enrol), Some(_)) if page_view => {
                return Redirect::to("/admin/account/totp").into_response();
            }
            _ => false,
        },
    };
    if !allowed {
        return to_login(&req);
    }
    if let Some(staff) = staff {
        req.extensions_mut().insert(staff);
    }
    next.run(req).await
}

fn forbidden(message: &str) -> Response {
    let mut res = StatusCode::FORBIDDEN.into_response();
    res.extensions_mut().insert(super::error::ErrorPage {
        message: Some(message.to_string()),
    });
    res
}

/// Renders the admin error page for any error answer without one.
async fn error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let session = res
        .extensions()
        .get::<AdminSession>()
        .cloned()
        .unwrap_or_default();
    let status = res.status();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_html {
        return res;
    }
    let message = res
        .extensions()
        .get::<super::error::ErrorPage>()
        .and_then(|p| p.message.clone());
    let csrf = session
        .session
        .as_ref()
        .map(|s| s.csrf_token.clone())
        .unwrap_or_default();
    let ctx = AdminCtx {
        site: &state.site,
        user: session.user.as_ref().filter(|_| {
            session
                .session
                .as_ref()
                .is_some_and(|s| s.stage == SessionStage::Full)
        }),
        csrf: &csrf,
        flash: None,
        path: "",
        demo: state.demo,
    };
    let mut out = (
        status,
        crate::views::admin::error_page(&ctx, status, message.as_deref()),
    )
        .into_response();
    for name in [header::SET_COOKIE, header::ALLOW] {
        if let Some(v) = res.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// The site's assets under the admin paths (the public listener is another origin).
async fn static_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    super::routes::asset(&file, &headers)
}

/// A text area's value with the line breaks browsers send (CR LF, HTML's rule for form
/// submission) made plain LF, so that stored text and its line diffs do not change with the
/// browser it was last saved from.
pub(super) fn unix_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Redirects after a successful form post, leaving a one-time message for the next page.
pub async fn done(state: &AppState, staff: &Staff, message: &str, to: &str) -> Response {
    let flash = session::touch(&state.store, &state.clock, &staff.session, Some(message)).await;
    if let Err(e) = flash {
        tracing::warn!(error = %e, "flash message not kept");
    }
    Redirect::to(to).into_response()
}
