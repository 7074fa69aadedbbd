//! DingTalk's Stream frames: those the emulated gateway sends,
//! `{"specVersion": "1.0", "type": ..., "headers": {...}, "data": "<JSON text>"}`, and the
//! client's answers, `{"code": 200, "headers": {"messageId": ...}, "data": "<JSON text>"}`.

use serde_json::{json, Map, Value};

use super::events::EventEntry;
use crate::clock::now_millis;
use crate::push::CORP_ID;

fn frame(kind: &str, headers: Value, data: &str) -> String {
    json!({"specVersion": "1.0", "type": kind, "headers": headers, "data": data}).to_string()
}

/// An EVENT frame delivering `event` over connection `connection` of `app`.
pub fn event(event: &EventEntry, message_id: &str, app: &str, connection: u64) -> String {
    let corp_id = event
        .data
        .get("CorpId")
        .and_then(Value::as_str)
        .unwrap_or(CORP_ID);
    let headers = json!({
        "appId": app,
        "connectionId": connection.to_string(),
        "contentType": "application/json",
        "eventBornTime": event.born_time.to_string(),
        "eventCorpId": corp_id,
        "eventId": event.event_id,
        "eventType": event.event_type,
        "eventUnifiedAppId": app,
        "messageId": message_id,
        "time": now_millis().to_string(),
        "topic": "*",
    });
    frame(
        "EVENT",
        headers,
        &Value::Object(event.data.clone()).to_string(),
    )
}

/// A SYSTEM frame of `topic` (`ping`, `disconnect`) with `data`.
pub fn system(topic: &str, message_id: &str, data: &str) -> String {
    let headers = json!({
        "contentType": "application/json",
        "messageId": message_id,
        "time": now_millis().to_string(),
        "topic": topic,
    });
    frame("SYSTEM", headers, data)
}

/// A text frame from the client: the answer to a ping or to an event (or anything else).
pub struct Reply {
    pub code: Option<u64>,
    /// `headers.messageId`: what it answers.
    pub message_id: String,
    pub data: String,
}

impl Reply {
    /// Reads what it can of `text`; a frame that is not JSON answers nothing.
    pub fn parse(text: &str) -> Reply {
        let parsed: Option<Map<String, Value>> = serde_json::from_str(text).ok();
        let field = |name: &str| parsed.as_ref().and_then(|p| p.get(name));
        Reply {
            code: field("code").and_then(Value::as_u64),
            message_id: field("headers")
                .and_then(|h| h.get("messageId"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            data: field("data")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        }
    }

    /// The status of an answer to an event: `SUCCESS` or `LATER` with code 200, else none.
    pub fn event_status(&self) -> Option<&'static str> {
        if self.code != Some(200) {
            return None;
        }
        let data: Value = serde_json::from_str(&self.data).ok()?;
        match data.get("status").and_then(Value::as_str)? {
            "SUCCESS" => Some("SUCCESS"),
            "LATER" => Some("LATER"),
            _ => None,
        }
    }
}
