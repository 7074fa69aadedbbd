//! Bad input of every kind: unknown paths, wrong methods, oversized bodies, broken
//! HTTP, and the QPS limit. The emulator answers (or closes) and keeps serving.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use dingtalk_emulator::{Config, BODY_LIMIT};
use serde_json::json;

#[test]
fn unknown_paths_answer_404_in_dingtalk_shape() {
    let h = start_default();
    let (status, body) = h.get("/topapi/workrecord/get");
    assert_eq!(status, 404);
    assert_eq!(body["errcode"], 404);
    assert!(body["errmsg"]
        .as_str()
        .unwrap()
        .contains("/topapi/workrecord/get"));
    assert!(body["request_id"].is_string());
    let (status, body) = h.post("/topapi/workrecord/deletebyuserid", &json!({}));
    assert_eq!((status, body["errcode"].clone()), (404, json!(404)));
    assert_v1_error(
        &h.get("/v1.0/todo/users/u/nothing"),
        404,
        "InvalidAction.NotFound",
        "/v1.0/todo/users/u/nothing",
    );
    // A known path with the wrong method is an unknown API to DingTalk's gateway too.
    assert_v1_error(
        &h.get("/v1.0/todo/users/u/tasks"),
        404,
        "InvalidAction.NotFound",
        "GET /v1.0/todo/users/u/tasks",
    );
    assert_eq!(h.get("/").0, 404);
}

#[test]
fn wrong_methods_answer_405_in_dingtalk_shape() {
    let h = start_default();
    for path in [ADD, UPDATE, GET] {
        for method in [
            reqwest::Method::GET,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
            reqwest::Method::PATCH,
        ] {
            let answer = read(h.http.request(method.clone(), h.url(path)).send().unwrap());
            assert_eq!(answer.0, 405, "{method} {path}");
            assert_eq!(answer.1["errcode"], 405);
            assert!(answer.1["errmsg"].as_str().unwrap().contains(path));
            assert!(answer.1["request_id"].is_string());
        }
    }
    assert_eq!(
        read(h.http.delete(h.url("/gettoken")).send().unwrap()).0,
        405
    );
    // HEAD on a GET route has no body, but must not break anything.
    assert_eq!(
        h.http.head(h.url("/gettoken")).send().unwrap().status(),
        200
    );
}

#[test]
fn a_body_just_under_the_limit_is_read() {
    let h = start_default();
    let token = h.token();
    // Valid JSON padded with whitespace up to the limit.
    let mut body = record("u", "t").to_string().into_bytes();
    body.resize(BODY_LIMIT, b' ');
    let (_, answer) = h.call_bytes(&token, ADD, body);
    assert_eq!(answer["errcode"], 0, "{answer}");
}

