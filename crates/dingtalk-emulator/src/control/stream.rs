//! `/_emulator/stream/...`: what a test does to the open Stream connections.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};

use super::{answer, body_object, refuse};
use crate::state::AppState;
use crate::stream::connections::Command;

/// How long a control call waits for connections to act on it.
const WAIT: Duration = Duration::from_secs(10);
/// The largest frame `send` makes.
const MAX_SEND_BYTES: u64 = 256 << 20;

/// `POST /_emulator/stream/disconnect`: a `disconnect` frame to every open connection.
pub async fn disconnect(State(state): State<Arc<AppState>>) -> Response {
    let count = state.stream.command_all(false, || Command::Disconnect);
    answer(&json!({ "connections": count }))
}

/// `POST /_emulator/stream/drop`: every connection closed at once, without a close frame;
/// answers once they are closed.
pub async fn drop_all(State(state): State<Arc<AppState>>) -> Response {
    let count = state.stream.command_all(true, || Command::Drop);
    let closed = state.stream.wait_closed(WAIT).await;
    answer(&json!({ "connections": count, "closed": closed }))
}

/// `POST /_emulator/stream/silence`: every open connection stops reading and writing (no
/// pong, no frame) but stays open; answers once they all are silent.
pub async fn silence(State(state): State<Arc<AppState>>) -> Response {
    let count = state.stream.command_all(false, || Command::Silence);
    let silent = state.stream.wait_silent(WAIT).await;
    answer(&json!({ "connections": count, "silent": silent }))
}

/// `POST /_emulator/stream/refuse-tickets` `{"count": N}` (default 1): the next N WebSocket
/// handshakes are refused (HTTP 401), their tickets used up.
pub async fn refuse_tickets(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["count"]));
    let count = match object.get("count") {
        None => 1,
        Some(n) => match n.as_u64() {
            Some(n) if n <= 1000 => n,
            _ => return refuse("count must be an integer from 0 to 1000"),
        },
    };
    state.stream.refuse_tickets(count);
    answer(&json!({ "refusing": count }))
}

/// `POST /_emulator/stream/send` `{"text": "..."}` or `{"bytes": N}` (a text frame of N
/// `x`): sent as it is to every open connection.
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
        .command_all(false, || Command::Send(text.clone()));
    answer(&json!({ "connections": count }))
}
