//! `/_emulator/faults`: queue faults, list what is still queued, clear the queue.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{answer, ok, read_body, refuse};
use crate::state::AppState;

/// `POST /_emulator/faults`: queue a list of faults (all or none).
pub async fn push(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = or_refuse!(read_body(body));
    match state.faults.push_json(&body) {
        Ok(queued) => answer(&json!({ "queued": queued })),
        Err(message) => refuse(&message),
    }
}

/// `GET /_emulator/faults`: what is still queued.
pub async fn list(State(state): State<Arc<AppState>>) -> Response {
    let faults: Vec<_> = state
        .faults
        .pending()
        .into_iter()
        .map(|(path, remaining)| json!({ "path": path, "remaining": remaining }))
        .collect();
    answer(&json!({ "faults": faults }))
}

/// `DELETE /_emulator/faults`: drop every queued fault.
pub async fn clear(State(state): State<Arc<AppState>>) -> Response {
    state.faults.clear();
    ok()
}
