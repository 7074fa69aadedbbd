//! The Stream gateway as DingTalk's official SDKs and its protocol page expect it, driven by a
//! bare WebSocket client: which connection gets what (subscriptions, one connection per
//! delivery, apps), pongs, the closing handshakes, and the faults a test can script.

mod common;

use std::time::{Duration, Instant};

use common::ws::Conn;
use common::{start, Harness};
use dingtalk_emulator::{Config, StreamConfig};
use serde_json::{json, Value};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::Message;

const BOT: &str = "/v1.0/im/bot/messages/get";
use common::ws::PATIENCE;

fn gateway(stream: StreamConfig) -> Harness {
    start(Config {
        apps: vec![
            ("demo_app_key".to_owned(), "demo_app_secret".to_owned()),
            ("other_key".to_owned(), "other_secret".to_owned()),
        ],
        stream,
        ..Config::default()
    })
}

fn quick() -> StreamConfig {
    StreamConfig {
        ping_interval: Duration::from_secs(3600),
        redelivery_delay: Duration::from_secs(3600),
        ..StreamConfig::default()
    }
}

fn events() -> Value {
    json!([{"type": "EVENT", "topic": "*"}])
}

/// Polls the Stream log until `done` holds.
fn until(h: &Harness, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let log = h.control.stream_log(0.0);
        if done(&log) {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "{what} within {PATIENCE:?}: {log}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn open_count(h: &Harness, count: u64) {
    until(h, "the connections", |log| log["open"] == count);
}

fn push(h: &Harness, data: Value) -> String {
    let answer = h
        .control
        .push(&json!({"type": "todo_task_update", "data": data}));
    answer["eventId"].as_str().unwrap().to_owned()
}

#[test]
fn a_close_frame_is_answered_with_a_close_frame() {
    let h = gateway(quick());
    let mut conn = Conn::demo(&h, events());
    open_count(&h, 1);
    conn.socket
        .close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        }))
        .unwrap();
    // RFC 6455 §5.5.1: the gateway echoes the Close, and the handshake completes.
    let reply = loop {
        match conn.socket.read() {
            Ok(Message::Close(frame)) => break frame,
            Ok(_) => {}
            Err(e) => panic!("no Close frame in reply: {e}"),
        }
    };
    assert_eq!(reply.map(|f| f.code), Some(CloseCode::Normal));
    assert!(matches!(
        conn.socket.read(),
        Err(tungstenite::Error::ConnectionClosed)
    ));
    let log = until(&h, "the close", |log| {
        log["connections"][0]["open"] == false
    });
    assert_eq!(log["connections"][0]["close_reason"], "client closed");
}

#[test]
fn after_disconnect_the_gateway_closes_the_connection_and_pushes_nothing_over_it() {
    let h = gateway(StreamConfig {
        disconnect_grace: Duration::from_millis(300),
        ..quick()
    });
    let mut conn = Conn::demo(&h, events());
    open_count(&h, 1);
    assert_eq!(h.control.stream_disconnect(), 1);
    let disconnect = conn.next();
    assert_eq!(disconnect["type"], "SYSTEM");
    assert_eq!(disconnect["headers"]["topic"], "disconnect");
    // Answered as the official Python SDK does: not a stray frame.
    conn.answer(&disconnect, &json!({"reason": "x"}));
    let id = push(&h, json!({"n": 1}));
    // Nothing more over it, then the gateway's Close.
    match conn.socket.read().unwrap() {
        Message::Close(frame) => assert_eq!(frame.map(|f| f.code), Some(CloseCode::Normal)),
        other => panic!("expected the gateway's Close, got {other:?}"),
    }
    let log = until(&h, "the close", |log| {
        log["connections"][0]["open"] == false
    });
    let connection = &log["connections"][0];
    assert_eq!(
        connection["close_reason"],
        "closed by the gateway after disconnect"
    );
    assert_eq!(connection["stray_frames"], 0, "{connection}");
    // The event waits for the next connection.
    assert_eq!(log["events"][0]["deliveries"], json!([]));
    let mut next = Conn::demo(&h, events());
    let frame = next.next();
    assert_eq!(frame["headers"]["eventId"], id);
}

