//! The address a request comes from: the connection's peer, or — behind a reverse proxy that
//! overwrites it — a configured header, and only then.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;

use super::AppState;

/// The client's address as text (`unknown` when it cannot be told).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S> FromRequestParts<S> for ClientAddr
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let app = AppState::from_ref(state);
        if let Some(name) = &app.client_ip_header
            && let Some(value) = parts.headers.get(name).and_then(|v| v.to_str().ok())
        {
            // X-Forwarded-For style lists: the proxy appends the address it saw last.
            if let Some(last) = value.rsplit(',').next().map(str::trim)
                && !last.is_empty()
            {
                return Ok(ClientAddr(last.chars().take(64).collect()));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(ClientAddr(peer.unwrap_or_else(|| "unknown".to_string())))
    }
}
