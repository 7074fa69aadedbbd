//! A hostile or broken server, and the network in between: redirects, huge and compressed
//! answers, trickling, servers that always claim more pages, and a SOCKS5 proxy.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{never_answer, peer, trickle, Emu, KEY, SECRET};
use dingtalk_core::{Client, Error, RecordStatus, TransportErrorKind};
use serde_json::json;

const LIST: &str = "/topapi/workrecord/getbyuserid";

fn transport_kind(error: &Error) -> TransportErrorKind {
    match error {
        Error::Transport(t) => t.kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn list(client: &Client) -> dingtalk_core::Result<dingtalk_core::RecordPage> {
    client.work_records().list("u", RecordStatus::Pending, 0, 1)
}

#[test]
fn redirects_are_refused_not_followed() {
    let emu = Emu::start();
    let elsewhere = Emu::start();
    let client = emu.client();
    for (path, status) in [("/gettoken", 302), (LIST, 307), (LIST, 301), (LIST, 308)] {
        let target = format!("{}/gettoken?{{query}}", elsewhere.url());
        emu.faults(json!([{"path": path, "redirect": target, "status": status}]));
        let error = if path == "/gettoken" {
            client.access_token(true).unwrap_err()
        } else {
            list(&client).unwrap_err()
        };
        assert_eq!(transport_kind(&error), TransportErrorKind::Status(status));
        let message = error.to_string();
        assert!(message.contains("redirect"), "{message}");
        assert!(!message.contains(elsewhere.url()), "{message}");
    }
    // Nothing reached the other host: not the query with the secret, not a Referer.
    assert!(elsewhere.control.stats().requests.is_empty());
}

#[test]
fn answers_over_the_limit_are_not_read_whole() {
    let emu = Emu::start();
    let options = emu.options().max_answer_bytes(64 * 1024).unwrap();
    let client = Client::new(KEY, SECRET, options).unwrap();
    client.access_token(false).unwrap();
    for fault in [
        // Announced too large (Content-Length): refused unread.
        json!({"path": LIST, "status": 200, "body_bytes": 10_000_000}),
        // A gzip bomb: 64 MiB inflated from well under 1 MiB, cut at the limit while inflating.
        json!({"path": LIST, "status": 200, "body_bytes": 64 << 20, "gzip": true}),
    ] {
        emu.faults(json!([fault]));
        let error = list(&client).unwrap_err();
        assert_eq!(
            transport_kind(&error),
            TransportErrorKind::TooLarge,
            "{fault}"
        );
        assert!(
            error.to_string().contains("options[max_answer_bytes]"),
            "{error}"
        );
    }
    // Just under the limit is fine (a padded errcode-0 answer without "records" is refused as
    // undecodable, which shows it was read whole).
    emu.faults(json!([{"path": LIST, "status": 200, "body_bytes": 64 * 1024, "gzip": true}]));
    let error = list(&client).unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::Decode,
        "{error}"
    );
}

#[test]
fn a_trickling_answer_ends_at_the_time_budget() {
    let emu = Emu::start();
    let client = Client::new(KEY, SECRET, emu.options().timeout(0.5).unwrap()).unwrap();
    client.access_token(false).unwrap();
    emu.faults(json!([{"path": LIST, "status": 200, "body_bytes": 1000, "trickle_ms": 20}]));
    let started = Instant::now();
    let error = list(&client).unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::Timeout,
        "{error}"
    );
    // Sanity bound against hanging: the trickle alone would take 20 s.
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A Redis that never answers, or trickles its answer one byte at a time, costs a call the
/// store's 0.5 s (connecting, writing and every read together), once: the call then goes on
/// without it, and the failure is counted.
#[test]
fn a_redis_that_never_answers_or_trickles_costs_one_store_deadline() {
    let silent = peer(never_answer);
    // A bulk string of 1000 bytes, trickled.
    let trickling = peer(|stream| {
        trickle(
            stream,
            b"$1000\r\n".iter().copied().chain(std::iter::repeat(b'a')),
        )
    });
    for (what, redis) in [("silent", silent), ("trickling", trickling)] {
        // An emulator each: each client is then another app, with nothing cached yet.
        let emu = Emu::start();
        let options = emu
            .options()
            .token_store(&format!("redis://{redis}/0"))
            .unwrap();
        let client = Client::new(KEY, SECRET, options).unwrap();
        let started = Instant::now();
        client.access_token(false).unwrap();
        let spent = started.elapsed();
        assert_eq!(client.stats().store_errors, 1, "{what}");
        assert_eq!(emu.gettoken_calls(), 1, "{what}: fetched without the store");
        // 0.5 s for the store, a moment for the token.
        assert!(spent < Duration::from_millis(900), "{what}: {spent:?}");
    }
}

/// A page that always claims more.
fn endless_page() -> serde_json::Value {
    json!({"errcode": 0, "records": {"has_more": true, "list": [
        {"record_id": "r", "create_time": 1_700_000_000_000_i64, "title": "t", "url": "u", "forms": []}
    ]}})
}

#[test]
fn a_server_that_always_claims_more_pages_is_bounded() {
    let emu = Emu::start();
    let client = emu.client();
    let body = endless_page().to_string();
    emu.faults(json!([{"path": LIST, "status": 200, "body": body, "count": 5000}]));
    let error = client
        .work_records()
        .all("u", RecordStatus::Pending)
        .unwrap_err();
    assert!(error.to_string().contains("1000 pages"), "{error}");
    assert_eq!(emu.count(LIST), 1000);

    // find() over both statuses: the same bound in all.
    let before = emu.count(LIST);
    let error = client.work_records().find("u", "absent").unwrap_err();
    assert!(error.to_string().contains("1000 pages"), "{error}");
    assert_eq!(emu.count(LIST) - before, 1000);
}

#[test]
fn paged_calls_share_one_deadline() {
    let emu = Emu::start();
    let client = Client::new(KEY, SECRET, emu.options().timeout(0.6).unwrap()).unwrap();
    client.access_token(false).unwrap();
    // Each page takes 150 ms: each alone fits the budget, four together do not.
    let body = endless_page().to_string();
    emu.faults(json!([{"path": LIST, "status": 200, "body": body, "delay_ms": 150, "count": 50}]));
    let error = client
        .work_records()
        .all("u", RecordStatus::Pending)
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::Timeout,
        "{error}"
    );
    assert!(emu.count(LIST) <= 5, "{} pages", emu.count(LIST));
}

