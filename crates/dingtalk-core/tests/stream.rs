//! Stream mode against the emulator's gateway: tickets, frames, acknowledgements, and every way
//! a connection ends (the gateway's `disconnect`, a drop, a refused ticket, silence, a frame
//! too large), each followed by a new connection with a new ticket.

mod common;

use std::time::{Duration, Instant};

use common::{never_answer, peer, trickle, Emu, KEY, SECRET};
use dingtalk_core::{Ack, Client, Error, ErrorClass, Event, Kind, Options, Stream, StreamOptions};
use dingtalk_emulator::{Config, StreamConfig};
use serde_json::{json, Value};

/// Waiting past this fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(20);

fn emulator(stream: StreamConfig) -> Emu {
    Emu::with(Config {
        stream,
        ..Config::default()
    })
}

fn quick() -> StreamConfig {
    StreamConfig {
        ping_interval: Duration::from_secs(3600),
        redelivery_delay: Duration::from_millis(100),
        ..StreamConfig::default()
    }
}

fn options() -> StreamOptions {
    StreamOptions::default()
        .reconnect_delay(0.01)
        .and_then(|o| o.max_reconnect_delay(0.05))
        .unwrap()
}

fn worker(emu: &Emu, options: StreamOptions) -> Stream {
    Client::new(KEY, SECRET, emu.options())
        .unwrap()
        .stream(options)
}

/// The next event, polling in short waits.
fn next(stream: &mut Stream) -> Event {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(event) = stream.next_event(Duration::from_millis(50), None).unwrap() {
            return event;
        }
        assert!(Instant::now() < deadline, "no event within {PATIENCE:?}");
    }
}

/// Keeps the worker reading until the emulator's Stream log satisfies `done`.
fn until(emu: &Emu, stream: &mut Stream, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let log = emu.control.stream();
        if done(&log) {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "{what} within {PATIENCE:?}: {log}"
        );
        assert_eq!(
            stream.next_event(Duration::from_millis(20), None).unwrap(),
            None
        );
    }
}

/// Calls `next_event` until `wait` passed (it returns early when the connection changed),
/// each call expecting no event; the first error, if any.
fn idle(stream: &mut Stream, wait: Duration, end: Option<Instant>) -> Result<(), Error> {
    let until = Instant::now() + wait;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        assert_eq!(stream.next_event(left, end)?, None);
    }
}

fn open_connections(log: &Value) -> u64 {
    log["open"].as_u64().unwrap_or(0)
}

fn push(emu: &Emu, event_type: &str, data: Value) -> String {
    let answer = emu.control.push(&json!({"type": event_type, "data": data}));
    answer["eventId"].as_str().unwrap().to_owned()
}

#[test]
fn events_are_delivered_in_order_and_acknowledged_exactly() {
    let emu = emulator(quick());
    let mut stream = worker(&emu, options());
    let first = push(&emu, "todo_task_update", json!({"taskId": "t1"}));
    let second = push(&emu, "todo_task_delete", json!({"taskId": "t2"}));

    let event = next(&mut stream);
    assert_eq!(event.id, first);
    assert_eq!(event.event_type, "todo_task_update");
    assert_eq!(event.data, json!({"taskId": "t1"}));
    assert_eq!(event.corp_id, "dingemulatorcorp");
    assert_eq!(event.topic, "*");
    assert!(event.born_time.is_some_and(|t| t > 1_600_000_000_000));
    assert!(stream.acknowledge(&event, Ack::Success));

    let later = next(&mut stream);
    assert_eq!(later.id, second);
    assert!(stream.acknowledge(&later, Ack::Later));
    // Answered LATER: delivered again, with the same eventId and a new messageId.
    let again = next(&mut stream);
    assert_eq!(again.id, second);
    assert_ne!(again.message_id, later.message_id);
    assert!(stream.acknowledge(&again, Ack::Success));

    let log = emu.control.stream_settled(10);
    let events = log["events"].as_array().unwrap();
    assert_eq!(events[0]["status"], "acknowledged");
    assert_eq!(
        events[0]["deliveries"][0]["answer"],
        format!(
            r#"{{"code":200,"headers":{{"messageId":"{}","contentType":"application/json"}},"message":"OK","data":"{{\"status\":\"SUCCESS\"}}"}}"#,
            event.message_id
        )
    );
    assert_eq!(events[1]["status"], "acknowledged");
    assert_eq!(events[1]["redeliveries"], 1);
    assert_eq!(events[1]["deliveries"][0]["status"], "LATER");
    assert_eq!(
        events[1]["deliveries"][0]["answer"],
        format!(
            r#"{{"code":200,"headers":{{"messageId":"{}","contentType":"application/json"}},"message":"OK","data":"{{\"status\":\"LATER\"}}"}}"#,
            later.message_id
        )
    );
    let connection = &log["connections"][0];
    assert!(
        connection["ua"]
            .as_str()
            .unwrap()
            .starts_with("dingtalk-php/"),
        "{connection}"
    );
    assert_eq!(log["tickets"]["issued"], 1);
    assert_eq!(stream.stats().connections, 1);
}

