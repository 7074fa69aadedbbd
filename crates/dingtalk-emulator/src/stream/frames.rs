//! The frames the emulated gateway sends, in DingTalk's shape:
//! `{"specVersion": "1.0", "type": ..., "headers": {...}, "data": "<JSON text>"}`.

use serde_json::{json, Value};

use super::hub::EventEntry;
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
