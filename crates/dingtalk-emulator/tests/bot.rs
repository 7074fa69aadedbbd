//! Users talking to the app's robot (`POST /_emulator/bot/say`): the bot message over Stream
//! mode in DingTalk's field names, and its session webhook, whose answers reach the inbox
//! until it expires.

mod common;

use std::time::Duration;

use common::ws::Conn;
use common::{start, Harness};
use dingtalk_emulator::{Config, StreamConfig};
use serde_json::{json, Value};

const BOT: &str = "/v1.0/im/bot/messages/get";

fn gateway(session_webhook_ttl: Duration) -> Harness {
    start(Config {
        stream: StreamConfig {
            ping_interval: Duration::from_secs(3600),
            session_webhook_ttl,
            ..StreamConfig::default()
        },
        ..Config::default()
    })
}

fn bot_connection(h: &Harness) -> Conn {
    let conn = Conn::demo(h, json!([{"type": "CALLBACK", "topic": BOT}]));
    let deadline = std::time::Instant::now() + common::ws::PATIENCE;
    while h.control.stream_log(0.0)["open"] != 1 {
        assert!(std::time::Instant::now() < deadline, "no connection");
        std::thread::sleep(Duration::from_millis(10));
    }
    conn
}

/// The data of a CALLBACK frame.
fn data(frame: &Value) -> Value {
    assert_eq!(frame["type"], "CALLBACK", "{frame}");
    assert_eq!(frame["headers"]["topic"], BOT);
    serde_json::from_str(frame["data"].as_str().unwrap()).unwrap()
}

/// POSTs `body` to a session webhook; its answer.
fn reply(h: &Harness, url: &str, body: &Value) -> Value {
    let answer = h.http.post(url).json(body).send().unwrap();
    assert_eq!(answer.status(), 200);
    answer.json().unwrap()
}

#[test]
fn a_1_1_message_and_its_answer_through_the_session_webhook() {
    let h = gateway(Duration::from_secs(5400));
    let mut conn = bot_connection(&h);
    let said = h
        .control
        .bot_say("ann", "hello robot", &json!({"nick": "Ann"}));
    let frame = conn.next();
    let message = data(&frame);
    assert_eq!(message["msgId"], said["msgId"]);
    assert_eq!(message["conversationId"], said["conversationId"]);
    assert_eq!(message["conversationType"], "1");
    assert_eq!(message["senderStaffId"], "ann");
    assert_eq!(message["senderNick"], "Ann");
    assert_eq!(message["robotCode"], "demo_app_key");
    assert_eq!(message["text"], json!({"content": "hello robot"}));
    assert_eq!(message["msgtype"], "text");
    assert_eq!(message["isInAtList"], false);
    assert!(message["senderId"]
        .as_str()
        .unwrap()
        .starts_with("$:LWCP_v1:$"));
    assert!(message["chatbotUserId"]
        .as_str()
        .unwrap()
        .starts_with("$:LWCP_v1:$"));
    let created = message["createAt"].as_u64().unwrap();
    assert_eq!(
        message["sessionWebhookExpiredTime"].as_u64().unwrap(),
        created + 5_400_000
    );
    assert_eq!(message["sessionWebhook"], said["sessionWebhook"]);
    conn.answer(&frame, &json!({"response": null}));

    let url = message["sessionWebhook"].as_str().unwrap();
    assert!(
        url.starts_with(&format!(
            "{}/robot/sendBySession?session=",
            h.emulator.base_url()
        )),
        "{url}"
    );
    let answer = reply(
        &h,
        url,
        &json!({"msgtype": "text", "text": {"content": "hi Ann"}}),
    );
    assert_eq!(answer, json!({"errcode": 0, "errmsg": "ok"}));
    let inbox = h.control.messages_where(&[("user", "ann")]);
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0]["channel"], "session_webhook");
    assert_eq!(
        inbox[0]["message"],
        json!({"msgtype": "text", "text": {"content": "hi Ann"}})
    );

    // The same user again: the same conversation, a new message and session.
    let again = h.control.bot_say("ann", "more", &json!({}));
    assert_eq!(again["conversationId"], said["conversationId"]);
    assert_ne!(again["msgId"], said["msgId"]);
    assert_ne!(again["sessionWebhook"], said["sessionWebhook"]);
    let log = h.control.stream_log(0.0);
    assert_eq!(log["callbacks"][0]["status"], "acknowledged", "{log}");
    assert_eq!(log["callbacks"][0]["id"], said["id"]);
}

