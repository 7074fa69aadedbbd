//! What every v1.0 call starts with (the token header, the QPS limit, a JSON body)
//! and how it answers success: HTTP 200 with `requestId` in the body and the
//! `x-acs-request-id` header.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};

use crate::errors::{v1_invalid_parameter, v1_json};
use crate::params::json_object;
use crate::state::AppState;
use crate::token::{authorize_v1, v1_qps_limited};

/// The app behind the token header, within its QPS allowance for `api`.
pub fn authorize(
    state: &AppState,
    api: &'static str,
    headers: &HeaderMap,
) -> Result<usize, Box<Response>> {
    let app =
        authorize_v1(state, headers).map_err(|refusal| Box::new(refusal.v1_response(state)))?;
    if !state.qps.allow(app, api) {
        return Err(Box::new(v1_qps_limited(state)));
    }
    Ok(app)
}

/// The body as a JSON object; an empty body is an empty object.
pub fn json_body(state: &AppState, body: &[u8]) -> Result<Map<String, Value>, Box<Response>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    json_object(body).map_err(|message| Box::new(v1_invalid_parameter(state, &message)))
}

/// HTTP 200 with `body` plus its `requestId`.
pub fn ok(state: &AppState, mut body: Map<String, Value>) -> Response {
    let request_id = state.ids.request_id();
    body.insert("requestId".to_owned(), Value::String(request_id.clone()));
    v1_json(StatusCode::OK, Value::Object(body).to_string(), &request_id)
}
