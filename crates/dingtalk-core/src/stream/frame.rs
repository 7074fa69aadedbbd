//! DingTalk's Stream frames: `{specVersion, type: SYSTEM|EVENT|CALLBACK, headers, data}` in,
//! `{code, headers: {messageId, contentType}, message, data}` out. The shape of an answer
//! follows the kind of what it answers:
//! - an `EVENT`: `data` `{"status":"SUCCESS"}` or `{"status":"LATER"}` (DingTalk's protocol page,
//!   the Java and Node SDKs);
//! - a `CALLBACK` handled: code 200, `data` `{"response":...}` (`null` unless the handler gave
//!   one), as the protocol page shows for bot messages and the Node SDK's
//!   `socketCallBackResponse` sends; not handled: code 500 `internal error`, the protocol's code
//!   for a failure of the client;
//! - a topic not subscribed to: code 404, the protocol's code for "no such topic";
//! - `ping`: its own `data` back; `disconnect` and other SYSTEM frames: code 200, `data` empty.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::topics::{self, Kind, BOT_MESSAGES};

/// A message delivered by the gateway: an event, or a callback (a bot message, a card's
/// callback, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `EVENT` or `CALLBACK`.
    pub kind: Kind,
    /// The event type (`eventType`, e.g. `todo_task_update`); for a callback, `bot_message`,
    /// `card_callback`, or its topic.
    pub event_type: String,
    /// What stays the same in every delivery of the message, so an app deduplicates by it:
    /// an event's `eventId`; a bot message's `msgId`; another callback's `messageId`.
    pub id: String,
    /// When the event happened (`eventBornTime`), milliseconds since the epoch.
    pub born_time: Option<i64>,
    /// The organisation it happened in (`eventCorpId`).
    pub corp_id: String,
    /// The app's unified id (`eventUnifiedAppId`), when the gateway sends one.
    pub unified_app_id: Option<String>,
    /// The frame's topic (`*` for events, the callback's path).
    pub topic: String,
    /// The id of this delivery (`messageId`), which the acknowledgement names.
    pub message_id: String,
    /// The message's data: the frame's `data` decoded from JSON (a string when it is not
    /// JSON).
    pub data: Value,
    /// How it stands with the worker: which connection brought it, its claim on the
    /// deduplication window, whether it was acknowledged already.
    pub(crate) handling: super::Handling,
}

/// How a message is acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub enum Ack {
    /// Handled: DingTalk does not deliver it again.
    Success,
    /// Not handled now: an event is delivered again later; a callback is answered as failed.
    Later,
    /// Handled, with this answer: a callback's `response` (a card callback's tells DingTalk
    /// how to update the card); for an event, the same as `Success`.
    Response(Value),
}

/// What a frame asks of the client.
#[derive(Debug, PartialEq)]
pub(crate) enum Incoming {
    /// A `ping`: answered with the same `data`.
    Ping { message_id: String, data: String },
    /// `disconnect`: acknowledge, then connect again with a new ticket.
    Disconnect { message_id: String },
    /// Another SYSTEM topic: acknowledged and otherwise ignored.
    System { message_id: String },
    /// An event or a callback.
    Message(Box<Event>),
    /// Not a frame this client understands: ignored (a gateway may add kinds).
    Unknown,
}

#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, Value>,
    #[serde(default)]
    data: Value,
}

