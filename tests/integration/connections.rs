//! Connections that never finish: silent and slow connections are closed, idle ones make
//! room at the cap, and a request being answered is never cut. The connection layer knows
//! nothing of the database, so these run on SQLite only;
//! `scripts/idle-connections.sh` does the same with 20,000 connections against the binary.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{Backend, TestApp};
use jingshi::web::ConnectionLimits;

async fn spawn(limits: ConnectionLimits) -> TestApp {
    TestApp::try_spawn_configured(Backend::Sqlite, None, |c| c.limits.connections = limits)
        .await
        .expect("SQLite is always there")
}

fn limits(max_connections: usize, header: u64, idle: u64) -> ConnectionLimits {
    ConnectionLimits {
        max_connections,
        header_timeout: Duration::from_secs(header),
        idle_timeout: Duration::from_secs(idle),
    }
}

/// Asserts that the server closes the connection after its one-second timeout, not before.
async fn closes_after_about_a_second(stream: &mut TcpStream) {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Err(_) => panic!("not closed within 5 s"),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(_)) => {}
        }
    }
    let closed = started.elapsed();
    assert!(closed >= Duration::from_millis(900), "{closed:?}");
    assert!(closed < Duration::from_secs(3), "{closed:?}");
}

/// Reads one small answer on a kept-alive connection (up to the end of its body).
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut read = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&read).ends_with("ok") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an answer within 5 s")
            .unwrap();
        assert!(n > 0, "closed before answering");
        read.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&read).into_owned()
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let app = spawn(limits(64, 1, 30)).await;
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    closes_after_about_a_second(&mut silent).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_sent_byte_by_byte_is_cut_off_at_the_header_timeout() {
    let app = spawn(limits(64, 1, 30)).await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    let started = Instant::now();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A header line every 200 ms keeps bytes moving but never ends the head.
    let mut cut = None;
    for _ in 0..25 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if slow.write_all(b"X-Slow: 1\r\n").await.is_err() {
            cut = Some(started.elapsed());
            break;
        }
        let mut buf = [0u8; 64];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(1), slow.read(&mut buf)).await
        {
            cut = Some(started.elapsed());
            break;
        }
    }
    let cut = cut.expect("the slow head was cut off within 5 s");
    assert!(cut < Duration::from_secs(3), "{cut:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_serves_again_then_closes_when_idle() {
    let app = spawn(limits(64, 30, 1)).await;
    let mut conn = TcpStream::connect(app.addr).await.unwrap();
    conn.write_all(HEALTH).await.unwrap();
    assert!(read_answer(&mut conn).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    conn.write_all(HEALTH).await.unwrap();
    assert!(
        read_answer(&mut conn).await.starts_with("HTTP/1.1 200"),
        "kept alive within the idle timeout"
    );
    closes_after_about_a_second(&mut conn).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_idle_connections_make_room_for_a_real_request() {
    let app = spawn(limits(16, 60, 60)).await;
    // Far more silent connections than the cap; the server would keep each for a minute.
    let mut silent = Vec::new();
    for _ in 0..300 {
        silent.push(TcpStream::connect(app.addr).await.unwrap());
    }
    for _ in 0..3 {
        let started = Instant::now();
        let res = reqwest::Client::new()
            .get(app.url("/healthz"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .expect("a normal request gets in");
        assert_eq!(res.status().as_u16(), 200);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1), "{took:?}");
    }
    // Most silent connections were closed to make room.
    let mut closed = 0;
    for s in &mut silent {
        let mut buf = [0u8; 1];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(5), s.read(&mut buf)).await {
            closed += 1;
        }
    }
    assert!(closed >= 300 - 16, "{closed} closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_being_answered_is_never_cut_by_the_timeouts_or_the_cap() {
    // A search backend that never answers: a lookup waits for it longer than the header and
    // idle timeouts.
    let stalled = crate::fake_meili::stalled().await;
    let app = TestApp::try_spawn_configured(
        Backend::Sqlite,
        Some(jingshi::search::SearchConfig::Meilisearch {
            url: format!("http://{stalled}"),
            key: None,
            index: "jingshi".into(),
        }),
        |c| {
            c.limits.request_timeout = Duration::from_secs(3);
            c.limits.connections = limits(2, 1, 1);
        },
    )
    .await
    .unwrap();
    let started = Instant::now();
    let slow = tokio::spawn({
        let url = app.url("/search?q=慢查询");
        async move { reqwest::get(url).await.map(|r| r.status().as_u16()) }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Room is wanted meanwhile: the slow request is not the one to go.
    let mut others = Vec::new();
    for _ in 0..5 {
        others.push(TcpStream::connect(app.addr).await.unwrap());
    }
    let status = slow.await.unwrap().expect("answered, not cut");
    // The lookup falls back to the database once the backend's own deadline passes.
    assert_eq!(status, 200);
    let took = started.elapsed();
    assert!(
        took > Duration::from_millis(1200),
        "longer than the timeouts: {took:?}"
    );
}
