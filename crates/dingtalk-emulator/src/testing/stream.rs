//! The control calls of Stream mode, bot messages and cards: the Stream log, the gateway's
//! faults, a user talking to the robot or pressing a card's button, and what users received.

use std::time::Duration;

use serde_json::{json, Value};

use super::{list, Control};

impl Control {
    /// The Stream-mode log (`stream` of `GET /_emulator/events`): `tickets`, `connections`,
    /// `open`, `events` with their `deliveries`, `pending`, `settled`.
    #[track_caller]
    pub fn stream(&self) -> Value {
        let mut answer = self.ok("GET", "/_emulator/events", None);
        answer["stream"].take()
    }

    /// The same, after waiting up to `wait_secs` for every delivery on an open connection to
    /// be answered.
    #[track_caller]
    pub fn stream_settled(&self, wait_secs: u64) -> Value {
        let mut answer = self.events(wait_secs);
        answer["stream"].take()
    }

    /// Sends a `disconnect` frame to every open Stream connection; how many there were.
    #[track_caller]
    pub fn stream_disconnect(&self) -> u64 {
        let answer = self.ok("POST", "/_emulator/stream/disconnect", None);
        answer["connections"].as_u64().unwrap_or(0)
    }

    /// Closes every Stream connection at once (no close frame); returns once they are closed.
    #[track_caller]
    pub fn stream_drop(&self) -> u64 {
        let answer = self.ok("POST", "/_emulator/stream/drop", None);
        answer["connections"].as_u64().unwrap_or(0)
    }

    /// Every open Stream connection stops reading and writing; returns once they all did.
    #[track_caller]
    pub fn stream_silence(&self) -> u64 {
        let answer = self.ok("POST", "/_emulator/stream/silence", None);
        answer["connections"].as_u64().unwrap_or(0)
    }

    /// The next `count` Stream handshakes are refused (HTTP 401).
    #[track_caller]
    pub fn refuse_tickets(&self, count: u64) {
        let body = serde_json::json!({ "count": count }).to_string();
        self.ok(
            "POST",
            "/_emulator/stream/refuse-tickets",
            Some(body.as_bytes()),
        );
    }

    /// Sends a text frame of exactly `text` to every open Stream connection.
    #[track_caller]
    pub fn stream_send_text(&self, text: &str) -> u64 {
        let body = serde_json::json!({ "text": text }).to_string();
        let answer = self.ok("POST", "/_emulator/stream/send", Some(body.as_bytes()));
        answer["connections"].as_u64().unwrap_or(0)
    }

    /// Sends a text frame of `bytes` bytes to every open Stream connection.
    #[track_caller]
    pub fn stream_send_bytes(&self, bytes: u64) -> u64 {
        let body = serde_json::json!({ "bytes": bytes }).to_string();
        let answer = self.ok("POST", "/_emulator/stream/send", Some(body.as_bytes()));
        answer["connections"].as_u64().unwrap_or(0)
    }

    /// The Stream log (`GET /_emulator/stream`), after waiting up to `wait_secs` for every
    /// delivery on an open connection to be answered (0: at once).
    #[track_caller]
    pub fn stream_log(&self, wait_secs: f64) -> Value {
        self.ok("GET", &format!("/_emulator/stream?wait={wait_secs}"), None)
    }

    /// Sends `disconnect` to every connection messages are pushed over, closed by the gateway
    /// `close_after` later (`None`: `--stream-disconnect-grace`); with `keep_delivering` they
    /// are still chosen first for deliveries until then. How many there were.
    #[track_caller]
    pub fn stream_disconnect_with(
        &self,
        close_after: Option<Duration>,
        keep_delivering: bool,
    ) -> u64 {
        let mut body = serde_json::json!({ "keep_delivering": keep_delivering });
        if let Some(after) = close_after {
            body["close_after"] = after.as_secs_f64().into();
        }
        let body = body.to_string();
        let answer = self.ok(
            "POST",
            "/_emulator/stream/disconnect",
            Some(body.as_bytes()),
        );
        answer["connections"].as_u64().unwrap_or(0)
    }

    /// Silences every connection messages are pushed over; with `keep_delivering` the gateway
    /// still chooses them for deliveries, which they swallow (zombies). How many there were.
    #[track_caller]
    pub fn stream_zombie(&self, keep_delivering: bool) -> u64 {
        let body = serde_json::json!({ "keep_delivering": keep_delivering }).to_string();
        let answer = self.ok("POST", "/_emulator/stream/silence", Some(body.as_bytes()));
        answer["connections"].as_u64().unwrap_or(0)
    }

    /// Each of the next `count` acknowledgements is followed by a copy of what it
    /// acknowledged (with the same messageId when `same_message_id`).
    #[track_caller]
    pub fn stream_duplicate(&self, count: u64, same_message_id: bool) {
        let body =
            serde_json::json!({ "count": count, "same_message_id": same_message_id }).to_string();
        self.ok("POST", "/_emulator/stream/duplicate", Some(body.as_bytes()));
    }

    /// Raises a CALLBACK message of `topic` with `data` for the first app; its id in the log.
    #[track_caller]
    pub fn stream_callback(&self, topic: &str, data: &Value) -> String {
        let body = serde_json::json!({ "topic": topic, "data": data }).to_string();
        let answer = self.ok("POST", "/_emulator/stream/callback", Some(body.as_bytes()));
        answer["id"].as_str().unwrap_or_default().to_owned()
    }

    /// `user` says `text` to the first app's robot (`POST /_emulator/bot/say`; `extra` adds
    /// `conversation`, `at`, `nick`, `app`); the answer: `id`, `msgId`, `conversationId`,
    /// `sessionWebhook`, `sessionWebhookExpiredTime`.
    #[track_caller]
    pub fn bot_say(&self, user: &str, text: &str, extra: &Value) -> Value {
        let mut body = json!({ "user": user, "text": text });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let body = body.to_string();
        self.ok("POST", "/_emulator/bot/say", Some(body.as_bytes()))
    }

    /// The card `out_track_id` as users see it now (`GET /_emulator/cards`), if it exists.
    #[track_caller]
    pub fn card(&self, out_track_id: &str) -> Option<Value> {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("outTrackId", out_track_id)
            .finish();
        list(
            self.ok("GET", &format!("/_emulator/cards?{query}"), None),
            "cards",
        )
        .into_iter()
        .next()
    }

    /// `user` presses button `action` of card `out_track_id` with the form's `params`; the
    /// answer: `delivered` (over Stream) and the callback's `id` in the Stream log.
    #[track_caller]
    pub fn card_callback(
        &self,
        out_track_id: &str,
        user: &str,
        action: &str,
        params: &Value,
    ) -> Value {
        let body =
            json!({ "outTrackId": out_track_id, "user": user, "action": action, "params": params });
        let body = body.to_string();
        self.ok("POST", "/_emulator/cards/callback", Some(body.as_bytes()))
    }
}
