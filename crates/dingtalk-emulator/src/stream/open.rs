//! `POST /v1.0/gateway/connections/open`: the app's key and secret (`clientId`,
//! `clientSecret`) in, the WebSocket endpoint and a one-use ticket out. No access token: the
//! credentials are the body.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::socket::CONNECT;
use crate::family::v1;
use crate::state::AppState;

pub const OPEN: &str = "/v1.0/gateway/connections/open";

/// `POST /v1.0/gateway/connections/open` with `{"clientId", "clientSecret", "subscriptions",
/// "ua"}`: `{"endpoint": "ws://HOST/connect", "ticket": "..."}`.
pub async fn open(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(v1::object_body(&state, body));
    let key = or_refuse!(v1::required_text(&state, &object, "clientId"));
    let secret = or_refuse!(v1::required_text(&state, &object, "clientSecret"));
    if let Err(message) = check_subscriptions(&object) {
        return v1::invalid_parameter(&state, &message);
    }
    if state.find_app(key, secret).is_none() {
        return v1::error(
            &state,
            StatusCode::BAD_REQUEST,
            "invalidClientIdOrSecret",
            "无效的clientId或者clientSecret",
        );
    }
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
    else {
        return v1::invalid_parameter(
            &state,
            "no Host header: the emulator names its WebSocket endpoint after it",
        );
    };
    let ticket = state.stream.issue_ticket(
        key,
        object.get("ua").and_then(Value::as_str).unwrap_or_default(),
    );
    let request_id = state.ids.request_id();
    let endpoint = format!("{}://{host}{CONNECT}", state.stream.scheme);
    v1::respond(
        StatusCode::OK,
        json!({"endpoint": endpoint, "ticket": ticket}).to_string(),
        &request_id,
    )
}

/// `subscriptions`, when given: a list of `{"type": "EVENT"|"CALLBACK"|"SYSTEM", "topic"}`.
fn check_subscriptions(object: &Map<String, Value>) -> Result<(), String> {
    let Some(subscriptions) = object.get("subscriptions") else {
        return Ok(());
    };
    let Some(list) = subscriptions.as_array() else {
        return Err("subscriptions must be a list".to_owned());
    };
    for (at, item) in list.iter().enumerate() {
        let kind = item.get("type").and_then(Value::as_str);
        let topic = item.get("topic").and_then(Value::as_str);
        if !matches!(kind, Some("EVENT" | "CALLBACK" | "SYSTEM")) || topic.is_none() {
            return Err(format!(
                "subscriptions[{at}] must be {{\"type\": \"EVENT\"|\"CALLBACK\"|\"SYSTEM\", \"topic\": \"...\"}}"
            ));
        }
    }
    Ok(())
}
