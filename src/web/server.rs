//! The HTTP/1.1 server loop: connections are accepted up to a cap and closed when they stay
//! silent, so that thousands of connections that never send a request cannot use up the
//! process's file descriptors or memory and stop the site.
//!
//! Each connection has a watchdog. A new connection must send its first request head within
//! [`ConnectionLimits::header_timeout`]; between requests a kept-alive connection may stay
//! idle (nothing read or written) for [`ConnectionLimits::idle_timeout`], and once the next
//! request has begun its head must arrive within the header timeout too. A request being
//! answered is bounded by the request timeout of the HTTP layers instead. At the cap, each
//! new connection makes room by closing the connection that has been idle longest (one that
//! is answering no request), so a normal request still gets in while thousands of silent
//! connections are held open elsewhere.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

/// How many connections the server keeps and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most connections open at once. At the cap, the longest idle connection is closed to
    /// make room; a new connection waits while every open one is being answered.
    pub max_connections: usize,
    /// Longest a client may take to send a request head: from connecting for the first
    /// request, from its first byte for the next ones.
    pub header_timeout: Duration,
    /// Longest a kept-alive connection may stay open with nothing read or written and no
    /// request being answered (also ends responses that a client stopped reading).
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            // Below the usual 1,024 file descriptors of a service, with room for the
            // database, the search index and logs.
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Connections the kernel may hold before the server takes them (it caps this at
/// `net.core.somaxconn`): in a burst, a resident's connection then waits a moment in the queue
/// instead of being dropped and retried by the client a second later.
const BACKLOG: u32 = 4096;

/// How often the acceptor looks again for an idle connection to close while it waits at the
/// cap (every open connection was being answered).
const ROOM_EVERY: Duration = Duration::from_millis(50);
/// How often the cap being reached is logged at most.
const CAP_LOG_EVERY: Duration = Duration::from_secs(10);

/// Listens on `address` (`host:port`) with a long accept queue.
pub async fn bind(address: &str) -> io::Result<TcpListener> {
    let mut failed = None;
    for addr in tokio::net::lookup_host(address).await? {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        if let Err(e) = socket.bind(addr) {
            failed = Some(e);
            continue;
        }
        match socket.listen(BACKLOG) {
            Ok(listener) => return Ok(listener),
            Err(e) => failed = Some(e),
        }
    }
    Err(failed.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address")))
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in progress
/// finish and closes every connection.
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // More than a million would overflow the semaphore's count types, and no process has
    // the descriptors for it.
    let max = limits.max_connections.clamp(1, 1 << 20);
    let permits = Arc::new(Semaphore::new(max));
    let open = Registry::default();
    let (stopping, _) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    // hyper's own header timer runs from when it starts waiting for a head, idle time
    // included; it backs up the watchdog, which tells the two apart.
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout + limits.idle_timeout);
    let mut cap_log = CapLog::default();
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors (or a connection reset before it was taken):
                    // make room and try again shortly rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    open.close_longest_idle();
                    tokio::time::sleep(ROOM_EVERY).await;
                    continue;
                }
            },
        };
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                cap_log.reached(max);
                tokio::select! {
                    () = &mut shutdown => break,
                    p = make_room(&permits, &open) => p,
                }
            }
        };
        let slot = open.add();
        let conn = Connection {
            stream,
            peer,
            router: router.clone(),
            http: http.clone(),
            limits,
            slot,
            stopping: stopping.subscribe(),
            _permit: permit,
        };
        tokio::spawn(conn.run());
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every connection holds a permit until it ends.
    let _all = permits.acquire_many(max as u32).await;
    Ok(())
}

/// Closes idle connections, longest idle first, until a permit is free.
async fn make_room(permits: &Arc<Semaphore>, open: &Registry) -> OwnedSemaphorePermit {
    loop {
        open.close_longest_idle();
        tokio::select! {
            p = permits.clone().acquire_owned() => {
                return p.expect("the semaphore is never closed");
            }
            () = tokio::time::sleep(ROOM_EVERY) => {}
        }
    }
}

/// The open connections, so that the acceptor can close one to make room.
#[derive(Default)]
struct Registry {
    inner: Arc<Mutex<Slots>>,
}

#[derive(Default)]
struct Slots {
    next: u64,
    slots: HashMap<u64, Arc<Slot>>,
}

/// One open connection as the registry sees it.
struct Slot {
    activity: Activity,
    /// Told to close by the acceptor.
    close: Notify,
}

/// A connection's place in the registry; leaving it when the connection ends.
struct Registered {
    id: u64,
    slot: Arc<Slot>,
    registry: Arc<Mutex<Slots>>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock(&self.registry).slots.remove(&self.id);
    }
}

