//! The control API: scripted faults of every kind, expire-tokens, stats, reset,
//! records, through the shared control client.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dingtalk_emulator::testing::Fault;
use serde_json::json;

fn stored(h: &Harness, userid: &str) -> usize {
    h.control.records(userid).len()
}

#[test]
fn errcode_fault_answers_a_dingtalk_error_count_times() {
    let h = start_default();
    let token = h.token();
    h.control.faults([Fault::errcode(ADD, -1).count(2)]);
    for _ in 0..2 {
        let (status, body) = h.call(&token, ADD, &record("u", "t"));
        assert_eq!(status, 200);
        assert_eq!(body["errcode"], -1);
        assert_eq!(body["errmsg"], "系统繁忙");
        assert!(body["request_id"].is_string());
        assert!(body.get("sub_code").is_none());
    }
    assert_eq!(stored(&h, "u"), 0, "a faulted add stores nothing");
    h.add(&token, &record("u", "t"));
    assert_eq!(stored(&h, "u"), 1);
    // Faulted requests are counted like any other.
    assert_eq!(h.control.count(ADD), 3);
}

#[test]
fn errcode_fault_with_sub_code() {
    let h = start_default();
    h.control.faults([Fault::errcode("/topapi/", 88)
        .errmsg("auth")
        .sub_code("42001")
        .sub_msg("token expired")]);
    let (_, body) = h.call("whatever", GET, &json!({}));
    assert_eq!(body["errcode"], 88);
    assert_eq!(body["errmsg"], "auth");
    assert_eq!(body["sub_code"], "42001");
    assert_eq!(body["sub_msg"], "token expired");
    assert!(body["request_id"].is_string());
}

