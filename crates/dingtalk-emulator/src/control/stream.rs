//! `/_emulator/stream/...`: what a test does to the open Stream connections, the faults of
//! DingTalk's gateway it can script, and the Stream log.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::{answer, body_object, refuse, wait_param};
use crate::state::AppState;
use crate::stream::connections::Command;

/// How long a control call waits for connections to act on it.
const WAIT: Duration = Duration::from_secs(10);
/// The largest frame `send` makes.
const MAX_SEND_BYTES: u64 = 256 << 20;

/// `GET /_emulator/stream[?wait=SECS]`: the Stream log (also under `stream` of
/// `GET /_emulator/events`); with `wait`, once no delivery on an open connection awaits its
/// answer (or after `wait` seconds, at most 60).
pub async fn log(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    if let Some(limit) = or_refuse!(wait_param(query.as_deref())) {
        state.stream.settled(limit).await;
    }
    answer(&state.stream.snapshot())
}

/// Reads an optional boolean `key` of `object` (default `false`).
fn flag(object: &Map<String, Value>, key: &str) -> Result<bool, Box<Response>> {
    match object.get(key) {
        None => Ok(false),
        Some(Value::Bool(on)) => Ok(*on),
        Some(_) => Err(Box::new(refuse(&format!("{key} must be true or false")))),
    }
}

/// `POST /_emulator/stream/disconnect` `{"close_after"?: SECS, "keep_delivering"?: bool}`: a
/// `disconnect` frame to every connection messages are pushed over; each is closed by the
/// gateway `close_after` seconds later (default `--stream-disconnect-grace`). With
/// `keep_delivering` (a fault) messages keep going over those connections, before any other,
/// until they close.
pub async fn disconnect(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["close_after", "keep_delivering"]));
    let close_after = match object.get("close_after") {
        None => state.stream.config.disconnect_grace,
        Some(secs) => match secs.as_f64() {
            Some(secs) if secs.is_finite() && (0.0..=3600.0).contains(&secs) => {
                Duration::from_secs_f64(secs)
            }
            _ => return refuse("close_after must be a number of seconds from 0 to 3600"),
        },
    };
    let keeps_pushing = or_refuse!(flag(&object, "keep_delivering"));
    let count = state.stream.command_all(true, || Command::Disconnect {
        close_after,
        keeps_pushing,
    });
    answer(&json!({ "connections": count }))
}

/// `POST /_emulator/stream/drop`: every connection closed at once, without a close frame;
/// answers once they are closed.
pub async fn drop_all(State(state): State<Arc<AppState>>) -> Response {
    let count = state.stream.command_all(false, || Command::Drop);
    let closed = state.stream.wait_closed(WAIT).await;
    answer(&json!({ "connections": count, "closed": closed }))
}

/// `POST /_emulator/stream/silence` `{"keep_delivering"?: bool}`: every connection messages
/// are pushed over stops reading and writing (no pong, no frame, no ping) but stays open — a
/// zombie; answers once they all are silent. With `keep_delivering` the gateway goes on
/// choosing them for deliveries, which they swallow (redelivered after the redelivery delay).
pub async fn silence(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["keep_delivering"]));
    let keeps_pushing = or_refuse!(flag(&object, "keep_delivering"));
    let count = state
        .stream
        .command_all(true, || Command::Silence { keeps_pushing });
    let silent = state.stream.wait_silent(WAIT).await;
    answer(&json!({ "connections": count, "silent": silent }))
}

/// `POST /_emulator/stream/duplicate` `{"count"?: N, "same_message_id"?: bool}`: each of the
/// next N acknowledgements (default 1) is followed by a copy of what it acknowledged, over a
/// connection drawn as for any delivery: with a new messageId (the same eventId, or the same
/// data for a callback), or the acknowledged one with `same_message_id`.
pub async fn duplicate(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["count", "same_message_id"]));
    let count = or_refuse!(count(&object));
    let same_message_id = or_refuse!(flag(&object, "same_message_id"));
    state.stream.duplicate_next(count, same_message_id);
    answer(&json!({ "duplicating": count }))
}

/// `POST /_emulator/stream/callback` `{"topic": "/...", "data": {...}, "app"?: KEY}`: a
/// CALLBACK message of that topic raised for the app (the first by default), delivered over
/// one of its connections subscribed to the topic; answers its `id` in the log.
pub async fn callback(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["topic", "data", "app"]));
    let topic = match object.get("topic") {
        Some(Value::String(topic)) if topic.starts_with('/') => topic,
        _ => return refuse("topic must be a path starting with /"),
    };
    let data = match object.get("data") {
        None => Map::new(),
        Some(Value::Object(data)) => data.clone(),
        Some(_) => return refuse("data must be a JSON object"),
    };
    let app = or_refuse!(app(&state, &object));
    let id = state.stream.raise_callback(app.as_deref(), topic, data);
    answer(&json!({ "id": id }))
}

/// `app` of `object`, if given: the key of one of the emulator's apps.
pub fn app(state: &AppState, object: &Map<String, Value>) -> Result<Option<String>, Box<Response>> {
    match object.get("app") {
        None => Ok(None),
        Some(Value::String(app)) if state.apps.iter().any(|(key, _)| key == app) => {
            Ok(Some(app.clone()))
        }
        Some(_) => Err(Box::new(refuse(
            "app must be the key of an app of the emulator",
        ))),
    }
}

/// `count` of `object`: 0 to 1000, default 1.
fn count(object: &Map<String, Value>) -> Result<u64, Box<Response>> {
    match object.get("count") {
        None => Ok(1),
        Some(n) => match n.as_u64() {
            Some(n) if n <= 1000 => Ok(n),
            _ => Err(Box::new(refuse("count must be an integer from 0 to 1000"))),
        },
    }
}

/// `POST /_emulator/stream/refuse-tickets` `{"count": N}` (default 1): the next N WebSocket
/// handshakes are refused (HTTP 401), their tickets used up.
pub async fn refuse_tickets(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["count"]));
    let count = or_refuse!(count(&object));
    state.stream.refuse_tickets(count);
    answer(&json!({ "refusing": count }))
}

/// `POST /_emulator/stream/send` `{"text": "..."}` or `{"bytes": N}` (a text frame of N
/// `x`): sent as it is to every connection messages are pushed over.
pub async fn send(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["text", "bytes"]));
    let text = match (object.get("text"), object.get("bytes")) {
        (Some(Value::String(text)), None) => text.clone(),
        (None, Some(n)) => match n.as_u64() {
            Some(n) if n <= MAX_SEND_BYTES => "x".repeat(usize::try_from(n).unwrap_or(0)),
            _ => return refuse("bytes must be an integer up to 268435456"),
        },
        _ => return refuse("give either text (a string) or bytes (an integer)"),
    };
    let count = state
        .stream
        .command_all(true, || Command::Send(text.clone()));
    answer(&json!({ "connections": count }))
}
