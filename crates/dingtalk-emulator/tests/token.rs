//! Access tokens: gettoken, the v1.0 accessToken call, reuse, extension, expiry,
//! and the token errors of every oapi call.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dingtalk_emulator::Config;
use serde_json::json;

#[test]
fn gettoken_answers_the_documented_shape() {
    let h = start_default();
    let (status, body) = h.gettoken_with("demo_app_key", "demo_app_secret");
    assert_eq!(status, 200);
    assert_eq!(body["errcode"], 0);
    assert_eq!(body["errmsg"], "ok");
    assert_eq!(body["expires_in"], 7200);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(body["request_id"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn same_token_while_valid() {
    let h = start_default();
    let first = h.token();
    let second = h.token();
    assert_eq!(first, second);
    // The v1.0 call shares the same token.
    let (status, body) = h.post(
        "/v1.0/oauth2/accessToken",
        &json!({"appKey": "demo_app_key", "appSecret": "demo_app_secret"}),
    );
    assert_eq!(status, 200);
    assert_eq!(body["accessToken"], first.as_str());
    assert_eq!(body["expireIn"], 7200);
    // Success bodies spell it requestId; only errors use requestid.
    assert!(body["requestId"].is_string(), "{body}");
    assert!(body.get("requestid").is_none(), "{body}");
    let stats = h.control.stats();
    assert_eq!(stats.gettoken, 3);
    assert_eq!(stats.count("/gettoken"), 2);
    assert_eq!(stats.count("/v1.0/oauth2/accessToken"), 1);
}

#[test]
fn wrong_credentials_and_missing_parameters() {
    let h = start_default();
    assert_errcode(
        &h.gettoken_with("demo_app_key", "wrong"),
        40096,
        "appsecret",
    );
    assert_errcode(
        &h.gettoken_with("nobody", "demo_app_secret"),
        40096,
        "appkey",
    );
    assert_errcode(&h.get("/gettoken"), 40035, "appkey");
    assert_errcode(&h.get("/gettoken?appkey=demo_app_key"), 40035, "appsecret");
    assert_errcode(
        &h.get("/gettoken?appkey=&appsecret=demo_app_secret"),
        40035,
        "appkey",
    );
    // Credentials in a body are ignored: gettoken reads the query only.
    let answer = read(
        h.http
            .post(h.url("/gettoken"))
            .form(&[("appkey", "demo_app_key"), ("appsecret", "demo_app_secret")])
            .send()
            .unwrap(),
    );
    assert_errcode(&answer, 40035, "appkey");
}

#[test]
fn query_parameters_are_percent_decoded() {
    let secret = "s&e#c+r et%=?";
    let h = start(Config {
        apps: vec![("key with space".into(), secret.into())],
        ..Config::default()
    });
    // reqwest encodes the space as '+' and the rest with %XX.
    let (_, body) = h.gettoken_with("key with space", secret);
    assert_eq!(body["errcode"], 0, "{body}");
    // Hand-written: '+' is a space, %2B is a plus.
    let (_, body) = h.get("/gettoken?appkey=key+with%20space&appsecret=s%26e%23c%2Br+et%25%3D%3F");
    assert_eq!(body["errcode"], 0, "{body}");
    let (_, body) = h.get("/gettoken?appkey=key+with%20space&appsecret=s%26e%23c+r+et%25%3D%3F");
    assert_eq!(body["errcode"], 40096, "{body}");
}

#[test]
fn each_app_has_its_own_token() {
    let h = start(Config {
        apps: vec![("a".into(), "1:2".into()), ("b".into(), "2".into())],
        ..Config::default()
    });
    let (_, a) = h.gettoken_with("a", "1:2");
    let (_, b) = h.gettoken_with("b", "2");
    assert_ne!(a["access_token"], b["access_token"]);
    assert_errcode(
        &h.gettoken_with("demo_app_key", "demo_app_secret"),
        40096,
        "invalid",
    );
}

#[test]
fn v1_access_token_errors() {
    let h = start_default();
    let (status, body) = h.post(
        "/v1.0/oauth2/accessToken",
        &json!({"appKey": "demo_app_key", "appSecret": "nope"}),
    );
    assert_eq!(status, 400);
    assert_eq!(body["code"], "invalidClientIdOrSecret");
    assert!(body["message"].is_string());
    assert!(body["requestid"].is_string());

    let (status, body) = h.post(
        "/v1.0/oauth2/accessToken",
        &json!({"appKey": "demo_app_key"}),
    );
    assert_eq!(status, 400);
    assert_eq!(body["code"], "MissingappSecret");

    let answer = read(
        h.http
            .post(h.url("/v1.0/oauth2/accessToken"))
            .form(&[("appKey", "demo_app_key"), ("appSecret", "demo_app_secret")])
            .send()
            .unwrap(),
    );
    assert_eq!(answer.0, 400);
    assert_eq!(answer.1["code"], "InvalidParameter");

    let answer = read(
        h.http
            .get(h.url("/v1.0/oauth2/accessToken"))
            .send()
            .unwrap(),
    );
    // DingTalk's gateway routes by method and path: a wrong method is an unknown API.
    assert_v1_error(&answer, 404, "InvalidAction.NotFound", "GET");
}

#[test]
fn token_errors_on_oapi_calls() {
    let h = start_default();
    let body = json!({"userid": "u", "offset": 0, "limit": 10, "status": 0});
    assert_errcode(&h.post(GET, &body), 41001, "access_token");
    assert_errcode(
        &h.post(&format!("{GET}?access_token="), &body),
        41001,
        "access_token",
    );
    assert_errcode(
        &h.call("0123456789abcdef0123456789abcdef", GET, &body),
        40014,
        "access_token",
    );
    let token = h.token();
    assert_eq!(h.call(&token, GET, &body).1["errcode"], 0);
    // A token in the v1.0 header alone does not count for oapi.
    let answer = read(
        h.http
            .post(h.url(GET))
            .header("x-acs-dingtalk-access-token", &token)
            .body(body.to_string())
            .send()
            .unwrap(),
    );
    assert_errcode(&answer, 41001, "access_token");
}

#[test]
fn expire_tokens_then_a_fresh_one() {
    let h = start_default();
    let old = h.token();
    h.control.expire_tokens();
    let body = json!({"userid": "u", "offset": 0, "limit": 10, "status": 0});
    for path in [ADD, UPDATE, GET] {
        assert_errcode(&h.call(&old, path, &body), 42001, "expired");
    }
    let new = h.token();
    assert_ne!(old, new);
    assert_eq!(h.call(&new, GET, &body).1["errcode"], 0);
    // The old one stays expired rather than becoming unknown.
    assert_errcode(&h.call(&old, GET, &body), 42001, "expired");
}

#[test]
fn token_is_extended_by_each_gettoken_and_expires_after_ttl() {
    let ttl = Duration::from_secs(1);
    let h = start(Config {
        token_ttl: ttl,
        ..Config::default()
    });
    let (_, first) = h.gettoken_with("demo_app_key", "demo_app_secret");
    assert_eq!(first["expires_in"], 1);
    let token = first["access_token"].as_str().unwrap().to_owned();
    let body = json!({"userid": "u", "offset": 0, "limit": 10, "status": 0});

    // Keep asking for the token for longer than its lifetime: each call extends it,
    // so it stays the same and usable throughout.
    let started = Instant::now();
    while started.elapsed() < ttl * 2 {
        assert_eq!(h.token(), token);
        assert_eq!(h.call(&token, GET, &body).1["errcode"], 0);
        std::thread::sleep(Duration::from_millis(100));
    }

    // Left alone, it expires: poll until the emulator says so.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, answer) = h.call(&token, GET, &body);
        if answer["errcode"] == 42001 {
            break;
        }
        assert_eq!(answer["errcode"], 0, "{answer}");
        assert!(Instant::now() < deadline, "token never expired");
        std::thread::sleep(Duration::from_millis(50));
    }
    let fresh = h.token();
    assert_ne!(fresh, token);
    assert_eq!(h.call(&fresh, GET, &body).1["errcode"], 0);
}