#[test]
fn an_event_left_unacknowledged_is_delivered_again() {
    let emu = emulator(quick());
    let mut stream = worker(&emu, options());
    let id = push(&emu, "todo_task_create", json!({}));
    let event = next(&mut stream);
    // No answer at all: after the redelivery delay it comes again over the same connection.
    let again = next(&mut stream);
    assert_eq!(
        (event.id.as_str(), again.id.as_str()),
        (id.as_str(), id.as_str())
    );
    assert!(stream.acknowledge(&again, Ack::Success));
    let log = emu.control.stream_settled(10);
    assert_eq!(log["events"][0]["status"], "acknowledged");
    assert_eq!(log["connections"].as_array().unwrap().len(), 1);
}

#[test]
fn pings_are_answered_with_their_own_data() {
    let emu = emulator(StreamConfig {
        ping_interval: Duration::from_millis(30),
        ..quick()
    });
    let mut stream = worker(&emu, options());
    let log = until(&emu, &mut stream, "three pongs", |log| {
        log["connections"][0]["pongs"].as_u64() >= Some(3)
    });
    let connection = &log["connections"][0];
    assert_eq!(connection["stray_frames"], 0, "{connection}");
    assert_eq!(connection["open"], true);
}

#[test]
fn disconnect_makes_it_reconnect_with_a_new_ticket() {
    let emu = emulator(StreamConfig {
        disconnect_grace: Duration::from_millis(300),
        ..quick()
    });
    let mut stream = worker(&emu, options());
    until(&emu, &mut stream, "a connection", |log| {
        open_connections(log) == 1
    });
    assert_eq!(emu.control.stream_disconnect(), 1);
    let id = push(&emu, "todo_task_update", json!({"n": 1}));
    let event = next(&mut stream);
    assert_eq!(event.id, id);
    assert!(stream.acknowledge(&event, Ack::Success));
    // The old connection is read until the gateway closes it, after its grace.
    let log = until(&emu, &mut stream, "the old connection closed", |log| {
        log["connections"][0]["open"] == false
    });
    let connections = log["connections"].as_array().unwrap();
    assert_eq!(connections.len(), 2, "{log}");
    assert_eq!(connections[0]["disconnect_sent"], true);
    assert_ne!(connections[0]["ticket"], connections[1]["ticket"]);
    assert_eq!(connections[1]["open"], true);
    assert_eq!(log["tickets"]["issued"], 2);
    let deliveries = log["events"][0]["deliveries"].as_array().unwrap();
    let acknowledged = deliveries
        .iter()
        .find(|d| d["status"] == "SUCCESS")
        .unwrap();
    assert_eq!(acknowledged["connection"], connections[1]["id"], "{log}");
    // Asked for by the gateway, and closed as it said: not a failure.
    let stats = stream.stats();
    assert_eq!((stats.failures, stats.reconnects), (0, 1), "{stats:?}");
}

#[test]
fn a_dropped_connection_is_reconnected_and_the_event_in_flight_delivered_again() {
    let emu = emulator(quick());
    let mut stream = worker(&emu, options());
    push(&emu, "todo_task_update", json!({}));
    let event = next(&mut stream);
    assert_eq!(emu.control.stream_drop(), 1);
    // The acknowledgement cannot reach DingTalk (TCP may still take the write): the event
    // comes again over a new connection, and is only acknowledged, for it was handled.
    stream.acknowledge(&event, Ack::Success);
    let log = until(&emu, &mut stream, "the event acknowledged", |log| {
        log["events"][0]["status"] == "acknowledged"
    });
    let connections = log["connections"].as_array().unwrap();
    assert_eq!(connections.len(), 2, "{log}");
    assert_ne!(connections[0]["ticket"], connections[1]["ticket"]);
    let stats = stream.stats();
    assert_eq!(
        (stats.failures, stats.deliveries, stats.duplicates),
        (1, 2, 1)
    );

    // Without deduplication, the caller gets it again.
    let emu = emulator(quick());
    let mut stream = worker(&emu, options().dedupe(0.0).unwrap());
    let id = push(&emu, "todo_task_update", json!({}));
    let event = next(&mut stream);
    assert_eq!(emu.control.stream_drop(), 1);
    stream.acknowledge(&event, Ack::Success);
    let again = next(&mut stream);
    assert_eq!(again.id, id);
    assert!(stream.acknowledge(&again, Ack::Success));
    assert_eq!(
        emu.control.stream_settled(10)["events"][0]["status"],
        "acknowledged"
    );
}

