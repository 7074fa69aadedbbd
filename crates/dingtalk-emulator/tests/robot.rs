//! The app robot (v1.0) over real HTTP: 1:1 and group sends, recalls, read status, and what the
//! inbox shows of them.

mod common;

use std::time::Duration;

use common::{assert_v1_error, start, start_default, Harness};
use dingtalk_emulator::testing::Fault;
use dingtalk_emulator::{Config, DEMO_APP_KEY};
use reqwest::Method;
use serde_json::{json, Value};

const BATCH_SEND: &str = "/v1.0/robot/oToMessages/batchSend";
const GROUP_SEND: &str = "/v1.0/robot/groupMessages/send";
const BATCH_RECALL: &str = "/v1.0/robot/otoMessages/batchRecall";
const GROUP_RECALL: &str = "/v1.0/robot/groupMessages/recall";
const READ_STATUS: &str = "/v1.0/robot/oToMessages/readStatus";

fn sample_text(content: &str) -> Value {
    json!({"msgKey": "sampleText", "msgParam": json!({"content": content}).to_string()})
}

fn with(mut body: Value, extra: Value) -> Value {
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

fn post(h: &Harness, token: &str, path: &str, body: &Value) -> (u16, Value) {
    h.v1(Method::POST, Some(token), path, Some(body))
}

fn read_status(h: &Harness, token: &str, key: &str) -> (u16, Value) {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("robotCode", DEMO_APP_KEY)
        .append_pair("processQueryKey", key)
        .finish();
    h.v1(
        Method::GET,
        Some(token),
        &format!("{READ_STATUS}?{query}"),
        None,
    )
}

#[test]
fn a_one_to_one_send_reaches_each_user() {
    let h = start(Config {
        users: vec![
            ("ann".into(), "U-ANN".into()),
            ("bob".into(), "U-BOB".into()),
            ("cat".into(), "U-CAT".into()),
        ],
        strict_users: true,
        ..Config::default()
    });
    let token = h.token();
    h.control.flow_control(&["cat"]);
    let body = with(
        sample_text("your report is approved"),
        json!({"robotCode": DEMO_APP_KEY, "userIds": ["ann", "ghost", "bob", "cat", "ann"]}),
    );
    let (status, answer) = post(&h, &token, BATCH_SEND, &body);
    assert_eq!(status, 200, "{answer}");
    let key = answer["processQueryKey"]
        .as_str()
        .expect("processQueryKey")
        .to_owned();
    assert_eq!(answer["invalidStaffIdList"], json!(["ghost"]));
    assert_eq!(answer["flowControlledStaffIdList"], json!(["cat"]));
    assert!(answer["requestId"].is_string());
    let inbox = h.control.messages_where(&[("channel", "robot")]);
    assert_eq!(
        inbox
            .iter()
            .map(|m| m["user"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["ann", "bob"]
    );
    assert!(inbox.iter().all(|m| m["message"]
        == json!({"msgtype": "text", "text": {"content": "your report is approved"}})
        && m["process_query_key"] == key.as_str()));

    let (status, read) = read_status(&h, &token, &key);
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["sendStatus"], "SUCCESS");
    let statuses = |read: &Value| {
        read["messageReadInfoList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|info| {
                (
                    info["userId"].as_str().unwrap().to_owned(),
                    info["readStatus"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        statuses(&read),
        [
            ("ann".into(), "UNREAD".into()),
            ("bob".into(), "UNREAD".into())
        ]
    );
    h.control.mark_read(&[inbox[0]["id"].as_u64().unwrap()]);
    let (_, read) = read_status(&h, &token, &key);
    assert_eq!(statuses(&read)[0], ("ann".into(), "READ".into()));
    assert!(
        read["messageReadInfoList"][0]["readTimestamp"]
            .as_u64()
            .unwrap()
            > 1_600_000_000_000
    );

    let (status, recalled) = post(
        &h,
        &token,
        BATCH_RECALL,
        &json!({"robotCode": DEMO_APP_KEY, "processQueryKeys": [key, "nope"]}),
    );
    assert_eq!(status, 200, "{recalled}");
    assert_eq!(recalled["successResult"], json!([key]));
    assert!(recalled["failedResult"]["nope"].is_string());
    assert!(h.control.messages().iter().all(|m| m["recalled"] == true));
    assert_eq!(read_status(&h, &token, &key).1["sendStatus"], "RECALLED");
}

#[test]
fn a_group_send_reaches_the_group() {
    let h = start_default();
    let token = h.token();
    let group = h.control.create_conversation("ops", &["ann", "bob"]);
    assert!(group.starts_with("cid"));
    let card = json!({"msgKey": "sampleActionCard", "msgParam": json!({"title": "Deploy", "text": "## v2",
        "singleTitle": "Open", "singleURL": "https://example.com/d"}).to_string()});
    let body = with(
        card,
        json!({"robotCode": DEMO_APP_KEY, "openConversationId": group}),
    );
    let (status, answer) = post(&h, &token, GROUP_SEND, &body);
    assert_eq!(status, 200, "{answer}");
    let key = answer["processQueryKey"].as_str().unwrap().to_owned();
    let inbox = h.control.messages_where(&[("conversation", &group)]);
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        inbox[0]["message"],
        json!({"msgtype": "action_card", "action_card": {"title": "Deploy",
        "markdown": "## v2", "single_title": "Open", "single_url": "https://example.com/d"}})
    );
    assert!(inbox[0]["user"].is_null());

    let other = h.control.create_conversation("other", &[]);
    let recall = |cid: &str| {
        post(
            &h,
            &token,
            GROUP_RECALL,
            &json!({"robotCode": DEMO_APP_KEY, "openConversationId": cid, "processQueryKeys": [key]}),
        )
    };
    assert_eq!(
        recall(&other).1["successResult"],
        json!([]),
        "not sent to that group"
    );
    assert_eq!(recall(&group).1["successResult"], json!([key]));
    assert_eq!(h.control.messages()[0]["recalled"], true);
    assert_v1_error(
        &read_status(&h, &token, &key),
        400,
        "invalid.processQueryKey",
        "processQueryKey",
    );
    assert_eq!(
        h.control.call("GET", "/_emulator/conversations", None).1["conversations"][0]["members"],
        json!(["ann", "bob"])
    );
}

#[test]
fn refusals_carry_dingtalks_codes() {
    let h = start(Config {
        apps: vec![
            (DEMO_APP_KEY.into(), "demo_app_secret".into()),
            ("other_app".into(), "s".into()),
        ],
        ..Config::default()
    });
    let token = h.token();
    let base = with(
        sample_text("x"),
        json!({"robotCode": DEMO_APP_KEY, "userIds": ["ann"]}),
    );
    let send = |body: Value| post(&h, &token, BATCH_SEND, &body);
    assert_v1_error(
        &h.v1(Method::POST, None, BATCH_SEND, Some(&base)),
        400,
        "AuthenticationFailed.MissingParameter",
        "",
    );
    assert_v1_error(
        &send(with(base.clone(), json!({"robotCode": null}))),
        400,
        "MissingrobotCode",
        "robotCode",
    );
    assert_v1_error(
        &send(with(base.clone(), json!({"robotCode": "other_app"}))),
        400,
        "invalidParameter.robotCode.auth",
        "robotCode",
    );
    assert_v1_error(
        &send(with(base.clone(), json!({"robotCode": "dingnobody"}))),
        400,
        "invalidParameter.robotCode.notExsit",
        "",
    );
    assert_v1_error(
        &send(with(base.clone(), json!({"userIds": []}))),
        400,
        "invalidParameter.userIds.empty",
        "",
    );
    let many: Vec<String> = (0..21).map(|n| format!("u{n}")).collect();
    assert_v1_error(
        &send(with(base.clone(), json!({"userIds": many}))),
        400,
        "invalidParameter.userIds.overMax",
        "20",
    );
    assert_v1_error(
        &send(with(base.clone(), json!({"msgKey": "sampleSms"}))),
        400,
        "invalidParameter.msgKey.invalid",
        "sampleSms",
    );
    assert_v1_error(
        &send(with(base.clone(), json!({"msgParam": {"content": "x"}}))),
        400,
        "invalidParameter.msgParam.invalid",
        "JSON",
    );
    assert_v1_error(
        &send(with(base.clone(), json!({"msgParam": "{\"text\": 1}"}))),
        400,
        "invalidParameter.msgParam.invalid",
        "msgParam.content",
    );
    assert_v1_error(
        &send(with(base.clone(), json!({"msgKey": null}))),
        400,
        "MissingmsgKey",
        "",
    );
    let group = with(
        sample_text("x"),
        json!({"robotCode": DEMO_APP_KEY, "openConversationId": "cidnope=="}),
    );
    assert_v1_error(
        &post(&h, &token, GROUP_SEND, &group),
        400,
        "invalid.openConversationId",
        "",
    );
    assert_v1_error(
        &post(
            &h,
            &token,
            BATCH_RECALL,
            &json!({"robotCode": DEMO_APP_KEY}),
        ),
        400,
        "MissingprocessQueryKeys",
        "",
    );
    assert_v1_error(
        &h.v1(
            Method::GET,
            Some(&token),
            &format!("{READ_STATUS}?robotCode={DEMO_APP_KEY}"),
            None,
        ),
        400,
        "MissingprocessQueryKey",
        "",
    );
    assert!(h.control.messages().is_empty());
}

#[test]
fn faults_apply_to_the_robot_paths() {
    let h = start_default();
    let token = h.token();
    h.control.faults([
        Fault::v1(
            "/v1.0/robot/",
            403,
            "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        ),
        Fault::status(BATCH_SEND, 502).processed(),
        Fault::delay(BATCH_SEND, Duration::from_millis(50)),
    ]);
    let body = with(
        sample_text("x"),
        json!({"robotCode": DEMO_APP_KEY, "userIds": ["ann"]}),
    );
    assert_v1_error(
        &post(&h, &token, BATCH_SEND, &body),
        403,
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        "",
    );
    let lost = h
        .http
        .post(h.url(BATCH_SEND))
        .header("x-acs-dingtalk-access-token", &token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .unwrap();
    assert_eq!(lost.status().as_u16(), 502);
    assert_eq!(h.control.messages().len(), 1, "sent, its answer lost");
    assert_eq!(post(&h, &token, BATCH_SEND, &body).0, 200);
    assert_eq!(h.control.count(BATCH_SEND), 3);
}
