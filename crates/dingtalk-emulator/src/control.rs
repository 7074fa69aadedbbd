//! The control API under `/_emulator/`, for tests: faults, token expiry, counts,
//! reset and a look at stored records and to-dos. Its errors are plain `{"error": "..."}` with
//! HTTP 400: they are the test's mistakes, not DingTalk behaviour.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::family::json;
use crate::params::query_param;
use crate::state::AppState;
use crate::sync::lock;

/// An answer of the control API: this status and JSON.
pub(crate) fn answer(status: StatusCode, value: &serde_json::Value) -> Response {
    json(status, value.to_string())
}

/// A refusal of the control API: HTTP 400 `{"error": message}`, a mistake of the test.
pub(crate) fn refuse(message: &str) -> Response {
    answer(StatusCode::BAD_REQUEST, &json!({ "error": message }))
}

fn ok() -> Response {
    answer(StatusCode::OK, &json!({ "ok": true }))
}

/// `POST /_emulator/faults`: queue a list of faults (all or none).
pub async fn push_faults(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refuse(&rejection.body_text()),
    };
    match state.faults.push_json(&body) {
        Ok(queued) => answer(StatusCode::OK, &json!({ "queued": queued })),
        Err(message) => refuse(&message),
    }
}

/// `GET /_emulator/faults`: what is still queued.
pub async fn list_faults(State(state): State<Arc<AppState>>) -> Response {
    let faults: Vec<_> = state
        .faults
        .pending()
        .into_iter()
        .map(|(path, remaining)| json!({ "path": path, "remaining": remaining }))
        .collect();
    answer(StatusCode::OK, &json!({ "faults": faults }))
}

/// `DELETE /_emulator/faults`: drop every queued fault.
pub async fn clear_faults(State(state): State<Arc<AppState>>) -> Response {
    state.faults.clear();
    ok()
}

/// `POST /_emulator/expire-tokens`: every token issued so far is expired from now.
pub async fn expire_tokens(State(state): State<Arc<AppState>>) -> Response {
    lock(&state.tokens).expire_all(Instant::now());
    ok()
}

/// `GET /_emulator/stats`: token fetches, requests per path, QPS refusals, requests in flight.
pub async fn stats(State(state): State<Arc<AppState>>) -> Response {
    answer(StatusCode::OK, &json!(state.stats.snapshot()))
}

/// `POST /_emulator/reset`: back to the state at start.
pub async fn reset(State(state): State<Arc<AppState>>) -> Response {
    state.reset();
    ok()
}

/// `GET /_emulator/records?userid=U`: every record stored for the user, done or not.
pub async fn records(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let Some(userid) = query_param(query.as_deref(), "userid") else {
        return refuse("missing parameter userid");
    };
    let records = lock(&state.records).dump_json(&userid);
    json(StatusCode::OK, format!(r#"{{"records":{records}}}"#))
}

/// `GET /_emulator/todos?unionId=U`: every task U takes part in (every task without
/// `unionId`), deleted ones included and marked.
pub async fn todos(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let union_id = query_param(query.as_deref(), "unionId");
    let todos = lock(&state.todos).dump(union_id.as_deref());
    answer(StatusCode::OK, &json!({ "todos": todos }))
}