#[test]
fn a_refused_ticket_is_followed_by_a_new_one() {
    let emu = emulator(quick());
    emu.control.refuse_tickets(2);
    let mut stream = worker(&emu, options());
    let id = push(&emu, "todo_task_update", json!({}));
    let event = next(&mut stream);
    assert_eq!(event.id, id);
    let log = emu.control.stream();
    assert_eq!(log["tickets"], json!({"issued": 3, "refused": 2}));
    let stats = stream.stats();
    assert_eq!(
        (stats.tickets, stats.connections, stats.failures),
        (3, 1, 2)
    );
    let reason = stats.last_failure.unwrap();
    assert!(reason.contains("HTTP 401"), "{reason}");
    assert!(!reason.contains(SECRET), "{reason}");
}

#[test]
fn a_silent_connection_is_dead_after_the_keepalive() {
    let emu = emulator(quick());
    let mut stream = worker(&emu, options().keepalive(0.3).unwrap());
    until(&emu, &mut stream, "a connection", |log| {
        open_connections(log) == 1
    });
    assert_eq!(emu.control.stream_silence(), 1);
    // Delivered as soon as a connection that is not silent opens: the worker's next one.
    let id = push(&emu, "todo_task_update", json!({}));
    let event = next(&mut stream);
    assert_eq!(event.id, id);
    let reason = stream.stats().last_failure.unwrap();
    assert!(reason.contains("options[keepalive]"), "{reason}");
    assert_eq!(emu.control.stream()["tickets"]["issued"], 2);
    emu.control.stream_drop();
}

#[test]
fn a_frame_over_the_limit_drops_the_connection_unread() {
    let emu = emulator(quick());
    let mut stream = worker(&emu, options().max_frame_bytes(4096).unwrap());
    until(&emu, &mut stream, "a connection", |log| {
        open_connections(log) == 1
    });
    assert_eq!(emu.control.stream_send_bytes(64 << 20), 1);
    until(&emu, &mut stream, "the second connection", |log| {
        log["connections"].as_array().map(Vec::len) == Some(2) && open_connections(log) == 1
    });
    let reason = stream.stats().last_failure.unwrap();
    assert!(reason.contains("options[max_frame_bytes]"), "{reason}");
    // A frame under the limit is fine.
    assert_eq!(emu.control.stream_send_bytes(1000), 1);
    let id = push(&emu, "todo_task_update", json!({}));
    assert_eq!(next(&mut stream).id, id);
}

#[test]
fn junk_frames_are_ignored() {
    let emu = emulator(quick());
    let mut stream = worker(&emu, options());
    until(&emu, &mut stream, "a connection", |log| {
        open_connections(log) == 1
    });
    for junk in [
        "",
        "not json",
        "[]",
        r#"{"type":"EVENT""#,
        r#"{"type":"CALLBACK","headers":{"messageId":"c"}}"#,
    ] {
        emu.control.stream_send_text(junk);
    }
    let id = push(&emu, "todo_task_update", json!({}));
    assert_eq!(next(&mut stream).id, id);
    assert_eq!(stream.stats().failures, 0);
}

#[test]
fn wrong_credentials_end_the_worker_without_showing_the_secret() {
    let emu = emulator(quick());
    let secret = "wrong-secret-5f2a";
    let mut stream = Client::new(KEY, secret, emu.options())
        .unwrap()
        .stream(options());
    let error = idle(&mut stream, Duration::from_secs(5), None).unwrap_err();
    assert_eq!(error.class(), ErrorClass::BadCredentials, "{error}");
    assert!(matches!(error, Error::Api(_)));
    assert!(
        error.to_string().contains("invalidClientIdOrSecret"),
        "{error}"
    );
    assert!(!error.to_string().contains(secret), "{error}");
    assert_eq!(emu.control.stream()["tickets"]["issued"], 0);
}

