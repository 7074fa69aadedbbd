//! Interactive cards: created and delivered, streamed into key by key (each guid once), read
//! back by a test, and acted on by users, whose callbacks reach Stream mode only for cards
//! created with `callbackType` `STREAM` — and whose answers update the card.

mod common;

use std::time::{Duration, Instant};

use common::ws::{Conn, PATIENCE};
use common::{start, Harness};
use dingtalk_emulator::{Config, StreamConfig};
use reqwest::Method;
use serde_json::{json, Value};

const CREATE: &str = "/v1.0/card/instances/createAndDeliver";
const STREAMING: &str = "/v1.0/card/streaming";
const CARD_CALLBACKS: &str = "/v1.0/card/instances/callback";

fn emulator() -> Harness {
    start(Config {
        stream: StreamConfig {
            ping_interval: Duration::from_secs(3600),
            ..StreamConfig::default()
        },
        ..Config::default()
    })
}

/// A createAndDeliver body for user `ann`'s chat with the robot.
fn card(out_track_id: &str, callback_type: &str) -> Value {
    json!({
        "cardTemplateId": "382e4302-551d-4880-bf29-a30acfab2e71.schema",
        "outTrackId": out_track_id,
        "openSpaceId": "dtv1.card//IM_ROBOT.ann",
        "imRobotOpenDeliverModel": {"spaceType": "IM_ROBOT"},
        "cardData": {"cardParamMap": {"title": "Answer", "content": ""}},
        "callbackType": callback_type,
    })
}

fn put(h: &Harness, token: &str, path: &str, body: &Value) -> (u16, Value) {
    h.v1(Method::PUT, Some(token), path, Some(body))
}

fn chunk(out_track_id: &str, guid: &str, content: &str, full: bool, last: bool) -> Value {
    json!({"outTrackId": out_track_id, "guid": guid, "key": "content", "content": content,
           "isFull": full, "isFinalize": last, "isError": false})
}

#[test]
fn a_card_is_delivered_streamed_into_and_read_back() {
    let h = emulator();
    let token = h.token();
    let (status, answer) = h.v1(
        Method::POST,
        Some(&token),
        CREATE,
        Some(&card("c1", "STREAM")),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["success"], true);
    assert_eq!(answer["result"]["outTrackId"], "c1");
    let delivered = &answer["result"]["deliverResults"][0];
    assert_eq!(
        (&delivered["spaceType"], &delivered["spaceId"]),
        (&json!("IM_ROBOT"), &json!("ann"))
    );
    assert_eq!(delivered["success"], true);
    assert!(answer["requestId"].is_string());

    for (guid, text) in [("g1", "Hel"), ("g2", "lo, "), ("g3", "world")] {
        let (status, answer) = put(
            &h,
            &token,
            STREAMING,
            &chunk("c1", guid, text, false, false),
        );
        assert_eq!(
            (status, &answer["success"], &answer["result"]),
            (200, &json!(true), &json!(true))
        );
    }
    // A retried chunk (same guid) is applied once.
    put(
        &h,
        &token,
        STREAMING,
        &chunk("c1", "g2", "lo, ", false, false),
    );
    let shown = h.control.card("c1").unwrap();
    assert_eq!(shown["cardParamMap"]["content"], "Hello, world");
    assert_eq!(shown["cardParamMap"]["title"], "Answer");
    assert_eq!(shown["updates"], 3);
    // The final chunk in full.
    put(
        &h,
        &token,
        STREAMING,
        &chunk("c1", "g4", "Hello, world!", true, true),
    );
    let shown = h.control.card("c1").unwrap();
    assert_eq!(shown["cardParamMap"]["content"], "Hello, world!");
    assert_eq!(
        shown["streaming"]["content"],
        json!({"updates": 4, "finalized": true, "error": false})
    );
    assert_eq!(shown["callbackType"], "STREAM");
    assert_eq!(h.control.stats().count(STREAMING), 5);
    assert!(h.control.card("nope").is_none());
}

