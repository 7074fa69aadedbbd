//! DingTalk's Stream frames: those the emulated gateway sends,
//! `{"specVersion": "1.0", "type": ..., "headers": {...}, "data": "<JSON text>"}`, and the
//! client's answers, `{"code": 200, "headers": {"messageId": ...}, "message": ..., "data":
//! "<JSON text>"}` (shapes from DingTalk's Stream protocol page and its official SDKs).

use serde_json::{json, Map, Value};

use super::messages::MessageEntry;
use super::topics::Topic;
use crate::clock::now_millis;
use crate::push::CORP_ID;

fn frame(kind: &str, headers: Value, data: &str) -> String {
    json!({"specVersion": "1.0", "type": kind, "headers": headers, "data": data}).to_string()
}

/// The frame delivering `message` over connection `connection` of `app` as `message_id`.
pub fn message(message: &MessageEntry, message_id: &str, app: &str, connection: u64) -> String {
    let data = Value::Object(message.data.clone()).to_string();
    let Some(event_type) = &message.event_type else {
        // A callback's headers, as in DingTalk's example of a bot message.
        let headers = json!({
            "appId": app,
            "contentType": "application/json",
            "messageId": message_id,
            "time": now_millis().to_string(),
            "topic": message.topic.path(),
        });
        return frame("CALLBACK", headers, &data);
    };
    let corp_id = message
        .data
        .get("CorpId")
        .and_then(Value::as_str)
        .unwrap_or(CORP_ID);
    let headers = json!({
        "appId": app,
        "connectionId": connection.to_string(),
        "contentType": "application/json",
        "eventBornTime": message.born_time.to_string(),
        "eventCorpId": corp_id,
        "eventId": message.id,
        "eventType": event_type,
        "eventUnifiedAppId": app,
        "messageId": message_id,
        "time": now_millis().to_string(),
        "topic": "*",
    });
    frame("EVENT", headers, &data)
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

    /// The status of an answer to a message of `topic`: `SUCCESS` (acknowledged) or `LATER`
    /// (try again later), else none. Every answer needs code 200. An event's `data` says
    /// `{"status": "SUCCESS"|"LATER"}` (DingTalk's protocol page, the Java and Node SDKs);
    /// a `data` object without `status` counts as `SUCCESS`, because the official Python SDK
    /// answers an event with the event's own data and DingTalk documents that SDK's answer as
    /// an acknowledgement. A callback is acknowledged by code 200 whatever its `data`
    /// (`{"response": ...}`).
    pub fn status(&self, topic: &Topic) -> Option<&'static str> {
        if self.code != Some(200) {
            return None;
        }
        if *topic != Topic::Event {
            return Some("SUCCESS");
        }
        let data: Value = serde_json::from_str(&self.data).ok()?;
        match data.as_object()?.get("status") {
            None => Some("SUCCESS"),
            Some(status) => match status.as_str()? {
                "SUCCESS" => Some("SUCCESS"),
                "LATER" => Some("LATER"),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u64, data: &str) -> Reply {
        let text = json!({"code": code, "headers": {"messageId": "m"}, "data": data}).to_string();
        Reply::parse(&text)
    }

    #[test]
    fn an_event_is_acknowledged_by_success_or_by_data_without_a_status() {
        assert_eq!(
            reply(200, r#"{"status":"SUCCESS"}"#).status(&Topic::Event),
            Some("SUCCESS")
        );
        assert_eq!(
            reply(200, r#"{"status":"LATER"}"#).status(&Topic::Event),
            Some("LATER")
        );
        // The official Python SDK's answer: the event's own data.
        assert_eq!(
            reply(200, r#"{"taskId": "t1"}"#).status(&Topic::Event),
            Some("SUCCESS")
        );
        assert_eq!(
            reply(200, r#"{"status":"FAILED"}"#).status(&Topic::Event),
            None
        );
        assert_eq!(reply(200, "not json").status(&Topic::Event), None);
        assert_eq!(
            reply(404, r#"{"status":"SUCCESS"}"#).status(&Topic::Event),
            None
        );
    }

    #[test]
    fn a_callback_is_acknowledged_by_code_200() {
        let bot = Topic::Callback("/v1.0/im/bot/messages/get".to_owned());
        assert_eq!(
            reply(200, r#"{"response":null}"#).status(&bot),
            Some("SUCCESS")
        );
        assert_eq!(reply(200, "").status(&bot), Some("SUCCESS"));
        assert_eq!(reply(500, r#"{"response":null}"#).status(&bot), None);
    }
}
