//! A staff member at a browser: a client that keeps cookies, reads the CSRF token of the page
//! it is on and posts forms from the admin origin, as a browser does.

use jingshi::clock::Clock;
use jingshi::domain::Role;
use jingshi::staff::{Who, accounts};

use crate::harness::TestApp;

/// A browser on the admin side.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    /// The CSRF token of the last page read.
    pub csrf: String,
}

/// An answer: status, final location (for redirects) and body.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

fn csrf_of(body: &str) -> Option<String> {
    let at = body.find(r#"name="csrf_token" value=""#)?;
    let rest = &body[at + r#"name="csrf_token" value=""#.len()..];
    Some(rest[..rest.find('"')?].to_string())
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: format!("http://{}", app.admin_addr),
            csrf: String::new(),
        }
    }

    async fn read(&mut self, res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let location = headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        let body = res.text().await.unwrap();
        if let Some(token) = csrf_of(&body) {
            self.csrf = token;
        }
        Page {
            status,
            location,
            body,
            headers,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("admin GET");
        self.read(res).await
    }

    /// Posts a form with the current CSRF token, from the admin origin.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone();
        form.push(("csrf_token", &token));
        self.post_raw(path, &form, Some(&self.base.clone())).await
    }

    /// Posts exactly these fields, with this `Origin` (or none).
    pub async fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Page {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.expect("admin POST");
        self.read(res).await
    }

    /// Signs in with a password (no second factor); returns the answer to the form.
    pub async fn login(&mut self, username: &str, password: &str) -> Page {
        self.get("/admin/login").await;
        self.post(
            "/admin/login",
            &[("username", username), ("password", password)],
        )
        .await
    }
}

/// Makes an account directly through the service, as `jingshi user add` does.
pub async fn make_user(app: &TestApp, username: &str, role: Role) -> String {
    let password = "Fengxian-Tishi-Renzhen-2026".to_string();
    accounts::create(
        &app.store,
        &app.clock,
        &Who::cli(),
        username,
        "",
        role,
        &password,
    )
    .await
    .expect("user created");
    password
}

/// A browser signed in as a new user of this role.
pub async fn signed_in(app: &TestApp, username: &str, role: Role) -> Browser {
    let password = make_user(app, username, role).await;
    let mut b = Browser::new(app);
    let page = b.login(username, &password).await;
    assert_eq!(page.status, 303, "sign-in of {username}: {}", page.body);
    b.get("/admin").await;
    b
}

/// The clock of an app, moved forward.
pub fn later(clock: &Clock, minutes: i64) {
    clock.advance(time::Duration::minutes(minutes));
}

impl Browser {
    /// Posts a multipart form (an upload), with the CSRF token in the query string.
    pub async fn upload(&mut self, path: &str, file_name: &str, bytes: Vec<u8>) -> Page {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!(
            "{}{path}{sep}csrf_token={}",
            self.base,
            url::form_urlencoded::byte_serialize(self.csrf.as_bytes()).collect::<String>()
        );
        let res = self
            .client
            .post(url)
            .header("origin", self.base.clone())
            .multipart(form)
            .send()
            .await
            .expect("admin upload");
        self.read(res).await
    }
}

/// The value of a hidden or text input on a page.
pub fn input_value(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!(r#"name="{name}" value=""#))?;
    let rest = &page[at + format!(r#"name="{name}" value=""#).len()..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The id in a location like `/admin/entries/12`.
pub fn id_in(location: &str) -> i64 {
    location
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location}"))
}