#[test]
fn a_pong_counts_by_its_opaque_however_the_data_is_spelled() {
    let h = gateway(StreamConfig {
        ping_interval: Duration::from_millis(50),
        ..quick()
    });
    let mut conn = Conn::demo(&h, events());
    let ping = conn.next();
    assert_eq!(ping["headers"]["topic"], "ping");
    let data: Value = serde_json::from_str(ping["data"].as_str().unwrap()).unwrap();
    let opaque = data["opaque"].as_str().unwrap().to_owned();
    // Re-encoded with spaces, as the official Python SDK sends it.
    let respelled = format!(r#"{{"opaque": "{opaque}"}}"#);
    assert_ne!(respelled, ping["data"]);
    let answer = json!({"code": 200, "headers": {"messageId": ping["headers"]["messageId"]},
                        "message": "OK", "data": respelled});
    conn.socket.send(Message::text(answer.to_string())).unwrap();
    // A wrong opaque is no pong (nor a stray frame: it answers a ping).
    let second = conn.next();
    conn.answer(&second, &json!({"opaque": "not-it"}));
    let log = until(&h, "the pong", |log| log["connections"][0]["pongs"] == 1);
    let pings = log["connections"][0]["pings"].as_u64().unwrap();
    assert!(pings >= 2, "{log}");
    assert_eq!(log["connections"][0]["stray_frames"], 0);
    // Two pings answered, one of them right: still one pong.
    let log = until(&h, "more pings", |log| {
        log["connections"][0]["pings"].as_u64() > Some(pings)
    });
    assert_eq!(log["connections"][0]["pongs"], 1, "{log}");
}

#[test]
fn only_the_topics_a_connection_subscribed_to_are_pushed_to_it() {
    let h = gateway(quick());
    let mut bot_only = Conn::demo(&h, json!([{"type": "CALLBACK", "topic": BOT}]));
    let mut events_only = Conn::demo(&h, events());
    open_count(&h, 2);
    let log = h.control.stream_log(0.0);
    assert_eq!(
        log["connections"][0]["subscriptions"],
        json!([{"type": "CALLBACK", "topic": BOT}])
    );

    let event = push(&h, json!({"n": 1}));
    let frame = events_only.next();
    assert_eq!(
        (frame["type"].as_str(), &frame["headers"]["eventId"]),
        (Some("EVENT"), &json!(event))
    );
    events_only.success(&frame);

    let message = h
        .control
        .stream_callback(BOT, &json!({"text": {"content": "hi"}}));
    let frame = bot_only.next();
    assert_eq!(frame["type"], "CALLBACK");
    assert_eq!(frame["headers"]["topic"], BOT);
    assert_eq!(frame["data"], r#"{"text":{"content":"hi"}}"#);
    bot_only.answer(&frame, &json!({"response": null}));

    // A topic nobody subscribed to waits for a connection that does.
    let other = h.control.stream_callback("/v1.0/other/topic", &json!({}));
    let log = h.control.stream_log(5.0);
    let callbacks = log["callbacks"].as_array().unwrap();
    assert_eq!(callbacks[0]["id"], message);
    assert_eq!(callbacks[0]["status"], "acknowledged");
    assert_eq!(
        callbacks[0]["deliveries"][0]["connection"],
        log["connections"][0]["id"]
    );
    assert_eq!(
        (&callbacks[1]["id"], &callbacks[1]["deliveries"]),
        (&json!(other), &json!([]))
    );
    assert_eq!(
        log["events"][0]["deliveries"][0]["connection"],
        log["connections"][1]["id"]
    );
    let mut subscriber = Conn::demo(
        &h,
        json!([{"type": "CALLBACK", "topic": "/v1.0/other/topic"}]),
    );
    assert_eq!(subscriber.next()["headers"]["topic"], "/v1.0/other/topic");
}

#[test]
fn each_delivery_goes_over_one_connection_of_the_app_drawn_at_random() {
    let h = gateway(quick());
    let mut conns = [Conn::demo(&h, events()), Conn::demo(&h, events())];
    let mut other_app = Conn::open(&h, ("other_key", "other_secret"), events());
    open_count(&h, 3);
    let pushed: Vec<String> = (0..40)
        .map(|n| {
            let event =
                json!({"type": "todo_task_update", "data": {"n": n}, "app": "demo_app_key"});
            h.control.push(&event)["eventId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let log = until(&h, "every delivery", |log| {
        log["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["deliveries"].as_array().unwrap().len() == 1)
    });
    let ids: Vec<u64> = log["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    let mut counts = [0usize; 2];
    for event in log["events"].as_array().unwrap() {
        assert_eq!(event["redeliveries"], 0, "{event}");
        let over = event["deliveries"][0]["connection"].as_u64().unwrap();
        let at = ids.iter().position(|id| *id == over).unwrap();
        assert!(
            at < 2,
            "an event of the first app went to the other app: {event}"
        );
        counts[at] += 1;
    }
    // 40 draws between two connections: both are chosen (all 40 the same has odds 2^-39).
    assert!(counts.iter().all(|c| *c > 0), "{counts:?}");
    for (conn, count) in conns.iter_mut().zip(counts) {
        for _ in 0..count {
            let frame = conn.next();
            assert!(pushed
                .iter()
                .any(|id| frame["headers"]["eventId"] == json!(id)));
            conn.success(&frame);
        }
    }
    // An event for the other app goes to its connection only.
    let answer = h
        .control
        .push(&json!({"type": "todo_task_update", "app": "other_key"}));
    let frame = other_app.next();
    assert_eq!(frame["headers"]["eventId"], answer["eventId"]);
    assert_eq!(frame["headers"]["appId"], "other_key");
    other_app.success(&frame);
    // An event of no app (the emulator's own, such as a to-do change) goes to any app's.
    drop(conns);
    until(&h, "the first app's connections closed", |log| {
        log["open"] == 1
    });
    let id = push(&h, json!({}));
    assert_eq!(other_app.next()["headers"]["eventId"], id);
    let log = h.control.stream_log(0.0);
    assert_eq!(log["events"][41]["app"], Value::Null);
}

#[test]
fn an_event_answered_with_its_own_data_is_acknowledged_a_404_is_not() {
    let h = gateway(StreamConfig {
        redelivery_delay: Duration::from_millis(100),
        ..quick()
    });
    let mut conn = Conn::demo(&h, events());
    let id = push(&h, json!({"taskId": "t1"}));
    let frame = conn.next();
    // The official Python SDK's answer when its handler is not implemented.
    let refusal = json!({"code": 404, "headers": {"messageId": frame["headers"]["messageId"]},
                         "message": "not implement", "data": frame["data"]});
    conn.socket
        .send(Message::text(refusal.to_string()))
        .unwrap();
    let again = conn.next();
    assert_eq!(again["headers"]["eventId"], id);
    // Its answer when the handler returns OK: the event's data, no status.
    conn.answer(&again, &json!({"taskId": "t1"}));
    let log = h.control.stream_log(5.0);
    let event = &log["events"][0];
    assert_eq!(event["status"], "acknowledged", "{event}");
    assert_eq!(event["redeliveries"], 1);
    assert_eq!(event["deliveries"][1]["status"], "SUCCESS");
    // How long each answer took, in microseconds, refused or not.
    for delivery in event["deliveries"].as_array().unwrap() {
        assert!(delivery["answer_us"].is_u64(), "{delivery}");
    }
}

#[test]
fn a_callback_not_acknowledged_in_time_is_delivered_again() {
    let h = gateway(StreamConfig {
        redelivery_delay: Duration::from_millis(100),
        ..quick()
    });
    let mut conn = Conn::demo(&h, json!([{"type": "CALLBACK", "topic": BOT}]));
    open_count(&h, 1);
    let id = h.control.stream_callback(BOT, &json!({"msgId": "m1"}));
    let first = conn.next();
    // No answer: after the delay it comes again, with a new messageId and the same data.
    let again = conn.next();
    assert_ne!(first["headers"]["messageId"], again["headers"]["messageId"]);
    assert_eq!(first["data"], again["data"]);
    // The late answer to the first delivery still acknowledges it.
    conn.answer(&first, &json!({"response": null}));
    let log = h.control.stream_log(0.0);
    let callback = &log["callbacks"][0];
    assert_eq!(
        (&callback["id"], &callback["status"]),
        (&json!(id), &json!("acknowledged"))
    );
    assert_eq!(callback["redeliveries"], 1, "{callback}");
}

#[test]
fn a_correct_acknowledgement_can_be_followed_by_a_duplicate() {
    let h = gateway(quick());
    let mut conn = Conn::demo(&h, events());
    open_count(&h, 1);
    h.control.stream_duplicate(1, false);
    let id = push(&h, json!({}));
    let frame = conn.next();
    conn.success(&frame);
    let copy = conn.next();
    assert_eq!(copy["headers"]["eventId"], id);
    assert_ne!(copy["headers"]["messageId"], frame["headers"]["messageId"]);
    conn.success(&copy);
    h.control.stream_duplicate(1, true);
    push(&h, json!({}));
    let frame = conn.next();
    conn.success(&frame);
    let copy = conn.next();
    assert_eq!(copy["headers"]["messageId"], frame["headers"]["messageId"]);
    conn.success(&copy);
    let log = h.control.stream_log(5.0);
    for event in log["events"].as_array().unwrap() {
        assert_eq!(
            (&event["redeliveries"], &event["duplicates"]),
            (&json!(0), &json!(1)),
            "{event}"
        );
        assert_eq!(event["deliveries"][1]["duplicate"], true);
        assert_eq!(event["deliveries"][1]["status"], "SUCCESS");
    }
    assert_eq!(log["duplicates_left"], 0);
}

#[test]
fn a_disconnect_that_keeps_delivering_until_its_late_close() {
    let h = gateway(quick());
    let mut old = Conn::demo(&h, events());
    open_count(&h, 1);
    assert_eq!(
        h.control
            .stream_disconnect_with(Some(Duration::from_millis(500)), true),
        1
    );
    assert_eq!(old.next()["headers"]["topic"], "disconnect");
    let mut new = Conn::demo(&h, events());
    until(&h, "the new connection", |log| {
        log["connections"].as_array().unwrap().len() == 2
    });
    // Between the disconnect and the close, messages still go over the old connection.
    let id = push(&h, json!({}));
    let frame = old.next();
    assert_eq!(frame["headers"]["eventId"], id);
    old.success(&frame);
    assert!(matches!(old.socket.read().unwrap(), Message::Close(_)));
    let log = until(&h, "the late close", |log| {
        log["connections"][0]["open"] == false
    });
    assert_eq!(log["events"][0]["status"], "acknowledged");
    // Then the new connection gets them.
    let id = push(&h, json!({}));
    assert_eq!(new.next()["headers"]["eventId"], id);
}

#[test]
fn a_zombie_swallows_deliveries_until_they_are_delivered_again_elsewhere() {
    let h = gateway(StreamConfig {
        redelivery_delay: Duration::from_millis(100),
        ..quick()
    });
    let _zombie = Conn::demo(&h, events());
    open_count(&h, 1);
    assert_eq!(h.control.stream_zombie(true), 1);
    let id = push(&h, json!({}));
    let mut next = Conn::demo(&h, events());
    // The zombie may be drawn again; each time its copy is lost and comes back later.
    let frame = next.next();
    assert_eq!(frame["headers"]["eventId"], id);
    next.success(&frame);
    let log = h.control.stream_log(0.0);
    let zombie = &log["connections"][0];
    assert_eq!(
        (&zombie["open"], &zombie["silent"]),
        (&json!(true), &json!(true))
    );
    let event = &log["events"][0];
    assert_eq!(event["status"], "acknowledged");
    assert_eq!(event["deliveries"][0]["connection"], zombie["id"]);
    assert_eq!(event["deliveries"][0]["status"], Value::Null);
    assert_eq!(
        event["deliveries"][0]["answer_us"],
        Value::Null,
        "no answer yet"
    );
    h.control.stream_drop();
}

#[test]
fn the_control_calls_refuse_mistakes() {
    let h = gateway(quick());
    for (path, body) in [
        ("/_emulator/stream/disconnect", json!({"close_after": -1})),
        (
            "/_emulator/stream/disconnect",
            json!({"keep_delivering": "yes"}),
        ),
        ("/_emulator/stream/silence", json!({"deliver": true})),
        ("/_emulator/stream/duplicate", json!({"count": 1001})),
        ("/_emulator/stream/callback", json!({"topic": "no-slash"})),
        (
            "/_emulator/stream/callback",
            json!({"topic": "/t", "app": "nobody"}),
        ),
        ("/_emulator/push", json!({"type": "x", "app": "nobody"})),
    ] {
        let (status, answer) = h.post(path, &body);
        assert_eq!(status, 400, "{path} {body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
}
