//! Answers in DingTalk's two error shapes, and the fallbacks for unknown paths and methods.
//!
//! Legacy "oapi" paths answer HTTP 200 with `{"errcode","errmsg","request_id"}`; `/v1.0/`
//! paths answer 4xx with `{"code","message","requestid"}`. Transport-level refusals
//! (unknown path, wrong method, body too large) use the HTTP status as errcode too.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::params::json_object;
use crate::state::AppState;

/// errcode of a request DingTalk cannot use: missing or malformed parameter.
pub const INVALID_PARAMETER: i64 = 40035;

const JSON: HeaderValue = HeaderValue::from_static("application/json;charset=utf-8");

/// A JSON answer with the given status.
pub fn json(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, JSON);
    response
}

#[derive(Serialize)]
struct OapiError<'a> {
    errcode: i64,
    errmsg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_msg: Option<&'a str>,
    request_id: &'a str,
}

/// The body of an oapi error.
pub fn oapi_error_body(
    errcode: i64,
    errmsg: &str,
    sub_code: Option<&str>,
    sub_msg: Option<&str>,
    request_id: &str,
) -> String {
    let body = OapiError {
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
pub fn oapi_error(state: &AppState, errcode: i64, errmsg: &str) -> Response {
    oapi_error_with_status(state, StatusCode::OK, errcode, errmsg)
}

pub fn oapi_error_with_status(
    state: &AppState,
    status: StatusCode,
    errcode: i64,
    errmsg: &str,
) -> Response {
    let request_id = state.ids.request_id();
    json(
        status,
        oapi_error_body(errcode, errmsg, None, None, &request_id),
    )
}

#[derive(Serialize)]
struct V1Error<'a> {
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
pub fn v1_error_body(
    code: &str,
    message: &str,
    required_scopes: Option<&[String]>,
    request_id: &str,
) -> String {
    let body = V1Error {
        code,
        message,
        requestid: request_id,
        accessdenieddetail: required_scopes
            .map(|required_scopes| AccessDeniedDetail { required_scopes }),
    };
    serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}"))
}

/// A v1.0 answer: JSON, with the request id also in the `x-acs-request-id` header.
pub fn v1_json(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut response = json(status, body);
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-acs-request-id", value);
    }
    response
}

/// A v1.0 error: 4xx with `{code, message, requestid}`.
pub fn v1_error(state: &AppState, status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = state.ids.request_id();
    v1_json(
        status,
        v1_error_body(code, message, None, &request_id),
        &request_id,
    )
}

fn is_v1(path: &str) -> bool {
    path.starts_with("/v1.0/")
}

/// Fallback for paths no route knows.
pub async fn not_found(State(state): State<Arc<AppState>>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if is_v1(path) {
        v1_not_found(&state, &method, path)
    } else {
        let message = format!("not found: {path}");
        oapi_error_with_status(&state, StatusCode::NOT_FOUND, 404, &message)
    }
}

/// Fallback for a known path called with the wrong method. DingTalk's v1.0 gateway
/// routes by method and path, so there a wrong method is an unknown API (404).
pub async fn method_not_allowed(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
) -> Response {
    let path = uri.path();
    if is_v1(path) {
        v1_not_found(&state, &method, path)
    } else {
        let message = format!("method {method} not allowed for {path}");
        oapi_error_with_status(&state, StatusCode::METHOD_NOT_ALLOWED, 405, &message)
    }
}

fn v1_not_found(state: &AppState, method: &Method, path: &str) -> Response {
    let message =
        format!("Specified api is not found, please check your url and method: {method} {path}");
    v1_error(
        state,
        StatusCode::NOT_FOUND,
        "InvalidAction.NotFound",
        &message,
    )
}

/// The answer for a body over [`crate::BODY_LIMIT`]; the connection is closed after it
/// so the rest of the body is never read.
pub fn body_too_large(state: &AppState, path: &str) -> Response {
    let message = format!("request body larger than {} bytes", crate::BODY_LIMIT);
    let mut response = if is_v1(path) {
        v1_error(
            state,
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            &message,
        )
    } else {
        oapi_error_with_status(state, StatusCode::PAYLOAD_TOO_LARGE, 413, &message)
    };
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// v1.0's refusal of a parameter: HTTP 400 `InvalidParameter`.
pub fn v1_invalid_parameter(state: &AppState, message: &str) -> Response {
    v1_error(state, StatusCode::BAD_REQUEST, "InvalidParameter", message)
}

/// The body of a v1.0 call that must send one (credentials) as a JSON object, or the
/// answer that refuses it (boxed: refusals are the rare path).
pub fn v1_object_body(
    state: &AppState,
    api: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<Map<String, Value>, Box<Response>> {
    let body = body.map_err(|rejection| Box::new(body_rejection(state, api, &rejection)))?;
    json_object(&body).map_err(|message| Box::new(v1_invalid_parameter(state, &message)))
}

/// Maps a failure to read the body (too large, or the client went away) to an answer.
pub fn body_rejection(state: &AppState, path: &str, rejection: &BytesRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        body_too_large(state, path)
    } else {
        let message = format!("could not read the request body: {}", rejection.body_text());
        if is_v1(path) {
            v1_invalid_parameter(state, &message)
        } else {
            oapi_error(state, INVALID_PARAMETER, &message)
        }
    }
}
