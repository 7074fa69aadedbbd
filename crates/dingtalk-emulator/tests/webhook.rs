//! Group webhook robots over real HTTP: `/robot/send`, its signature, keywords and flow
//! control, and what the inbox shows of them.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use common::{read, start, start_default, Harness};
use dingtalk_emulator::testing::{Fault, WebhookRobot};
use dingtalk_emulator::{Config, WebhookConfig};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const SEND: &str = "/robot/send";

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// DingTalk's recipe: base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), percent-encoded.
fn signed_query(secret: &str, timestamp: u128) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let sign: String = form_urlencoded::byte_serialize(sign.as_bytes()).collect();
    format!("&timestamp={timestamp}&sign={sign}")
}

fn post(h: &Harness, url: &str, body: &Value) -> (u16, Value) {
    read(
        h.http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap(),
    )
}

fn text(content: &str) -> Value {
    json!({"msgtype": "text", "text": {"content": content}})
}

#[track_caller]
fn assert_answer(answer: (u16, Value), errcode: i64, errmsg: &str) {
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["errcode"], errcode, "{}", answer.1);
    let got = answer.1["errmsg"].as_str().unwrap_or_default();
    assert!(
        got.contains(errmsg),
        "errmsg {got:?} should contain {errmsg:?}"
    );
}

#[test]
fn a_message_reaches_the_group_with_its_mentions() {
    let h = start_default();
    let robot = h.control.create_webhook(&json!({"name": "ops"}));
    assert_eq!(robot.name, "ops");
    assert_eq!(robot.access_token.len(), 64);
    assert_eq!(robot.secret, None);
    assert_eq!(
        robot.url,
        h.url(&format!("{SEND}?access_token={}", robot.access_token))
    );
    let body = json!({"msgtype": "text", "text": {"content": "@u1 disk full"},
                      "at": {"atUserIds": ["u1"], "atMobiles": ["13800000000"], "isAtAll": false}});
    let (status, answer) = post(&h, &robot.url, &body);
    assert_eq!(
        (status, answer),
        (200, json!({"errcode": 0, "errmsg": "ok"}))
    );
    let inbox = h.control.messages_where(&[("webhook", "ops")]);
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["channel"], "webhook");
    assert_eq!(inbox[0]["message"], text("@u1 disk full"));
    assert_eq!(
        inbox[0]["at"],
        json!({"atUserIds": ["u1"], "atMobiles": ["13800000000"], "isAtAll": false})
    );
    assert_eq!(
        (inbox[0]["user"].clone(), inbox[0]["conversation"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(
        h.control.count(SEND),
        1,
        "counted by path: the token is not part of it"
    );
}

#[test]
fn every_webhook_type_becomes_the_one_shape() {
    let h = start_default();
    let robot = h.control.create_webhook(&json!({}));
    let sends = [
        json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "## x"}}),
        json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "https://m", "picUrl": ""}}),
        json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "m", "singleTitle": "Open", "singleURL": "https://o"}}),
        json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "m", "btnOrientation": "0",
               "btns": [{"title": "Yes", "actionURL": "https://y"}, {"title": "No", "actionURL": "https://n"}]}}),
        json!({"msgtype": "feedCard", "feedCard": {"links": [{"title": "a", "messageURL": "https://a", "picURL": "https://p"}]}}),
    ];
    for body in &sends {
        assert_answer(post(&h, &robot.url, body), 0, "ok");
    }
    let shapes: Vec<Value> = h
        .control
        .messages()
        .into_iter()
        .map(|m| m["message"].clone())
        .collect();
    assert_eq!(shapes[0], sends[0]);
    assert_eq!(shapes[1], sends[1]);
    assert_eq!(
        shapes[2],
        json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
        "single_title": "Open", "single_url": "https://o"}})
    );
    assert_eq!(
        shapes[3],
        json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
        "btn_orientation": "0", "btn_json_list": [{"title": "Yes", "action_url": "https://y"}, {"title": "No", "action_url": "https://n"}]}})
    );
    assert_eq!(shapes[4]["msgtype"], "feed_card");
    assert!(
        h.control.messages()[0]["at"].is_null(),
        "no at, no mentions"
    );
}

#[test]
fn a_robot_with_a_secret_checks_the_signature() {
    let h = start_default();
    let robot: WebhookRobot = h.control.create_webhook(&json!({"secret": true}));
    let secret = robot.secret.clone().expect("a secret");
    assert!(secret.starts_with("SEC") && secret.len() == 67, "{secret}");
    let now = now_ms();
    assert_answer(
        post(
            &h,
            &format!("{}{}", robot.url, signed_query(&secret, now)),
            &text("a"),
        ),
        0,
        "ok",
    );
    let hour = 3_600_000;
    assert_answer(
        post(
            &h,
            &format!(
                "{}{}",
                robot.url,
                signed_query(&secret, now - hour + 60_000)
            ),
            &text("b"),
        ),
        0,
        "ok",
    );
    assert_answer(
        post(
            &h,
            &format!(
                "{}{}",
                robot.url,
                signed_query(&secret, now - hour - 60_000)
            ),
            &text("c"),
        ),
        310000,
        "invalid timestamp",
    );
    assert_answer(
        post(
            &h,
            &format!("{}{}", robot.url, signed_query("SECother", now)),
            &text("d"),
        ),
        310000,
        "sign not match",
    );
    assert_answer(
        post(&h, &robot.url, &text("e")),
        310000,
        "invalid timestamp",
    );
    assert_answer(
        post(&h, &format!("{}&timestamp={now}", robot.url), &text("f")),
        310000,
        "sign not match",
    );
    assert_eq!(
        h.control.messages().len(),
        2,
        "refused messages never arrive"
    );

    let chosen = h.control.create_webhook(&json!({"secret": "SECmine"}));
    assert_eq!(chosen.secret.as_deref(), Some("SECmine"));
    assert_answer(
        post(
            &h,
            &format!("{}{}", chosen.url, signed_query("SECmine", now)),
            &text("g"),
        ),
        0,
        "ok",
    );
}