#[test]
fn an_unreachable_gateway_is_retried_until_the_wait_ends() {
    let emu = emulator(quick());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let options_ = Options::default()
        .api_base_url(&url)
        .and_then(|o| o.retries(0))
        .unwrap();
    let mut stream = Client::new(KEY, SECRET, options_)
        .unwrap()
        .stream(options());
    idle(&mut stream, Duration::from_millis(300), None).unwrap();
    let stats = stream.stats();
    assert!(stats.failures >= 2, "{stats:?}");
    assert_eq!(stats.connections, 0);
    drop(emu);
}

const OPEN: &str = "/v1.0/gateway/connections/open";

/// Has the gateway's every ticket send the worker to `endpoint`.
fn tickets_to(emu: &Emu, endpoint: &str) {
    let body = json!({"endpoint": endpoint, "ticket": "ticket-of-the-test"}).to_string();
    emu.faults(json!([{"path": OPEN, "status": 200, "body": body, "count": 100_000}]));
}

/// Waits for events with `end` as the caller's deadline; how long the call took, and the stats.
fn stalled(stream: &mut Stream, end: Option<Instant>) -> (Duration, dingtalk_core::StreamStats) {
    let started = Instant::now();
    idle(stream, Duration::from_secs(1), end).unwrap();
    (started.elapsed(), stream.stats())
}

/// A connection attempt ends by the caller's end, or `options[timeout]`, whatever the gateway
/// does to stall it: a ticket request it never answers, a WebSocket upgrade that never comes,
/// or one trickled a byte at a time (each read quick, the whole never done).
#[test]
fn connecting_ends_in_time_however_the_gateway_stalls() {
    let patient = |emu: &Emu, timeout: f64| {
        Client::new(KEY, SECRET, emu.options().timeout(timeout).unwrap())
            .unwrap()
            .stream(options())
    };
    // The ticket request: the client would wait 30 s, the caller's end is 1 s away.
    let emu = emulator(quick());
    emu.faults(json!([{"path": OPEN, "delay_ms": 30_000}]));
    let (spent, stats) = stalled(
        &mut patient(&emu, 30.0),
        Some(Instant::now() + Duration::from_secs(1)),
    );
    assert!(spent < Duration::from_secs(5), "ticket: {spent:?}");
    assert_eq!(stats.tickets, 0);

    // The upgrade never comes: the same.
    let emu = emulator(quick());
    tickets_to(&emu, &format!("ws://{}/", peer(never_answer)));
    let (spent, stats) = stalled(
        &mut patient(&emu, 30.0),
        Some(Instant::now() + Duration::from_secs(1)),
    );
    assert!(spent < Duration::from_secs(5), "silent upgrade: {spent:?}");
    assert_eq!(stats.connections, 0);
    assert!(stats.failures >= 1, "{stats:?}");

    // The upgrade trickles: 1 s of `options[timeout]` bounds the whole handshake, not each read.
    let emu = emulator(quick());
    let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Padding: ";
    let trickling =
        peer(move |stream| trickle(stream, head.iter().copied().chain(std::iter::repeat(b'a'))));
    tickets_to(&emu, &format!("ws://{trickling}/"));
    let (spent, stats) = stalled(&mut patient(&emu, 1.0), None);
    assert!(
        spent < Duration::from_secs(5),
        "trickled upgrade: {spent:?}"
    );
    assert_eq!(stats.connections, 0);
    let reason = stats.last_failure.unwrap();
    assert!(reason.contains("in time"), "{reason}");
}

/// A gateway that answers every connection with `disconnect` is reconnected to at once a few
/// times, then backed off like a failing one: not a busy loop of ticket requests, each of
/// which carries the app secret.
#[test]
fn a_gateway_that_always_disconnects_is_backed_off() {
    let emu = emulator(quick());
    let gateway = peer(|stream| {
        let Ok(mut socket) = tungstenite::accept(stream) else {
            return;
        };
        let disconnect = json!({
            "specVersion": "1.0",
            "type": "SYSTEM",
            "headers": {"topic": "disconnect", "messageId": "bye"},
            "data": "",
        });
        let _ = socket.send(tungstenite::Message::text(disconnect.to_string()));
        while socket.read().is_ok() {}
    });
    tickets_to(&emu, &format!("ws://{gateway}/"));
    let mut stream = worker(
        &emu,
        StreamOptions::default()
            .reconnect_delay(0.1)
            .and_then(|o| o.max_reconnect_delay(1.0))
            .unwrap(),
    );
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        assert_eq!(
            stream.next_event(Duration::from_millis(200), None).unwrap(),
            None
        );
    }
    // Three at once, then pauses of 0.1 s doubling to 1 s (jittered to half at least): about
    // a dozen in 3 s. Without the backoff: thousands.
    let tickets = emu.count(OPEN);
    assert!((4..=15).contains(&tickets), "{tickets} tickets in 3 s");
    assert_eq!(stream.stats().tickets, tickets);
}

