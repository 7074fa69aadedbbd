//! How the v1.0 family answers: errors as HTTP 4xx with `{"code","message","requestid"}`,
//! successes as HTTP 200 with `requestId` in the body, and every answer with the
//! `x-acs-request-id` header; an empty request body reads as `{}`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{closing, json, too_large_message, unreadable_message};
use crate::params::json_object;
use crate::state::AppState;

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    requestid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    accessdenieddetail: Option<AccessDeniedDetail<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccessDeniedDetail<'a> {
    required_scopes: &'a [String],
}

/// The body of a v1.0 error; `required_scopes` adds DingTalk's `accessdenieddetail`.
pub fn error_body(
    code: &str,
    message: &str,
    required_scopes: Option<&[String]>,
    request_id: &str,
) -> String {
    let body = ErrorBody {
        code,
        message,
        requestid: request_id,
        accessdenieddetail: required_scopes
            .map(|required_scopes| AccessDeniedDetail { required_scopes }),
    };
    serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}"))
}

/// A v1.0 answer: JSON, with the request id also in the `x-acs-request-id` header.
pub fn respond(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut response = json(status, body);
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-acs-request-id", value);
    }
    response
}

/// HTTP 200 with `body` plus its `requestId`.
pub fn ok(state: &AppState, mut body: Map<String, Value>) -> Response {
    let request_id = state.ids.request_id();
    body.insert("requestId".to_owned(), Value::String(request_id.clone()));
    respond(StatusCode::OK, Value::Object(body).to_string(), &request_id)
}

/// A v1.0 error: 4xx with `{code, message, requestid}`.
pub fn error(state: &AppState, status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = state.ids.request_id();
    respond(
        status,
        error_body(code, message, None, &request_id),
        &request_id,
    )
}

/// v1.0's refusal of a parameter: HTTP 400 `InvalidParameter`.
pub fn invalid_parameter(state: &AppState, message: &str) -> Response {
    error(state, StatusCode::BAD_REQUEST, "InvalidParameter", message)
}

/// A required parameter absent: DingTalk's gateway names it in the code itself.
pub fn missing(state: &AppState, name: &str) -> Response {
    error(
        state,
        StatusCode::BAD_REQUEST,
        &format!("Missing{name}"),
        &format!("{name} is mandatory for this action."),
    )
}

/// A required, non-empty string field of `object`, or `Missing<name>`.
pub fn required_text<'a>(
    state: &AppState,
    object: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, Box<Response>> {
    object
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Box::new(missing(state, name)))
}

/// An unknown path, or a known one with the wrong method: DingTalk's v1.0 gateway routes by
/// method and path, so both are an unknown API (404).
pub fn not_found(state: &AppState, method: &Method, path: &str) -> Response {
    let message =
        format!("Specified api is not found, please check your url and method: {method} {path}");
    error(
        state,
        StatusCode::NOT_FOUND,
        "InvalidAction.NotFound",
        &message,
    )
}

/// A body over [`BODY_LIMIT`](crate::config::BODY_LIMIT): HTTP 413, and the connection closed.
pub fn too_large(state: &AppState) -> Response {
    closing(error(
        state,
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        &too_large_message(),
    ))
}

/// A body that could not be read: too large (413), or `InvalidParameter`.
pub fn body_rejection(state: &AppState, rejection: &BytesRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(state);
    }
    invalid_parameter(state, &unreadable_message(rejection))
}

/// The body as a JSON object; an empty body is an empty object.
pub fn json_body(state: &AppState, body: &[u8]) -> Result<Map<String, Value>, Box<Response>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    json_object(body).map_err(|message| Box::new(invalid_parameter(state, &message)))
}

/// The body of a call that must send one (credentials) as a JSON object, or the answer that
/// refuses it (boxed: refusals are the rare path).
pub fn object_body(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> Result<Map<String, Value>, Box<Response>> {
    let body = body.map_err(|rejection| Box::new(body_rejection(state, &rejection)))?;
    json_object(&body).map_err(|message| Box::new(invalid_parameter(state, &message)))
}