#[test]
fn keywords_tokens_and_types_are_checked() {
    let h = start_default();
    let robot = h
        .control
        .create_webhook(&json!({"keywords": ["alarm", "告警"]}));
    assert_answer(
        post(&h, &robot.url, &text("all is well")),
        310000,
        "keywords not in content",
    );
    assert_answer(post(&h, &robot.url, &text("磁盘告警")), 0, "ok");
    let markdown = json!({"msgtype": "markdown", "markdown": {"title": "alarm", "text": "disk"}});
    assert_answer(post(&h, &robot.url, &markdown), 0, "ok");

    assert_answer(
        post(
            &h,
            &h.url(&format!("{SEND}?access_token={}", "0".repeat(64))),
            &text("alarm"),
        ),
        300001,
        "token is not exist",
    );
    assert_answer(
        post(&h, &h.url(SEND), &text("alarm")),
        40035,
        "access_token",
    );
    assert_answer(
        post(
            &h,
            &robot.url,
            &json!({"msgtype": "image", "image": {"media_id": "m"}}),
        ),
        400105,
        "image",
    );
    assert_answer(
        post(&h, &robot.url, &json!({"msgtype": "text", "text": {}})),
        40035,
        "text.content",
    );
    let raw = h.http.post(&robot.url).body("not json").send().unwrap();
    assert_answer(read(raw), 40035, "JSON");
    assert_eq!(h.control.messages().len(), 2);
}

#[test]
fn past_the_limit_a_robot_answers_130101_and_is_muted() {
    let h = start(Config {
        webhook: WebhookConfig {
            limit: 3,
            mute: Duration::from_secs(600),
        },
        ..Config::default()
    });
    let busy = h.control.create_webhook(&json!({"name": "busy"}));
    let calm = h.control.create_webhook(&json!({"name": "calm"}));
    for n in 0..3 {
        assert_answer(post(&h, &busy.url, &text(&format!("alert {n}"))), 0, "ok");
    }
    assert_answer(
        post(&h, &busy.url, &text("alert 3")),
        130101,
        "send too fast, exceed 3 times per minute",
    );
    assert_answer(
        post(&h, &busy.url, &text("alert 4")),
        130101,
        "send too fast",
    );
    assert_answer(post(&h, &calm.url, &text("other robot")), 0, "ok");
    assert_eq!(h.control.stats().webhook_throttled, 2);
    let robots = h.control.webhooks();
    assert_eq!(
        (
            robots[0]["delivered"].as_u64(),
            robots[0]["throttled"].as_u64()
        ),
        (Some(3), Some(2))
    );
    assert_eq!(
        (robots[0]["muted"].clone(), robots[1]["muted"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(h.control.messages_where(&[("webhook", "busy")]).len(), 3);
    h.control.reset();
    assert!(h.control.webhooks().is_empty() && h.control.messages().is_empty());
    assert_eq!(h.control.stats().webhook_throttled, 0);
    assert_answer(
        post(&h, &busy.url, &text("gone")),
        300001,
        "token is not exist",
    );
}

#[test]
fn faults_apply_to_the_webhook_path() {
    let h = start_default();
    let robot = h.control.create_webhook(&json!({}));
    h.control.faults([
        Fault::status(SEND, 502).body("<html>Bad Gateway</html>"),
        Fault::errcode(SEND, 130101).errmsg("send too fast"),
        Fault::delay(SEND, Duration::from_millis(50)),
    ]);
    let response = h
        .http
        .post(&robot.url)
        .body(text("a").to_string())
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 502);
    assert_answer(post(&h, &robot.url, &text("b")), 130101, "send too fast");
    assert_answer(post(&h, &robot.url, &text("c")), 0, "ok");
    assert_eq!(h.control.messages().len(), 1);
    assert_eq!(
        h.control.stats().webhook_throttled,
        0,
        "a scripted 130101 is not the robot's"
    );
}

#[test]
fn control_calls_refuse_mistakes() {
    let h = start_default();
    let refused = |body: &str| {
        h.control
            .call("POST", "/_emulator/webhooks", Some(body.as_bytes()))
            .0
    };
    assert_eq!(refused(r#"{"secret": 5}"#), 400);
    assert_eq!(refused(r#"{"keywords": "alarm"}"#), 400);
    assert_eq!(
        refused(
            &json!({"keywords": (0..11).map(|i| format!("k{i}")).collect::<Vec<_>>()}).to_string()
        ),
        400
    );
    assert_eq!(refused(r#"{"token": "x"}"#), 400, "unknown key");
    h.control.create_webhook(&json!({"name": "ops"}));
    assert_eq!(refused(r#"{"name": "ops"}"#), 400, "a name is unique");
    let (status, _) = h.control.call("GET", "/_emulator/messages?who=ann", None);
    assert_eq!(status, 400);
    let (status, _) = h
        .control
        .call("GET", "/_emulator/messages?channel=sms", None);
    assert_eq!(status, 400);
}