/// The keepalive clock runs only while the worker listens: a handler slower than `keepalive`
/// (here, the pause between taking an event and asking for the next) does not make it declare
/// a healthy connection dead, lose what it had received, and pay a new ticket.
#[test]
fn a_handler_slower_than_keepalive_keeps_the_connection() {
    let emu = emulator(StreamConfig {
        ping_interval: Duration::from_millis(100),
        ..quick()
    });
    let mut stream = worker(&emu, options().keepalive(0.3).unwrap());
    let ids: Vec<String> = (0..3)
        .map(|n| push(&emu, "todo_task_update", json!({"n": n})))
        .collect();
    for id in &ids {
        let event = next(&mut stream);
        assert_eq!(&event.id, id);
        // The handler: longer than the keepalive.
        std::thread::sleep(Duration::from_millis(700));
        assert!(stream.acknowledge(&event, Ack::Success));
    }
    let log = emu.control.stream_settled(10);
    assert_eq!(log["tickets"]["issued"], 1, "{log}");
    assert_eq!(stream.stats().failures, 0);
}

/// Bot messages and card callbacks come as callbacks of the topics subscribed to, each answered
/// in a callback's shape: a bot message before the caller handles it (`ack` `early`), a card
/// callback by what the caller answered (its `response`).
#[test]
fn callbacks_of_the_topics_subscribed_to_are_answered_as_callbacks() {
    let emu = emulator(quick());
    let topics = options().topics(&["bot", "card"]).unwrap();
    let mut stream = worker(&emu, topics);
    until(&emu, &mut stream, "a connection", |log| {
        open_connections(log) == 1
    });
    let subscriptions = &emu.control.stream()["connections"][0]["subscriptions"];
    assert_eq!(
        *subscriptions,
        json!([
            {"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"},
            {"type": "CALLBACK", "topic": "/v1.0/card/instances/callback"},
        ])
    );
    let said = emu.control.bot_say("manager4711", "hi", &json!({}));
    let bot = next(&mut stream);
    assert_eq!(
        (bot.kind, bot.event_type.as_str()),
        (Kind::Callback, "bot_message")
    );
    assert_eq!(bot.id, said["msgId"].as_str().unwrap());
    // Acknowledged before the caller handled it (the emulator records it as soon as it reads it).
    let answered = until(&emu, &mut stream, "the bot message answered", |log| {
        log["callbacks"][0]["deliveries"][0]["status"] == "SUCCESS"
    });
    assert_eq!(
        answered["callbacks"][0]["deliveries"][0]["answer"],
        format!(
            r#"{{"code":200,"headers":{{"messageId":"{}","contentType":"application/json"}},"message":"OK","data":"{{\"response\":null}}"}}"#,
            bot.message_id
        )
    );
    // Acknowledged already: nothing more is sent.
    assert!(stream.acknowledge(&bot, Ack::Later));

    emu.control.stream_callback(
        "/v1.0/card/instances/callback",
        &json!({"outTrackId": "c1"}),
    );
    let card = next(&mut stream);
    assert_eq!(card.event_type, "card_callback");
    assert_eq!(card.id, card.message_id);
    let response = json!({"cardData": {"cardParamMap": {"done": "yes"}}});
    assert!(stream.acknowledge(&card, Ack::Response(response.clone())));
    let log = emu.control.stream_settled(10);
    let callbacks = log["callbacks"].as_array().unwrap();
    assert_eq!(callbacks.len(), 2);
    let answer: Value =
        serde_json::from_str(callbacks[1]["deliveries"][0]["answer"].as_str().unwrap()).unwrap();
    let data: Value = serde_json::from_str(answer["data"].as_str().unwrap()).unwrap();
    assert_eq!(data, json!({ "response": response }));
    assert_eq!(callbacks[0]["deliveries"].as_array().unwrap().len(), 1);
    // An event is not what this worker asked for: it is not pushed to it.
    push(&emu, "todo_task_update", json!({}));
    idle(&mut stream, Duration::from_millis(300), None).unwrap();
    assert_eq!(stream.stats().deliveries, 2);
}
