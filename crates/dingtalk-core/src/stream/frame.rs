//! DingTalk's Stream frames: `{specVersion, type: SYSTEM|EVENT|CALLBACK, headers, data}` in,
//! `{code, headers: {messageId, contentType}, message, data}` out.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

/// An event delivered by the gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event type (`eventType`), e.g. `todo_task_update`.
    pub event_type: String,
    /// DingTalk's id of the event (`eventId`): the same in every delivery of the event, so an
    /// app deduplicates by it.
    pub id: String,
    /// When the event happened (`eventBornTime`), milliseconds since the epoch.
    pub born_time: Option<i64>,
    /// The organisation it happened in (`eventCorpId`).
    pub corp_id: String,
    /// The app's unified id (`eventUnifiedAppId`), when the gateway sends one.
    pub unified_app_id: Option<String>,
    /// The frame's topic (`*` for events).
    pub topic: String,
    /// The id of this delivery (`messageId`), which the acknowledgement names.
    pub message_id: String,
    /// The event's data: the frame's `data` decoded from JSON (a string when it is not JSON).
    pub data: Value,
}

/// How an event is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Handled: DingTalk does not deliver it again.
    Success,
    /// Not handled now: DingTalk delivers it again later.
    Later,
}

/// What a frame asks of the client.
#[derive(Debug, PartialEq)]
pub(crate) enum Incoming {
    /// A `ping`: answered with the same `data`.
    Ping {
        message_id: String,
        data: String,
    },
    /// `disconnect`: acknowledge, close, connect again with a new ticket.
    Disconnect {
        message_id: String,
    },
    /// Another SYSTEM topic: acknowledged and otherwise ignored.
    System {
        message_id: String,
    },
    Event(Event),
    /// A CALLBACK (bot messages, cards): not subscribed to, answered "no handler".
    Callback {
        message_id: String,
    },
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

/// Reads one text frame.
pub(crate) fn parse(text: &str) -> Incoming {
    let Ok(frame) = serde_json::from_str::<Frame>(text) else {
        return Incoming::Unknown;
    };
    let headers = &frame.headers;
    let message_id = header(headers, "messageId");
    match frame.kind.as_deref() {
        Some("SYSTEM") => match header(headers, "topic").as_str() {
            "ping" => Incoming::Ping {
                message_id,
                data: data_text(frame.data),
            },
            "disconnect" => Incoming::Disconnect { message_id },
            _ => Incoming::System { message_id },
        },
        Some("EVENT") => {
            let text = data_text(frame.data);
            let data = serde_json::from_str(&text).unwrap_or(Value::String(text));
            Incoming::Event(Event {
                event_type: header(headers, "eventType"),
                id: header(headers, "eventId"),
                born_time: header(headers, "eventBornTime").parse().ok(),
                corp_id: header(headers, "eventCorpId"),
                unified_app_id: Some(header(headers, "eventUnifiedAppId"))
                    .filter(|id| !id.is_empty()),
                topic: header(headers, "topic"),
                message_id,
                data,
            })
        }
        Some("CALLBACK") => Incoming::Callback { message_id },
        _ => Incoming::Unknown,
    }
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

/// The answer to a CALLBACK frame this client did not subscribe to.
pub(crate) fn no_handler(message_id: &str) -> String {
    reply(404, message_id, "no handler for CALLBACK frames", "")
}

/// The acknowledgement of an event: `SUCCESS`, or `LATER` to have it delivered again.
pub(crate) fn event_ack(message_id: &str, ack: Ack) -> String {
    let status = match ack {
        Ack::Success => r#"{"status":"SUCCESS"}"#,
        Ack::Later => r#"{"status":"LATER"}"#,
    };
    reply(200, message_id, "OK", status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgements_are_exactly_dingtalks() {
        assert_eq!(
            event_ack("m1", Ack::Success),
            r#"{"code":200,"headers":{"messageId":"m1","contentType":"application/json"},"message":"OK","data":"{\"status\":\"SUCCESS\"}"}"#
        );
        assert_eq!(
            event_ack("m2", Ack::Later),
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
        let Incoming::Event(event) = event else {
            panic!("expected an event, got {event:?}")
        };
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
        let Incoming::Event(plain) = parse(r#"{"type":"EVENT","headers":{},"data":"not json"}"#)
        else {
            panic!("expected an event")
        };
        assert_eq!(plain.data, json!("not json"));
        assert_eq!(plain.born_time, None);
    }
}