fn lock(m: &Mutex<Slots>) -> std::sync::MutexGuard<'_, Slots> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Registry {
    fn add(&self) -> Registered {
        let slot = Arc::new(Slot {
            activity: Activity::new(),
            close: Notify::new(),
        });
        let mut slots = lock(&self.inner);
        let id = slots.next;
        slots.next += 1;
        slots.slots.insert(id, slot.clone());
        Registered {
            id,
            slot,
            registry: self.inner.clone(),
        }
    }

    /// Tells the connection idle longest (answering no request) to close, and forgets it so
    /// that it is not chosen twice; false when every connection is being answered.
    fn close_longest_idle(&self) -> bool {
        let mut slots = lock(&self.inner);
        let chosen = slots
            .slots
            .iter()
            .filter(|(_, s)| s.activity.answering.load(Ordering::Relaxed) == 0)
            .min_by_key(|(_, s)| s.activity.last_active())
            .map(|(id, _)| *id);
        match chosen.and_then(|id| slots.slots.remove(&id)) {
            Some(slot) => {
                slot.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Logs the cap being reached, at most every [`CAP_LOG_EVERY`], with how often since.
#[derive(Default)]
struct CapLog {
    last: Option<Instant>,
    since: u64,
}

impl CapLog {
    fn reached(&mut self, max: usize) {
        self.since += 1;
        if self.last.is_none_or(|t| t.elapsed() >= CAP_LOG_EVERY) {
            tracing::warn!(
                max_connections = max,
                times = self.since,
                "connection cap reached; closing idle connections to make room"
            );
            self.last = Some(Instant::now());
            self.since = 0;
        }
    }
}

/// One accepted connection and what it needs to serve itself.
struct Connection {
    stream: TcpStream,
    /// The client's address, for handlers (`ConnectInfo`).
    peer: SocketAddr,
    router: Router,
    http: hyper::server::conn::http1::Builder,
    limits: ConnectionLimits,
    slot: Registered,
    stopping: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(mut self) {
        let slot = self.slot.slot.clone();
        let io = TokioIo::new(Tracked {
            inner: self.stream,
            slot: slot.clone(),
        });
        let router = self.router;
        let served = slot.clone();
        let peer = ConnectInfo(self.peer);
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let answering = Answering::begin(served.clone());
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(peer);
            let call = router.clone().oneshot(req);
            async move {
                let res = call.await;
                drop(answering);
                res
            }
        });
        let mut conn = pin!(self.http.serve_connection(io, service));
        let activity = &slot.activity;
        let mut closing = false;
        loop {
            // No deadline while a request is being answered; its end is told on `changed`.
            let deadline = activity.deadline(&self.limits);
            let expiry = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now));
            tokio::select! {
                biased;
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                changed = self.stopping.changed(), if !closing => {
                    if changed.is_err() || *self.stopping.borrow() {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
                () = activity.changed.notified() => {}
                () = slot.close.notified() => {
                    tracing::debug!("idle connection closed to make room");
                    return;
                }
                () = expiry, if deadline.is_some() => {
                    if activity.deadline(&self.limits).is_some_and(|d| d <= Instant::now()) {
                        tracing::debug!("silent connection closed");
                        return;
                    }
                }
            }
        }
    }
}

/// What a connection's watchdog knows: times are milliseconds since the connection was
/// accepted, plus one, so that zero means "not yet".
struct Activity {
    born: Instant,
    /// Requests being answered (more than one only with pipelining).
    answering: AtomicUsize,
    /// Requests answered so far.
    answered: AtomicUsize,
    /// The last byte read or written.
    last_io: AtomicU64,
    /// When the connection last began to wait for a request: accepted, or a response given.
    waiting_since: AtomicU64,
    /// The first byte of the request head being waited for.
    head_started: AtomicU64,
    /// Told when a request begins or ends, or a head begins: the watchdog's deadline moves.
    changed: Notify,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            born: Instant::now(),
            answering: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
            last_io: AtomicU64::new(1),
            waiting_since: AtomicU64::new(1),
            head_started: AtomicU64::new(0),
            changed: Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        self.born.elapsed().as_millis() as u64 + 1
    }

    fn at(&self, mark: u64) -> Instant {
        self.born + Duration::from_millis(mark.saturating_sub(1))
    }

    /// When a byte last moved.
    fn last_active(&self) -> Instant {
        self.at(self.last_io.load(Ordering::Relaxed))
    }

    fn io(&self, read: bool) {
        let now = self.now();
        self.last_io.store(now, Ordering::Relaxed);
        if read
            && self.answering.load(Ordering::Relaxed) == 0
            && self
                .head_started
                .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.changed.notify_one();
        }
    }

    /// When the connection is to be closed if nothing changes; `None` while a request is
    /// being answered.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        if self.answering.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let head = self.head_started.load(Ordering::Relaxed);
        if self.answered.load(Ordering::Relaxed) == 0 {
            return Some(
                self.at(self.waiting_since.load(Ordering::Relaxed)) + limits.header_timeout,
            );
        }
        if head != 0 {
            return Some(self.at(head) + limits.header_timeout);
        }
        let since = self.at(self.waiting_since.load(Ordering::Relaxed));
        Some(self.last_active().max(since) + limits.idle_timeout)
    }
}

/// Marks a request as being answered until dropped (also when the connection is dropped
/// mid-request).
struct Answering(Arc<Slot>);

impl Answering {
    fn begin(slot: Arc<Slot>) -> Answering {
        slot.activity.answering.fetch_add(1, Ordering::Relaxed);
        slot.activity.head_started.store(0, Ordering::Relaxed);
        slot.activity.changed.notify_one();
        Answering(slot)
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        let a = &self.0.activity;
        a.answered.fetch_add(1, Ordering::Relaxed);
        a.waiting_since.store(a.now(), Ordering::Relaxed);
        a.answering.fetch_sub(1, Ordering::Relaxed);
        a.changed.notify_one();
    }
}

/// A TCP stream that records when bytes move.
struct Tracked {
    inner: TcpStream,
    slot: Arc<Slot>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.slot.activity.io(true);
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.slot.activity.io(false);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.slot.activity.io(false);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