#[test]
fn a_button_press_of_a_stream_card_reaches_the_worker_and_its_answer_updates_the_card() {
    let h = emulator();
    let token = h.token();
    h.v1(
        Method::POST,
        Some(&token),
        CREATE,
        Some(&card("c2", "STREAM")),
    );
    let mut conn = Conn::demo(&h, json!([{"type": "CALLBACK", "topic": CARD_CALLBACKS}]));
    let pressed = h
        .control
        .card_callback("c2", "ann", "approve", &json!({"comment": "ok"}));
    assert_eq!(pressed["delivered"], true);
    let frame = conn.next();
    assert_eq!(
        (&frame["type"], &frame["headers"]["topic"]),
        (&json!("CALLBACK"), &json!(CARD_CALLBACKS))
    );
    let data: Value = serde_json::from_str(frame["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["outTrackId"], "c2");
    assert_eq!(data["userId"], "ann");
    assert_eq!(data["type"], "actionCallback");
    let content: Value = serde_json::from_str(data["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"cardPrivateData": {"actionIds": ["approve"], "params": {"comment": "ok"}}})
    );
    // The worker answers with new card data, as DingTalk's official Python SDK example does.
    conn.answer(
        &frame,
        &json!({"response": {"cardData": {"cardParamMap": {"status": "approved"}},
                                             "cardUpdateOptions": {"updateCardDataByKey": true}}}),
    );
    let deadline = Instant::now() + PATIENCE;
    let shown = loop {
        let shown = h.control.card("c2").unwrap();
        if shown["cardParamMap"]["status"] == "approved" {
            break shown;
        }
        assert!(
            Instant::now() < deadline,
            "the card was not updated: {shown}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(shown["cardParamMap"]["title"], "Answer");
    assert_eq!(
        shown["actions"][0],
        json!({"user": "ann", "action": "approve", "callback": pressed["id"]})
    );
    let log = h.control.stream_log(5.0);
    assert_eq!(log["callbacks"][0]["status"], "acknowledged");
}

#[test]
fn a_card_without_the_stream_callback_type_sends_no_callback_over_stream() {
    let h = emulator();
    let token = h.token();
    let mut http_card = card("c3", "HTTP");
    http_card["callbackRouteKey"] = json!("route-1");
    h.v1(Method::POST, Some(&token), CREATE, Some(&http_card));
    let mut no_type = card("c4", "");
    no_type.as_object_mut().unwrap().remove("callbackType");
    h.v1(Method::POST, Some(&token), CREATE, Some(&no_type));
    let _conn = Conn::demo(&h, json!([{"type": "CALLBACK", "topic": CARD_CALLBACKS}]));
    for id in ["c3", "c4"] {
        let pressed = h.control.card_callback(id, "ann", "approve", &json!({}));
        assert_eq!(
            (&pressed["delivered"], &pressed["id"]),
            (&json!(false), &Value::Null),
            "{id}"
        );
    }
    assert_eq!(h.control.stream_log(0.0)["callbacks"], json!([]));
    assert_eq!(h.control.card("c3").unwrap()["callbackRouteKey"], "route-1");
}

#[test]
fn a_group_card_reaches_only_a_group_the_robot_is_in() {
    let h = emulator();
    let token = h.token();
    let group = h.control.create_conversation("ops", &[]);
    let body = json!({
        "cardTemplateId": "t", "outTrackId": "g1", "cardData": {"cardParamMap": {}},
        "openSpaceId": format!("dtv1.card//im_group.{group};IM_GROUP.cid-elsewhere"),
        "imGroupOpenDeliverModel": {"robotCode": "demo_app_key"},
    });
    let (status, answer) = h.v1(Method::POST, Some(&token), CREATE, Some(&body));
    assert_eq!(status, 200, "{answer}");
    let results = answer["result"]["deliverResults"].as_array().unwrap();
    assert_eq!(
        (&results[0]["spaceId"], &results[0]["success"]),
        (&json!(group), &json!(true))
    );
    assert_eq!(
        (&results[1]["spaceId"], &results[1]["success"]),
        (&json!("cid-elsewhere"), &json!(false))
    );
    assert!(results[1]["errorMsg"].is_string());
}

#[test]
fn card_calls_refuse_what_dingtalk_refuses() {
    let h = emulator();
    let token = h.token();
    let mut no_id = card("x", "STREAM");
    no_id.as_object_mut().unwrap().remove("outTrackId");
    let (status, answer) = h.v1(Method::POST, Some(&token), CREATE, Some(&no_id));
    assert_eq!(
        (status, &answer["code"]),
        (400, &json!("MissingoutTrackId")),
        "{answer}"
    );
    let mut bad_space = card("x", "STREAM");
    bad_space["openSpaceId"] = json!("IM_ROBOT.ann");
    let (status, answer) = h.v1(Method::POST, Some(&token), CREATE, Some(&bad_space));
    assert_eq!(
        (status, &answer["code"]),
        (400, &json!("InvalidParameter")),
        "{answer}"
    );
    let (status, answer) = put(&h, &token, STREAMING, &chunk("nope", "g", "x", true, false));
    assert_eq!(
        (status, &answer["code"]),
        (400, &json!("InvalidParameter")),
        "{answer}"
    );
    let (status, answer) = h.v1(
        Method::PUT,
        None,
        STREAMING,
        Some(&chunk("nope", "g", "x", true, false)),
    );
    assert_eq!(
        (status, &answer["code"]),
        (400, &json!("AuthenticationFailed.MissingParameter")),
        "{answer}"
    );
    // The same create again (a retry) succeeds; another card with the id does not.
    h.v1(
        Method::POST,
        Some(&token),
        CREATE,
        Some(&card("c5", "STREAM")),
    );
    let (status, _) = h.v1(
        Method::POST,
        Some(&token),
        CREATE,
        Some(&card("c5", "STREAM")),
    );
    assert_eq!(status, 200);
    let mut other = card("c5", "STREAM");
    other["cardTemplateId"] = json!("another");
    let (status, answer) = h.v1(Method::POST, Some(&token), CREATE, Some(&other));
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = h.post(
        "/_emulator/cards/callback",
        &json!({"outTrackId": "nope", "user": "ann"}),
    );
    assert_eq!(status, 400, "{answer}");
}