#[test]
fn status_fault_answers_a_raw_body() {
    let h = start_default();
    let html = "<html><body>502 Bad Gateway</body></html>";
    h.control.faults([
        Fault::status("/gettoken", 502).body(html),
        Fault::status("/gettoken", 200).body(r#"{"status":1111,"wait":5}"#),
        Fault::status("/gettoken", 503),
    ]);
    let response = h
        .http
        .get(h.url("/gettoken?appkey=demo_app_key&appsecret=demo_app_secret"))
        .send()
        .unwrap();
    assert_eq!(response.status(), 502);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(response.text().unwrap(), html);
    let response = h.http.get(h.url("/gettoken")).send().unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(response.text().unwrap(), r#"{"status":1111,"wait":5}"#);
    let response = h.http.get(h.url("/gettoken")).send().unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.text().unwrap(), "");
    // Then back to normal.
    assert_eq!(
        h.gettoken_with("demo_app_key", "demo_app_secret").1["errcode"],
        0
    );
    assert_eq!(h.control.gettoken_calls(), 4);
}

#[test]
fn delay_fault_answers_normally_but_late() {
    let h = start_default();
    let token = h.token();
    h.control
        .faults([Fault::delay(GET, Duration::from_millis(300))]);
    let started = Instant::now();
    let page = h.page(&token, "u", 0, 10, 0);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(page["errcode"], 0);

    // A client with a shorter timeout gives up.
    h.control
        .faults([Fault::delay(GET, Duration::from_millis(1000))]);
    let impatient = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let error = impatient
        .post(h.url(&format!("{GET}?access_token={token}")))
        .body(json!({"userid": "u", "offset": 0, "limit": 1, "status": 0}).to_string())
        .send()
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");

    // A delay can come with an error.
    h.control
        .faults([Fault::errcode(GET, -1).with_delay(Duration::from_millis(100))]);
    let started = Instant::now();
    let (_, body) = h.call(&token, GET, &json!({}));
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(body["errcode"], -1);
}

#[test]
fn drop_fault_closes_the_connection_without_an_answer() {
    let h = start_default();
    let token = h.token();
    h.control.faults([Fault::drop(ADD)]);
    let fresh = client();
    let started = Instant::now();
    let error = fresh
        .post(h.url(&format!("{ADD}?access_token={token}")))
        .body(record("u", "t").to_string())
        .send()
        .expect_err("a dropped connection is an error, not an answer");
    assert!(!error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(stored(&h, "u"), 0);
    // The next request, on a new connection, is answered.
    h.add(&token, &record("u", "t"));
    assert_eq!(h.control.count(ADD), 2);

    // Also when the delay comes first.
    h.control
        .faults([Fault::drop(ADD).with_delay(Duration::from_millis(50))]);
    assert!(client()
        .post(h.url(&format!("{ADD}?access_token={token}")))
        .body(record("u", "t").to_string())
        .send()
        .is_err());
}

#[test]
fn faults_match_by_prefix_in_queue_order() {
    let h = start_default();
    let token = h.token();
    h.control.faults([
        Fault::errcode("/topapi/", 1),
        Fault::errcode(ADD, 2),
        Fault::errcode("/gettoken", 3),
    ]);
    assert_eq!(h.control.pending_faults().len(), 3);
    assert_eq!(h.call(&token, ADD, &record("u", "t")).1["errcode"], 1);
    assert_eq!(h.call(&token, ADD, &record("u", "t")).1["errcode"], 2);
    assert_eq!(h.call(&token, ADD, &record("u", "t")).1["errcode"], 0);
    assert_eq!(h.control.pending_faults(), [("/gettoken".to_owned(), 1)]);
    assert_eq!(
        h.gettoken_with("demo_app_key", "demo_app_secret").1["errcode"],
        3
    );
    assert!(h.control.pending_faults().is_empty());
}

#[test]
fn faults_never_touch_the_control_api() {
    let h = start_default();
    h.control.faults([Fault::errcode("/", 7)]);
    assert_eq!(h.control.stats().gettoken, 0);
    assert!(h.control.records("u").is_empty());
    assert!(h.control.todos("u").is_empty());
    // The unconsumed fault is still there for the next DingTalk path.
    assert_eq!(h.get("/anything").1["errcode"], 7);
    // And a fault cannot target the control API.
    let refused = h
        .control
        .try_faults(&json!([{"path": "/_emulator/stats", "errcode": 1}]))
        .unwrap_err();
    assert!(refused.contains("/_emulator/"), "{refused}");
}

#[test]
fn bad_faults_are_refused_and_nothing_is_queued() {
    let h = start_default();
    for bad in [
        json!([{"path": "/gettoken"}]),
        json!([{"errcode": 1}]),
        json!([{"path": "/gettoken", "errcode": 1, "drop": true}]),
        json!([{"path": "/gettoken", "status": 99}]),
        json!([{"path": "/gettoken", "status": 502, "delay": 1}]),
        json!([{"path": "/gettoken", "errcode": 1, "count": 0}]),
        json!([{"path": "/gettoken", "errcode": 1}, {"path": "/x"}]),
        json!([{"path": "/v1.0/", "code": "Forbidden"}]),
        json!([{"path": "/v1.0/", "status": 200, "code": "Forbidden"}]),
        json!([{"path": "/v1.0/", "status": 403, "code": "Forbidden", "body": "x"}]),
        json!([{"path": "/v1.0/", "status": 403, "message": "no code"}]),
        json!("nope"),
    ] {
        let reason = h.control.try_faults(&bad).expect_err(&bad.to_string());
        assert!(!reason.is_empty(), "{bad}");
    }
    let (status, body) = h
        .control
        .call("POST", "/_emulator/faults", Some(b"not json"));
    assert_eq!(status, 400);
    assert!(body["error"].is_string(), "{body}");
    assert!(h.control.pending_faults().is_empty());
    // A single object is accepted as a list of one.
    assert_eq!(
        h.control
            .try_faults(&json!({"path": "/gettoken", "errcode": 1})),
        Ok(1)
    );
    h.control.clear_faults();
    assert!(h.control.pending_faults().is_empty());
}

#[test]
fn stats_count_every_dingtalk_path() {
    let h = start_default();
    let token = h.token();
    h.add(&token, &record("u", "t"));
    h.call(&token, ADD, &json!({}));
    h.call("bad", UPDATE, &json!({}));
    h.page(&token, "u", 0, 1, 0);
    h.get("/no/such/path");
    h.get(ADD); // wrong method still counts
    let stats = h.control.stats();
    assert_eq!(stats.gettoken, 1);
    assert_eq!(
        stats.requests,
        [
            ("/gettoken", 1),
            (ADD, 3),
            (UPDATE, 1),
            (GET, 1),
            ("/no/such/path", 1)
        ]
        .map(|(path, n)| (path.to_owned(), n))
        .into()
    );
    assert_eq!(stats.count_prefix("/topapi/workrecord/"), 5);
}

#[test]
fn stats_show_how_many_requests_are_handled_at_once() {
    let h = start_default();
    let token = h.token();
    assert_eq!(h.control.stats().max_in_flight, 1, "the token call, alone");
    h.control
        .faults([Fault::delay(GET, Duration::from_millis(1500)).count(3)]);
    let query = json!({"userid": "u", "offset": 0, "limit": 1, "status": 0});
    std::thread::scope(|s| {
        let calls: Vec<_> = (0..3)
            .map(|_| s.spawn(|| h.call(&token, GET, &query).1["errcode"].clone()))
            .collect();
        // All three are held by their delay: wait until the emulator sees them together.
        let deadline = Instant::now() + Duration::from_secs(5);
        while h.control.stats().in_flight < 3 {
            assert!(
                Instant::now() < deadline,
                "the three calls never overlapped"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        for call in calls {
            assert_eq!(call.join().unwrap(), 0);
        }
    });
    let stats = h.control.stats();
    assert_eq!((stats.in_flight, stats.max_in_flight), (0, 3));
    // The control API is not counted, and a reset starts the most again from what is in flight.
    h.control.reset();
    assert_eq!(h.control.stats().max_in_flight, 0);
}

#[test]
fn reset_returns_to_the_state_at_start() {
    let h = start_default();
    let token = h.token();
    h.add(&token, &record("u", "t"));
    h.control.faults([Fault::errcode("/gettoken", 5)]);
    let (status, body) = h.control.call("POST", "/_emulator/reset", None);
    assert_eq!((status, body), (200, json!({"ok": true})));
    assert_eq!(h.control.stats(), Default::default());
    assert!(h.control.pending_faults().is_empty());
    assert_eq!(stored(&h, "u"), 0);
    assert_errcode(&h.call(&token, GET, &json!({})), 40014, "access_token");
    let fresh = h.token();
    assert_ne!(fresh, token);
    assert_eq!(h.page(&fresh, "u", 0, 50, 0)["records"]["list"], json!([]));
}

#[test]
fn control_api_misuse() {
    let h = start_default();
    let (status, body) = h.control.call("GET", "/_emulator/records", None);
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("userid"));
    assert_eq!(h.control.call("GET", "/_emulator/reset", None).0, 405);
    assert_eq!(
        h.control.call("GET", "/_emulator/expire-tokens", None).0,
        405
    );
    assert_eq!(h.control.call("POST", "/_emulator/todos", None).0, 405);
    assert_eq!(h.control.call("GET", "/_emulator/nope", None).0, 404);
    // The control API is not counted.
    assert!(h.control.stats().requests.is_empty());
}