/// A header as text: strings as they are, numbers in decimal, anything else empty.
fn header(headers: &BTreeMap<String, Value>, name: &str) -> String {
    match headers.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn data_text(data: Value) -> String {
    match data {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `data` decoded as JSON; the text itself when it is not JSON.
fn decoded(data: Value) -> Value {
    let text = data_text(data);
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// Reads one text frame.
pub(crate) fn parse(text: &str) -> Incoming {
    let Ok(frame) = serde_json::from_str::<Frame>(text) else {
        return Incoming::Unknown;
    };
    let headers = &frame.headers;
    let message_id = header(headers, "messageId");
    let topic = header(headers, "topic");
    let event = match frame.kind.as_deref() {
        Some("SYSTEM") => {
            return match topic.as_str() {
                "ping" => Incoming::Ping {
                    message_id,
                    data: data_text(frame.data),
                },
                "disconnect" => Incoming::Disconnect { message_id },
                _ => Incoming::System { message_id },
            }
        }
        Some("EVENT") => Event {
            kind: Kind::Event,
            event_type: header(headers, "eventType"),
            id: header(headers, "eventId"),
            born_time: header(headers, "eventBornTime").parse().ok(),
            corp_id: header(headers, "eventCorpId"),
            unified_app_id: Some(header(headers, "eventUnifiedAppId")).filter(|id| !id.is_empty()),
            data: decoded(frame.data),
            topic,
            message_id,
            handling: super::Handling::default(),
        },
        Some("CALLBACK") => {
            let data = decoded(frame.data);
            // A bot message keeps its msgId when DingTalk delivers it again.
            let msg_id = data.get("msgId").and_then(Value::as_str);
            let id = match msg_id {
                Some(msg_id) if topic == BOT_MESSAGES && !msg_id.is_empty() => msg_id.to_owned(),
                _ => message_id.clone(),
            };
            Event {
                kind: Kind::Callback,
                event_type: topics::callback_type(&topic).to_owned(),
                id,
                born_time: None,
                corp_id: String::new(),
                unified_app_id: None,
                data,
                topic,
                message_id,
                handling: super::Handling::default(),
            }
        }
        _ => return Incoming::Unknown,
    };
    Incoming::Message(Box::new(event))
}

fn reply(code: u16, message_id: &str, message: &str, data: &str) -> String {
    json!({
        "code": code,
        "headers": {"messageId": message_id, "contentType": "application/json"},
        "message": message,
        "data": data,
    })
    .to_string()
}

/// The answer to a `ping`: its own `data` back.
pub(crate) fn pong(message_id: &str, data: &str) -> String {
    reply(200, message_id, "ok", data)
}

/// The acknowledgement of a SYSTEM frame.
pub(crate) fn system_ack(message_id: &str) -> String {
    reply(200, message_id, "OK", "")
}

/// The answer to a message of a topic this client did not subscribe to.
pub(crate) fn not_subscribed(message_id: &str) -> String {
    reply(404, message_id, "topic not subscribed", "")
}

/// The acknowledgement of a message of `kind` (see the module docs for each shape).
pub(crate) fn ack(kind: Kind, message_id: &str, ack: &Ack) -> String {
    match (kind, ack) {
        (Kind::Event, Ack::Later) => reply(200, message_id, "OK", r#"{"status":"LATER"}"#),
        (Kind::Event, _) => reply(200, message_id, "OK", r#"{"status":"SUCCESS"}"#),
        (Kind::Callback, Ack::Later) => {
            reply(500, message_id, "internal error", r#"{"response":null}"#)
        }
        (Kind::Callback, Ack::Success) => reply(200, message_id, "OK", r#"{"response":null}"#),
        (Kind::Callback, Ack::Response(response)) => {
            let data = json!({ "response": response }).to_string();
            reply(200, message_id, "OK", &data)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgements_are_exactly_dingtalks() {
        assert_eq!(
            ack(Kind::Event, "m1", &Ack::Success),
            r#"{"code":200,"headers":{"messageId":"m1","contentType":"application/json"},"message":"OK","data":"{\"status\":\"SUCCESS\"}"}"#
        );
        assert_eq!(
            ack(Kind::Event, "m2", &Ack::Later),
            r#"{"code":200,"headers":{"messageId":"m2","contentType":"application/json"},"message":"OK","data":"{\"status\":\"LATER\"}"}"#
        );
        assert_eq!(
            pong("p", r#"{"opaque":"x"}"#),
            r#"{"code":200,"headers":{"messageId":"p","contentType":"application/json"},"message":"ok","data":"{\"opaque\":\"x\"}"}"#
        );
    }

    #[test]
    fn reads_events_and_system_frames() {
        let event = parse(
            r#"{"specVersion":"1.0","type":"EVENT","headers":{"topic":"*","messageId":"m",
                "eventType":"todo_task_update","eventId":"e1","eventBornTime":"1700000000000",
                "eventCorpId":"corp","eventUnifiedAppId":"app"},"data":"{\"taskId\":\"t\"}"}"#,
        );
        let Incoming::Message(event) = event else {
            panic!("expected an event, got {event:?}")
        };
        assert_eq!(event.kind, Kind::Event);
        assert_eq!(event.event_type, "todo_task_update");
        assert_eq!(event.id, "e1");
        assert_eq!(event.born_time, Some(1_700_000_000_000));
        assert_eq!(event.corp_id, "corp");
        assert_eq!(event.unified_app_id.as_deref(), Some("app"));
        assert_eq!(event.data, json!({"taskId": "t"}));
        assert_eq!(
            parse(r#"{"type":"SYSTEM","headers":{"topic":"ping","messageId":"p"},"data":"{}"}"#),
            Incoming::Ping {
                message_id: "p".into(),
                data: "{}".into()
            }
        );
        assert_eq!(
            parse(r#"{"type":"SYSTEM","headers":{"topic":"disconnect","messageId":"d"}}"#),
            Incoming::Disconnect {
                message_id: "d".into()
            }
        );
        for junk in [
            "",
            "[]",
            "{}",
            "nope",
            r#"{"type":"OTHER"}"#,
            r#"{"type":1}"#,
        ] {
            assert_eq!(parse(junk), Incoming::Unknown, "{junk}");
        }
        let Incoming::Message(plain) = parse(r#"{"type":"EVENT","headers":{},"data":"not json"}"#)
        else {
            panic!("expected an event")
        };
        assert_eq!(plain.data, json!("not json"));
        assert_eq!(plain.born_time, None);
    }

    /// The answers to callbacks, each as DingTalk's official SDKs send it (see the module docs).
    #[test]
    fn callbacks_are_read_and_answered_by_their_kind() {
        let bot = parse(
            r#"{"specVersion":"1.0","type":"CALLBACK","headers":{"topic":"/v1.0/im/bot/messages/get",
                "messageId":"m9","contentType":"application/json","time":"1690362102194"},
                "data":"{\"msgId\":\"msgA\",\"text\":{\"content\":\" hi\"}}"}"#,
        );
        let Incoming::Message(bot) = bot else {
            panic!("expected a message, got {bot:?}")
        };
        assert_eq!(bot.kind, Kind::Callback);
        assert_eq!(bot.event_type, "bot_message");
        assert_eq!(bot.id, "msgA", "a bot message is known by its msgId");
        assert_eq!(bot.message_id, "m9");
        assert_eq!(bot.data["text"]["content"], " hi");
        let Incoming::Message(card) = parse(
            r#"{"type":"CALLBACK","headers":{"topic":"/v1.0/card/instances/callback","messageId":"m10"},"data":"{}"}"#,
        ) else {
            panic!("expected a message")
        };
        assert_eq!(
            (card.event_type.as_str(), card.id.as_str()),
            ("card_callback", "m10")
        );
        assert_eq!(
            ack(Kind::Callback, "m9", &Ack::Success),
            r#"{"code":200,"headers":{"messageId":"m9","contentType":"application/json"},"message":"OK","data":"{\"response\":null}"}"#
        );
        assert_eq!(
            ack(
                Kind::Callback,
                "m9",
                &Ack::Response(json!({"cardData": {"cardParamMap": {"a": "1"}}}))
            ),
            r#"{"code":200,"headers":{"messageId":"m9","contentType":"application/json"},"message":"OK","data":"{\"response\":{\"cardData\":{\"cardParamMap\":{\"a\":\"1\"}}}}"}"#
        );
        assert_eq!(
            ack(Kind::Callback, "m9", &Ack::Later),
            r#"{"code":500,"headers":{"messageId":"m9","contentType":"application/json"},"message":"internal error","data":"{\"response\":null}"}"#
        );
        assert_eq!(
            not_subscribed("m9"),
            r#"{"code":404,"headers":{"messageId":"m9","contentType":"application/json"},"message":"topic not subscribed","data":""}"#
        );
    }
}
