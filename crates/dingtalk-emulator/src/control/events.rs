//! `POST /_emulator/push` (raise an event now) and `GET /_emulator/events` (how every event
//! was delivered: pushed over HTTP, and over the Stream connections).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::{answer, read_body, refuse, refuse_unknown_keys};
use crate::params::query_param;
use crate::state::AppState;

/// The longest `?wait=` honoured.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// `POST /_emulator/push` with `{"type": "todo_task_update", "data": {...}}`: raises the event
/// now (pushed to the push URL, if any, and delivered to every open Stream connection);
/// answers its HTTP push log id (`null` without a push URL) and its eventId at once, before
/// the delivery.
pub async fn push(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = or_refuse!(read_body(body));
    let Ok(Value::Object(mut request)) = serde_json::from_slice::<Value>(&body) else {
        return refuse("the body must be a JSON object {\"type\": \"...\", \"data\": {...}}");
    };
    let event_type = match request.remove("type") {
        Some(Value::String(t)) if !t.is_empty() => t,
        _ => return refuse("type must be a non-empty string"),
    };
    let data = match request.remove("data") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(data)) => data,
        Some(_) => return refuse("data must be a JSON object"),
    };
    // What is left is unknown.
    or_refuse!(refuse_unknown_keys(&request, &["type", "data"]));
    let (id, event_id) = state.raise_event(&event_type, data);
    answer(&json!({ "id": id, "eventId": event_id }))
}

/// `GET /_emulator/events[?wait=SECS]`: every event pushed, with its attempts, and under
/// `stream` the Stream connections and every event with its deliveries. With `wait`, answers
/// once no event is being pushed any more and no Stream delivery on an open connection awaits
/// its answer (or after `wait` seconds, at most 60).
pub async fn events(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let wait = match query_param(query.as_deref(), "wait") {
        None => None,
        Some(text) => match text.parse::<f64>() {
            Ok(secs) if secs.is_finite() && secs >= 0.0 => {
                Some(Duration::from_secs_f64(secs).min(MAX_WAIT))
            }
            _ => return refuse("wait must be a number of seconds"),
        },
    };
    let started = tokio::time::Instant::now();
    let pushes_settled = match (&state.push, wait) {
        (Some(pusher), Some(limit)) => pusher.log.settled(limit).await,
        _ => false,
    };
    if let Some(limit) = wait {
        state
            .stream
            .settled(limit.saturating_sub(started.elapsed()))
            .await;
    }
    let stream = state.stream.snapshot();
    let stream_settled = stream["settled"].as_bool().unwrap_or(false);
    let Some(pusher) = &state.push else {
        return answer(
            &json!({ "events": [], "pending": 0, "settled": stream_settled, "stream": stream }),
        );
    };
    let (entries, pending) = pusher.log.snapshot();
    answer(&json!({
            "receive_id": pusher.receive_id(),
            "events": entries,
            "pending": pending,
            "settled": (pushes_settled || pending == 0) && stream_settled,
            "stream": stream,
    }))
}