#[test]
fn the_pages_of_all_share_one_answer_allowance() {
    let emu = Emu::start();
    let options = emu.options().max_answer_bytes(4096).unwrap();
    let client = Client::new(KEY, SECRET, options).unwrap();
    let body = endless_page().to_string(); // about 150 bytes a page
    emu.faults(json!([{"path": LIST, "status": 200, "body": body, "count": 100}]));
    let error = client
        .work_records()
        .all("u", RecordStatus::Pending)
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::TooLarge,
        "{error}"
    );
    assert!(emu.count(LIST) < 40, "{} pages", emu.count(LIST));
}

#[test]
fn the_user_agent_is_a_header_of_each_request() {
    // A server of the test's own that answers a token and then an empty page, keeping what it
    // was sent. Clients with different user agents share one HTTP client, and each request
    // still carries its own client's agent.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let mut heads = Vec::new();
        for _ in 0..3 {
            let (mut stream, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&head).to_lowercase();
            if let Some(length) = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|n| n.trim().parse::<usize>().ok())
            {
                let mut body = vec![0u8; length];
                stream.read_exact(&mut body).unwrap();
            }
            let body = if text.starts_with("get /gettoken") {
                r#"{"errcode":0,"access_token":"tok-0123456789","expires_in":7200}"#
            } else {
                r#"{"errcode":0,"records":{"has_more":false,"list":[]}}"#
            };
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
            heads.push(text);
        }
        heads
    });
    for agent in ["first/1.0", "second/2.0"] {
        let options = dingtalk_core::Options::default()
            .base_url(&base)
            .unwrap()
            .user_agent(agent)
            .unwrap();
        let client = Client::new("ua-app", "ua-secret", options).unwrap();
        list(&client).unwrap();
    }
    let heads = server.join().unwrap();
    assert!(
        heads[0].contains("user-agent: first/1.0\r\n"),
        "{}",
        heads[0]
    );
    assert!(
        heads[1].contains("user-agent: first/1.0\r\n"),
        "{}",
        heads[1]
    );
    assert!(
        heads[2].contains("user-agent: second/2.0\r\n"),
        "{}",
        heads[2]
    );
    assert!(heads.iter().all(|h| !h.contains("referer")));
}

