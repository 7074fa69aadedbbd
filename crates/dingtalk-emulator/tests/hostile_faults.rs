//! Faults that play a hostile or broken server: redirects, padded, compressed and trickled
//! bodies, answers that echo the request, and answers lost after the work was done.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn push(h: &Harness, faults: Value) {
    if let Err(reason) = h.control.try_faults(&faults) {
        panic!("faults refused: {reason}");
    }
}

/// A client that shows answers as they are: no redirect followed, no decompression.
fn raw_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        // In a workspace build another crate may switch reqwest's gzip on.
        .no_gzip()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[test]
fn redirect_fault_answers_3xx_with_a_location() {
    let h = start_default();
    push(
        &h,
        json!([
            {"path": "/gettoken", "redirect": "http://elsewhere.invalid/x?{query}"},
            {"path": GET, "redirect": "/y", "status": 307}
        ]),
    );
    let answer = raw_client()
        .get(h.url("/gettoken?appkey=k&appsecret=s%2B1"))
        .send()
        .unwrap();
    assert_eq!(answer.status(), 302);
    assert_eq!(
        answer.headers()["location"],
        "http://elsewhere.invalid/x?appkey=k&appsecret=s%2B1"
    );
    let answer = raw_client().post(h.url(GET)).body("{}").send().unwrap();
    assert_eq!(answer.status(), 307);
    assert_eq!(answer.headers()["location"], "/y");
}

#[test]
fn body_bytes_fault_sends_json_of_that_size_announced() {
    let h = start_default();
    push(
        &h,
        json!([{"path": GET, "status": 200, "body_bytes": 300_000}]),
    );
    let answer = raw_client().post(h.url(GET)).body("{}").send().unwrap();
    assert_eq!(answer.content_length(), Some(300_000));
    let body = answer.bytes().unwrap();
    assert_eq!(body.len(), 300_000);
    let value: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(value["errcode"], 0);
}

#[test]
fn gzip_fault_sends_a_small_body_that_inflates_to_the_size() {
    let h = start_default();
    let size = 32 << 20;
    push(
        &h,
        json!([{"path": GET, "status": 200, "body_bytes": size, "gzip": true}]),
    );
    let answer = raw_client().post(h.url(GET)).body("{}").send().unwrap();
    assert_eq!(answer.headers()["content-encoding"], "gzip");
    let packed = answer.bytes().unwrap();
    assert!(
        packed.len() < size / 100,
        "{} bytes on the wire",
        packed.len()
    );
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&packed[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated.len(), size);
}

#[test]
fn trickle_fault_sends_the_body_a_byte_at_a_time() {
    let h = start_default();
    push(
        &h,
        json!([{"path": GET, "status": 502, "body": "bad gateway", "trickle_ms": 30}]),
    );
    let started = Instant::now();
    let answer = raw_client().post(h.url(GET)).body("{}").send().unwrap();
    assert_eq!(answer.status(), 502);
    assert_eq!(answer.text().unwrap(), "bad gateway");
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn query_placeholders_echo_the_request() {
    let h = start_default();
    push(
        &h,
        json!([
            {"path": GET, "errcode": 88, "errmsg": "m {query}", "sub_code": "s {query}",
             "sub_msg": "x {query}", "request_id": "r {query}"},
            {"path": GET, "status": 502, "body": "<html>GET ?{query}</html>"}
        ]),
    );
    let (_, body) = h.call("tok%2B1", GET, &json!({}));
    for field in ["errmsg", "sub_code", "sub_msg", "request_id"] {
        assert!(
            body[field]
                .as_str()
                .unwrap()
                .ends_with(" access_token=tok%2B1"),
            "{field}: {body}"
        );
    }
    let answer = raw_client()
        .post(h.url(&format!("{GET}?access_token=a+b")))
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(answer.text().unwrap(), "<html>GET ?access_token=a+b</html>");
}

#[test]
fn processed_fault_does_the_work_then_loses_the_answer() {
    let h = start_default();
    let token = h.token();
    push(
        &h,
        json!([
            {"path": ADD, "status": 502, "processed": true},
            {"path": ADD, "drop": true, "processed": true}
        ]),
    );
    let lost = raw_client()
        .post(h.url(&format!("{ADD}?access_token={token}")))
        .body(record("u", "t").to_string())
        .send()
        .unwrap();
    assert_eq!(lost.status(), 502);
    assert!(raw_client()
        .post(h.url(&format!("{ADD}?access_token={token}")))
        .body(record("u", "t").to_string())
        .send()
        .is_err());
    let stored = h.get("/_emulator/records?userid=u").1;
    assert_eq!(stored["records"].as_array().unwrap().len(), 2);
}
