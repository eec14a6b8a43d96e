//! Per-address rate limiting of the API: at most `limit` requests per minute from one address
//! (an IPv6 client by its /64, which one subscriber usually holds whole), counted in fixed
//! one-minute windows; beyond it a 429 JSON error with `Retry-After`.
//!
//! Memory is bounded: at most [`MAX_ADDRESSES`] windows are kept. Windows are remembered in
//! the order they started, so the oldest is found at once; when the table is full the oldest
//! window is dropped, and a stranger sending from many addresses only shortens the memory of
//! the limiter, never grows it.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::client::ClientAddr;
use super::error::json_error;

/// The most addresses remembered at once (a few MB).
pub const MAX_ADDRESSES: usize = 100_000;

const WINDOW: Duration = Duration::from_secs(60);

/// Who is counted: an IPv4 address, an IPv6 /64, or the text of an address that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    V4(u32),
    V6(u64),
    Other(String),
}

impl Key {
    fn of(address: &str) -> Key {
        match address.trim().parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) => Key::V4(u32::from(a)),
            Ok(IpAddr::V6(a)) => match a.to_ipv4_mapped() {
                Some(v4) => Key::V4(u32::from(v4)),
                None => Key::V6((u128::from(a) >> 64) as u64),
            },
            Err(_) => Key::Other(address.chars().take(64).collect()),
        }
    }
}

struct Window {
    started: Instant,
    count: u32,
}

#[derive(Default)]
struct Table {
    windows: HashMap<Key, Window>,
    /// Keys in the order their windows started (a key may appear again after a newer window
    /// replaced its entry; such stale records are skipped).
    order: VecDeque<(Instant, Key)>,
}

/// A request was refused: how long until the address may ask again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after: Duration,
}

/// Counts requests per address; shared by the handlers of one listener.
pub struct RateLimiter {
    limit: u32,
    capacity: usize,
    table: Mutex<Table>,
}

impl RateLimiter {
    /// `limit` requests per minute per address; 0 turns limiting off.
    pub fn new(limit: u32) -> RateLimiter {
        RateLimiter::with_capacity(limit, MAX_ADDRESSES)
    }

    fn with_capacity(limit: u32, capacity: usize) -> RateLimiter {
        RateLimiter {
            limit,
            capacity: capacity.max(1),
            table: Mutex::new(Table::default()),
        }
    }

    pub fn is_off(&self) -> bool {
        self.limit == 0
    }

    /// Counts a request from `address` at `now`; refused past the limit.
    pub fn check(&self, address: &str, now: Instant) -> Result<(), Refused> {
        if self.is_off() {
            return Ok(());
        }
        let key = Key::of(address);
        let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = t.windows.get_mut(&key)
            && now.duration_since(w.started) < WINDOW
        {
            if w.count >= self.limit {
                let left = WINDOW - now.duration_since(w.started);
                // Whole seconds, rounded up: asking again after them succeeds.
                let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                return Err(Refused {
                    retry_after: Duration::from_secs(secs.max(1)),
                });
            }
            w.count += 1;
            return Ok(());
        }
        // A new window for this key: make room first.
        while let Some((started, _)) = t.order.front() {
            let expired = now.duration_since(*started) >= WINDOW;
            if !expired && t.windows.len() < self.capacity {
                break;
            }
            let Some((started, old)) = t.order.pop_front() else {
                break;
            };
            if t.windows.get(&old).is_some_and(|w| w.started == started) {
                t.windows.remove(&old);
            }
        }
        t.windows.insert(
            key.clone(),
            Window {
                started: now,
                count: 1,
            },
        );
        t.order.push_back((now, key));
        Ok(())
    }

    /// Addresses remembered now.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .windows
            .len()
    }
}

/// The API's middleware: counts each request against its client's address (the connection's
/// peer, or the configured trusted header) and answers 429 past the limit.
pub(super) async fn enforce(
    State((state, limiter)): State<(AppState, Arc<RateLimiter>)>,
    req: Request,
    next: Next,
) -> Response {
    if limiter.is_off() {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let address = match ClientAddr::from_request_parts(&mut parts, &state).await {
        Ok(ClientAddr(a)) => a,
        Err(never) => match never {},
    };
    match limiter.check(&address, Instant::now()) {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(refused) => {
            let secs = refused.retry_after.as_secs();
            let mut res = json_error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "请求过于频繁：每个地址每分钟最多 {} 次请求，请 {secs} 秒后再试。批量获取请使用数据下载或变更接口。",
                    limiter.limit
                ),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_past_the_limit_is_refused_until_the_window_ends() {
        let limiter = RateLimiter::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check("192.0.2.1", t0).is_ok());
        }
        let refused = limiter.check("192.0.2.1", t0 + Duration::from_millis(500));
        assert_eq!(
            refused,
            Err(Refused {
                retry_after: Duration::from_secs(60)
            })
        );
        assert!(
            limiter.check("192.0.2.2", t0).is_ok(),
            "others are counted apart"
        );
        assert!(
            limiter.check("192.0.2.1", t0 + WINDOW).is_ok(),
            "a new minute"
        );
    }

    #[test]
    fn an_ipv6_subscriber_is_counted_by_its_64_prefix() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        assert!(limiter.check("2001:db8:1:2::1", t0).is_ok());
        assert!(limiter.check("2001:db8:1:2::ffff", t0).is_err());
        assert!(limiter.check("2001:db8:1:3::1", t0).is_ok());
        assert!(limiter.check("::ffff:192.0.2.9", t0).is_ok());
        assert!(
            limiter.check("192.0.2.9", t0).is_err(),
            "mapped IPv4 is IPv4"
        );
    }

    #[test]
    fn memory_stays_bounded_whatever_the_number_of_addresses() {
        let limiter = RateLimiter::with_capacity(5, 1_000);
        let t0 = Instant::now();
        for i in 0..50_000u32 {
            let address = std::net::Ipv4Addr::from(i).to_string();
            assert!(limiter.check(&address, t0).is_ok());
            assert!(limiter.remembered() <= 1_000);
        }
        let t = limiter.table.lock().unwrap();
        assert!(t.order.len() <= 1_000);
    }

    #[test]
    fn zero_turns_limiting_off() {
        let limiter = RateLimiter::new(0);
        for _ in 0..10_000 {
            assert!(limiter.check("192.0.2.1", Instant::now()).is_ok());
        }
        assert_eq!(limiter.remembered(), 0);
    }
}
