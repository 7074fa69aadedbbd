//! The control API under `/_emulator/`, for tests: script faults, expire tokens, count calls,
//! reset, look at what was stored, raise events and see how they were delivered, and act on
//! the Stream connections. Its answers are plain JSON; its errors are `{"error": "..."}` with
//! HTTP 400: they are the test's mistakes, not DingTalk behaviour. Control paths are never
//! faulted and never counted.
//!
//! - [`faults`] serves `/_emulator/faults`.
//! - [`inspect`] serves `/_emulator/{stats,records,todos}`.
//! - [`reset`] serves `/_emulator/{reset,expire-tokens}`.
//! - [`events`] serves `/_emulator/{push,events}`: raise an event; how every event was
//!   delivered.
//! - [`stream`] serves `/_emulator/stream/...`: what a test does to the open Stream
//!   connections.
//! - [`messages`] serves `/_emulator/{messages,webhooks,conversations,robot/flow-controlled}`:
//!   what each user, group and webhook received; the webhook robots and groups a test sets up.

pub mod events;
pub mod faults;
pub mod inspect;
pub mod messages;
pub mod reset;
pub mod stream;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::family::json;

/// An answer of the control API: HTTP 200 with this JSON.
fn answer(value: &Value) -> Response {
    json(StatusCode::OK, value.to_string())
}

/// `{"ok": true}`.
fn ok() -> Response {
    answer(&json!({ "ok": true }))
}

/// A refusal of the control API: HTTP 400 `{"error": message}`, a mistake of the test.
fn refuse(message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        json!({ "error": message }).to_string(),
    )
}

/// The body, or the refusal of one that could not be read (boxed: refusals are the rare path).
fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Box<Response>> {
    body.map_err(|rejection| Box::new(refuse(&rejection.body_text())))
}

/// The body as an object of `known` keys; an empty body is `{}`.
fn body_object(
    body: Result<Bytes, BytesRejection>,
    known: &[&str],
) -> Result<Map<String, Value>, Box<Response>> {
    let body = read_body(body)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&body) else {
        return Err(Box::new(refuse("the body must be a JSON object")));
    };
    refuse_unknown_keys(&object, known)?;
    Ok(object)
}

/// Refuses the first key of `object` that is not `known`, so a typo fails loudly.
fn refuse_unknown_keys(object: &Map<String, Value>, known: &[&str]) -> Result<(), Box<Response>> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(Box::new(refuse(&format!(
            "unknown key {unknown:?} (known: {})",
            known.join(", ")
        )))),
        None => Ok(()),
    }
}
