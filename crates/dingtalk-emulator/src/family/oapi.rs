//! How the oapi family answers: HTTP 200 with `{"errcode","errmsg","request_id"}` (errcode 0
//! on success), as DingTalk sends even its errors; a request body must be a JSON object.

use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{closing, json, too_large_message, unreadable_message};
use crate::params::json_object;
use crate::state::AppState;

/// errcode of a request DingTalk cannot use: missing or malformed parameter.
pub const INVALID_PARAMETER: i64 = 40035;

#[derive(Serialize)]
struct ErrorBody<'a> {
    errcode: i64,
    errmsg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_msg: Option<&'a str>,
    request_id: &'a str,
}

/// The body of an oapi error.
pub fn error_body(
    errcode: i64,
    errmsg: &str,
    sub_code: Option<&str>,
    sub_msg: Option<&str>,
    request_id: &str,
) -> String {
    let body = ErrorBody {
        errcode,
        errmsg,
        sub_code,
        sub_msg,
        request_id,
    };
    // Serialising a struct of strings and integers cannot fail; an empty object is a safe fallback.
    serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}"))
}

/// An oapi error the way DingTalk sends it: HTTP 200.
pub fn error(state: &AppState, errcode: i64, errmsg: &str) -> Response {
    error_with_status(state, StatusCode::OK, errcode, errmsg)
}

/// An oapi error with another status: the emulator's own refusals, which use the status as
/// errcode too.
fn error_with_status(state: &AppState, status: StatusCode, errcode: i64, errmsg: &str) -> Response {
    let request_id = state.ids.request_id();
    json(status, error_body(errcode, errmsg, None, None, &request_id))
}

/// A path no route knows: HTTP 404.
pub fn not_found(state: &AppState, path: &str) -> Response {
    error_with_status(
        state,
        StatusCode::NOT_FOUND,
        404,
        &format!("not found: {path}"),
    )
}

/// A known path called with the wrong method: HTTP 405.
pub fn method_not_allowed(state: &AppState, method: &str, path: &str) -> Response {
    let message = format!("method {method} not allowed for {path}");
    error_with_status(state, StatusCode::METHOD_NOT_ALLOWED, 405, &message)
}

/// A body over [`BODY_LIMIT`](crate::config::BODY_LIMIT): HTTP 413, and the connection closed.
pub fn too_large(state: &AppState) -> Response {
    let message = too_large_message();
    closing(error_with_status(
        state,
        StatusCode::PAYLOAD_TOO_LARGE,
        413,
        &message,
    ))
}

/// A body that could not be read: too large (413), or 40035.
pub fn body_rejection(state: &AppState, rejection: &BytesRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(state);
    }
    error(state, INVALID_PARAMETER, &unreadable_message(rejection))
}

/// The body as a JSON object, or the 40035 that refuses it (boxed: refusals are the rare path).
pub fn object_body(state: &AppState, body: &[u8]) -> Result<Map<String, Value>, Box<Response>> {
    json_object(body).map_err(|message| Box::new(error(state, INVALID_PARAMETER, &message)))
}