#[test]
fn a_group_message_mentions_the_robot_and_answers_reach_the_group() {
    let h = gateway(Duration::from_secs(5400));
    let mut conn = bot_connection(&h);
    let group = h.control.create_conversation("ops", &["ann", "bob"]);
    let said = h.control.bot_say(
        "ann",
        "status?",
        &json!({"conversation": group, "at": ["bob"]}),
    );
    let message = data(&conn.next());
    assert_eq!(message["conversationType"], "2");
    assert_eq!(message["conversationId"], group);
    assert_eq!(message["conversationTitle"], "ops");
    assert_eq!(message["text"]["content"], " status?");
    assert_eq!(message["isInAtList"], true);
    let at_users = message["atUsers"].as_array().unwrap();
    assert_eq!(at_users[0]["dingtalkId"], message["chatbotUserId"]);
    assert_eq!(at_users[1]["staffId"], "bob");

    let url = said["sessionWebhook"].as_str().unwrap();
    let answer = reply(
        &h,
        url,
        &json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "all good"},
                                        "at": {"atUserIds": ["ann"]}}),
    );
    assert_eq!(answer["errcode"], 0);
    let inbox = h.control.messages_where(&[("conversation", &group)]);
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0]["channel"], "session_webhook");
    assert_eq!(inbox[0]["user"], Value::Null);
    assert_eq!(inbox[0]["message"]["markdown"]["text"], "all good");
    assert_eq!(inbox[0]["at"]["atUserIds"], json!(["ann"]));
}

#[test]
fn an_expired_or_unknown_session_takes_nothing() {
    let h = gateway(Duration::from_nanos(1));
    let said = h.control.bot_say("ann", "hi", &json!({}));
    let url = said["sessionWebhook"].as_str().unwrap();
    let text = json!({"msgtype": "text", "text": {"content": "too late"}});
    assert_eq!(reply(&h, url, &text)["errcode"], 300_001);
    let unknown = format!("{}/robot/sendBySession?session=nope", h.emulator.base_url());
    assert_eq!(reply(&h, &unknown, &text)["errcode"], 300_001);
    let h = gateway(Duration::from_secs(60));
    let said = h.control.bot_say("ann", "hi", &json!({}));
    let url = said["sessionWebhook"].as_str().unwrap();
    assert_eq!(
        reply(&h, url, &json!({"msgtype": "voice"}))["errcode"],
        400_105
    );
    assert_eq!(
        reply(&h, url, &json!({"msgtype": "text"}))["errcode"],
        40035
    );
    assert!(h
        .control
        .messages_where(&[("channel", "session_webhook")])
        .is_empty());
}

#[test]
fn a_bot_message_goes_only_to_a_connection_subscribed_to_bot_messages() {
    let h = gateway(Duration::from_secs(60));
    let _events = Conn::demo(&h, json!([{"type": "EVENT", "topic": "*"}]));
    let said = h.control.bot_say("ann", "anyone?", &json!({}));
    let log = h.control.stream_log(0.0);
    assert_eq!(log["callbacks"][0]["id"], said["id"]);
    assert_eq!(log["callbacks"][0]["deliveries"], json!([]));
    let mut bot = Conn::demo(&h, json!([{"type": "CALLBACK", "topic": BOT}]));
    assert_eq!(data(&bot.next())["msgId"], said["msgId"]);
}

#[test]
fn bot_say_refuses_mistakes() {
    let h = gateway(Duration::from_secs(60));
    let group = h.control.create_conversation("ops", &["ann"]);
    for body in [
        json!({"text": "no user"}),
        json!({"user": "ann"}),
        json!({"user": "ann", "text": "x", "conversation": "cid-unknown"}),
        json!({"user": "bob", "text": "x", "conversation": group}),
        json!({"user": "ann", "text": "x", "at": ["bob"]}),
        json!({"user": "ann", "text": "x", "app": "nobody"}),
        json!({"user": "ann", "text": "x", "typo": 1}),
    ] {
        let (status, answer) = h.post("/_emulator/bot/say", &body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["error"].is_string());
    }
}
