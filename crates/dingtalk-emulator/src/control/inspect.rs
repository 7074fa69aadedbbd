//! A look at what the emulator counted and stored: `/_emulator/{stats,records,todos}`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{answer, refuse};
use crate::family::json;
use crate::params::query_param;
use crate::state::AppState;
use crate::sync::lock;

/// `GET /_emulator/stats`: token fetches, requests per path, QPS refusals, requests in flight.
pub async fn stats(State(state): State<Arc<AppState>>) -> Response {
    answer(&json!(state.stats.snapshot()))
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
    answer(&json!({ "todos": todos }))
}
