//! The identity calls: userid → unionId (`/topapi/v2/user/get`) and back
//! (`/topapi/user/getbyunionid`), by default and with configured or strict users.

mod common;

use common::*;
use dingtalk_emulator::testing::Fault;
use dingtalk_emulator::Config;
use serde_json::json;

fn union_id_of(h: &Harness, token: &str, userid: &str) -> (u16, serde_json::Value) {
    h.call(token, USER_GET, &json!({"userid": userid}))
}

fn userid_of(h: &Harness, token: &str, union_id: &str) -> (u16, serde_json::Value) {
    h.call(token, GET_BY_UNIONID, &json!({"unionid": union_id}))
}

#[test]
fn every_userid_exists_by_default() {
    let h = start_default();
    let token = h.token();
    let (status, body) = union_id_of(&h, &token, "manager1");
    assert_eq!(status, 200);
    assert_eq!(body["errcode"], 0, "{body}");
    assert_eq!(body["errmsg"], "ok");
    assert!(body["request_id"].is_string());
    assert_eq!(body["result"]["userid"], "manager1");
    assert_eq!(body["result"]["unionid"], "union-manager1");
    // Stable: the same userid, the same unionId.
    assert_eq!(
        union_id_of(&h, &token, "manager1").1["result"]["unionid"],
        "union-manager1"
    );
    let (_, back) = userid_of(&h, &token, "union-manager1");
    assert_eq!(back["errcode"], 0, "{back}");
    assert_eq!(
        back["result"],
        json!({"contact_type": 0, "userid": "manager1"})
    );
    // A unionId no userid derives to is nobody's.
    assert_errcode(
        &userid_of(&h, &token, "PUoiinWIpa2yH2ymhiiGiP6g"),
        60121,
        "找不到该用户",
    );
    // Odd characters survive both ways.
    let odd = "u/1 ?#%";
    let union_id = union_id_of(&h, &token, odd).1["result"]["unionid"].clone();
    assert_eq!(union_id, format!("union-{odd}"));
    assert_eq!(
        userid_of(&h, &token, union_id.as_str().unwrap()).1["result"]["userid"],
        odd
    );
}

#[test]
fn configured_users_keep_their_union_id() {
    let h = start(Config {
        users: vec![("boss".into(), "PUoiinWIpa2yH2ymhiiGiP6g".into())],
        ..Config::default()
    });
    let token = h.token();
    assert_eq!(
        union_id_of(&h, &token, "boss").1["result"]["unionid"],
        "PUoiinWIpa2yH2ymhiiGiP6g"
    );
    assert_eq!(
        userid_of(&h, &token, "PUoiinWIpa2yH2ymhiiGiP6g").1["result"]["userid"],
        "boss"
    );
    // The derived id is not boss's, but others still exist.
    assert_errcode(&userid_of(&h, &token, "union-boss"), 60121, "");
    assert_eq!(
        union_id_of(&h, &token, "clerk").1["result"]["unionid"],
        "union-clerk"
    );
}

#[test]
fn strict_users_are_the_only_ones() {
    let h = start(Config {
        users: vec![("boss".into(), "U-BOSS".into())],
        strict_users: true,
        ..Config::default()
    });
    let token = h.token();
    assert_eq!(
        union_id_of(&h, &token, "boss").1["result"]["unionid"],
        "U-BOSS"
    );
    assert_errcode(&union_id_of(&h, &token, "clerk"), 60121, "找不到该用户");
    assert_errcode(&userid_of(&h, &token, "union-clerk"), 60121, "找不到该用户");
    assert_eq!(
        userid_of(&h, &token, "U-BOSS").1["result"]["userid"],
        "boss"
    );
}

#[test]
fn identity_calls_are_oapi_calls() {
    let h = start_default();
    let token = h.token();
    // The token goes in the query string; the v1.0 header does not count.
    assert_errcode(
        &h.post(USER_GET, &json!({"userid": "u"})),
        41001,
        "access_token",
    );
    let answer = read(
        h.http
            .post(h.url(USER_GET))
            .header(TOKEN_HEADER, &token)
            .body(json!({"userid": "u"}).to_string())
            .send()
            .unwrap(),
    );
    assert_errcode(&answer, 41001, "access_token");
    assert_errcode(
        &h.call("nope", GET_BY_UNIONID, &json!({"unionid": "union-u"})),
        40014,
        "",
    );
    for (path, field) in [(USER_GET, "userid"), (GET_BY_UNIONID, "unionid")] {
        assert_errcode(&h.call(&token, path, &json!({})), 40035, field);
        assert_errcode(&h.call(&token, path, &json!({field: 5})), 40035, field);
        assert_errcode(&h.call_bytes(&token, path, "not json"), 40035, "JSON");
        assert_eq!(h.get(path).0, 405);
    }
    h.control.expire_tokens();
    assert_errcode(&union_id_of(&h, &token, "u"), 42001, "expired");
    // Faults apply to them like to any oapi path.
    let token = h.token();
    h.control.faults([Fault::errcode(USER_GET, -1)]);
    assert_errcode(&union_id_of(&h, &token, "u"), -1, "系统繁忙");
    assert_eq!(union_id_of(&h, &token, "u").1["errcode"], 0);
    assert_eq!(h.control.count(USER_GET), 9);
}

#[test]
fn the_qps_limit_applies_to_identity_calls() {
    let h = start(Config {
        qps_limit: Some(2),
        ..Config::default()
    });
    let token = h.token();
    let codes: Vec<_> = (0..8)
        .map(|_| union_id_of(&h, &token, "u").1["errcode"].clone())
        .collect();
    assert!(codes.contains(&json!(90018)), "{codes:?}");
    assert!(codes.contains(&json!(0)), "{codes:?}");
}