#[test]
fn socks5_proxies_carry_every_request() {
    let emu = Emu::start();
    for scheme in ["socks5", "socks5h"] {
        let proxy = Socks5::start();
        // Another timeout than other tests: a client of its own, through this proxy.
        let options = emu
            .options()
            .proxy(&format!("{scheme}://{}", proxy.addr))
            .unwrap();
        let client = Client::new(KEY, SECRET, options).unwrap();
        client.access_token(true).unwrap();
        list(&client).unwrap();
        assert!(
            proxy.connections() >= 1,
            "{scheme}: nothing went through the proxy"
        );
    }
}

/// A SOCKS5 proxy (no authentication, CONNECT only) on a loopback port of its own, relaying
/// to wherever the client asks; counts the connections it relayed.
struct Socks5 {
    addr: SocketAddr,
    relayed: Arc<AtomicUsize>,
}

impl Socks5 {
    fn start() -> Socks5 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let relayed = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&relayed);
        // Lives as long as the test binary: it only ever serves loopback connections.
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || Socks5::relay(client, &counter));
            }
        });
        Socks5 { addr, relayed }
    }

    fn connections(&self) -> usize {
        self.relayed.load(Ordering::SeqCst)
    }

    fn relay(mut client: TcpStream, relayed: &AtomicUsize) -> std::io::Result<()> {
        let mut head = [0u8; 2];
        client.read_exact(&mut head)?; // version 5, number of methods
        let mut methods = vec![0u8; usize::from(head[1])];
        client.read_exact(&mut methods)?;
        client.write_all(&[5, 0])?; // no authentication
        let mut request = [0u8; 4];
        client.read_exact(&mut request)?; // 5, CONNECT, 0, address type
        let host = match request[3] {
            1 => {
                let mut ip = [0u8; 4];
                client.read_exact(&mut ip)?;
                Ipv4Addr::from(ip).to_string()
            }
            4 => {
                let mut ip = [0u8; 16];
                client.read_exact(&mut ip)?;
                Ipv6Addr::from(ip).to_string()
            }
            _ => {
                let mut len = [0u8; 1];
                client.read_exact(&mut len)?;
                let mut name = vec![0u8; usize::from(len[0])];
                client.read_exact(&mut name)?;
                String::from_utf8_lossy(&name).into_owned()
            }
        };
        let mut port = [0u8; 2];
        client.read_exact(&mut port)?;
        let upstream = TcpStream::connect((host.as_str(), u16::from_be_bytes(port)))?;
        client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])?;
        relayed.fetch_add(1, Ordering::SeqCst);
        let (mut down, mut up) = (client.try_clone()?, upstream.try_clone()?);
        let forward = std::thread::spawn(move || std::io::copy(&mut down, &mut up));
        let (mut upstream, mut client) = (upstream, client);
        let _ = std::io::copy(&mut upstream, &mut client);
        let _ = client.shutdown(std::net::Shutdown::Both);
        let _ = forward.join();
        Ok(())
    }
}