/// An oversized body gets a 413 with a DingTalk-style body, or (when the client is
/// still writing as the server closes) a connection error, quickly either way.
fn assert_refused_quickly(result: reqwest::Result<reqwest::blocking::Response>, started: Instant) {
    match result {
        Ok(response) => {
            let (status, body) = read(response);
            assert_eq!(status, 413);
            assert_eq!(body["errcode"], 413);
            assert!(body["request_id"].is_string());
        }
        Err(error) => assert!(!error.is_timeout(), "{error:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn bodies_over_one_mebibyte_are_refused() {
    let h = start_default();
    let token = h.token();
    let url = h.url(&format!("{ADD}?access_token={token}"));
    for size in [BODY_LIMIT + 1, 8 * BODY_LIMIT] {
        let started = Instant::now();
        assert_refused_quickly(client().post(&url).body(vec![b' '; size]).send(), started);
    }
    // Without a length up front (chunked), the limit applies while reading.
    let started = Instant::now();
    let chunked = reqwest::blocking::Body::new(std::io::repeat(b' ').take(4 * BODY_LIMIT as u64));
    assert_refused_quickly(client().post(&url).body(chunked).send(), started);
    // Also for the v1.0 call and the control API.
    let started = Instant::now();
    let v1 = client()
        .post(h.url("/v1.0/oauth2/accessToken"))
        .body(vec![b' '; 2 * BODY_LIMIT])
        .send();
    match v1 {
        Ok(response) => assert_eq!(response.status(), 413),
        Err(error) => assert!(!error.is_timeout()),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    // Still serving.
    h.add(&token, &record("u", "t"));
}

fn raw_exchange(h: &Harness, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(h.emulator.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    // Read until the server closes; a timeout would fail the test through the error.
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn an_announced_huge_body_is_refused_before_it_is_sent() {
    let h = start_default();
    let started = Instant::now();
    // Headers only: the answer must come without the body ever being sent.
    let answer = raw_exchange(
        &h,
        format!("POST {ADD} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", 100 * BODY_LIMIT)
            .as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"errcode\":413"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn broken_http_is_refused_and_serving_goes_on() {
    let h = start_default();
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"POST /gettoken HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"\x00\xff\xfe\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let answer = raw_exchange(&h, garbage);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
            "{answer}"
        );
    }
    // A client that connects and leaves.
    drop(TcpStream::connect(h.emulator.local_addr()).unwrap());
    // A request cut off halfway through its body.
    {
        let mut stream = TcpStream::connect(h.emulator.local_addr()).unwrap();
        stream
            .write_all(
                format!(
                    "POST {ADD} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{{\"userid\""
                )
                .as_bytes(),
            )
            .unwrap();
    }
    assert_eq!(
        h.gettoken_with("demo_app_key", "demo_app_secret").1["errcode"],
        0
    );
}

#[test]
fn qps_limit_per_app_per_api() {
    let h = start(Config {
        apps: vec![("a".into(), "1".into()), ("b".into(), "2".into())],
        qps_limit: Some(3),
        ..Config::default()
    });
    let token_of = |key: &str, secret: &str| {
        h.gettoken_with(key, secret).1["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let a = token_of("a", "1");
    let b = token_of("b", "2");
    let query = json!({"userid": "u", "offset": 0, "limit": 1, "status": 0});

    // Ten calls fit in at most two one-second windows, so at most six pass.
    let started = Instant::now();
    let codes: Vec<_> = (0..10)
        .map(|_| h.call(&a, GET, &query).1["errcode"].clone())
        .collect();
    let limited = codes.iter().filter(|c| **c == 90018).count();
    let passed = codes.iter().filter(|c| **c == 0).count();
    assert_eq!(
        h.control.stats().throttled,
        limited as u64,
        "refusals are counted"
    );
    assert_eq!(limited + passed, 10, "{codes:?}");
    if started.elapsed() < Duration::from_secs(1) {
        assert!((3..=6).contains(&passed), "{codes:?}");
        assert!(limited >= 4, "{codes:?}");
    }
    let (_, refused) = h.call(&a, GET, &query);
    if refused["errcode"] == 90018 {
        assert_errcode(&(200, refused), 90018, "limit");
    }

    // Another app, and another API of the same app, have their own allowance:
    // the first call of each in any window passes.
    assert_eq!(h.call(&b, GET, &query).1["errcode"], 0);
    assert_eq!(
        h.call(&a, UPDATE, &json!({"userid": "u", "record_id": "x"}))
            .1["errcode"],
        40035
    );

    // The allowance comes back in the next second: poll until a call passes.
    let deadline = Instant::now() + Duration::from_secs(5);
    while h.call(&a, GET, &query).1["errcode"] != 0 {
        assert!(Instant::now() < deadline, "the limit never lifted");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn qps_limit_on_token_calls() {
    let h = start(Config {
        qps_limit: Some(2),
        ..Config::default()
    });
    let codes: Vec<_> = (0..8)
        .map(|_| h.gettoken_with("demo_app_key", "demo_app_secret").1["errcode"].clone())
        .collect();
    assert!(codes.contains(&json!(90018)), "{codes:?}");
    let statuses: Vec<_> = (0..8)
        .map(|_| {
            h.post(
                "/v1.0/oauth2/accessToken",
                &json!({"appKey": "demo_app_key", "appSecret": "demo_app_secret"}),
            )
        })
        .collect();
    let refused = statuses
        .iter()
        .find(|(status, _)| *status == 403)
        .expect("some v1.0 calls are refused");
    assert_eq!(
        refused.1["code"],
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
    );
}
