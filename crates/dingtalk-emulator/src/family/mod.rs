//! What differs between DingTalk's two API families, as the emulator answers them (the same
//! two families as the client's `Family`: `Oapi` and `V1`).
//!
//! - [`oapi`] (`/gettoken`, `/topapi/...`): HTTP 200 with `{"errcode","errmsg","request_id"}`,
//!   errcode 0 on success; a body must be a JSON object.
//! - [`v1`] (`/v1.0/...`): errors as HTTP 4xx with `{"code","message","requestid"}`, successes
//!   with `requestId`, every answer with the `x-acs-request-id` header; an empty body is `{}`.
//!
//! Refusals made before any handler runs (unknown path, wrong method, body too large) take the
//! shape of the family the path belongs to ([`fallback`]); they use the HTTP status as errcode.

pub mod fallback;
pub mod oapi;
pub mod v1;

use axum::body::Body;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use crate::config::BODY_LIMIT;

/// DingTalk's API families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// The legacy family: `/gettoken`, `/topapi/...`.
    Oapi,
    /// The v1.0 family: `/v1.0/...`.
    V1,
}

impl Family {
    /// The family a request path belongs to.
    pub fn of_path(path: &str) -> Family {
        if path.starts_with("/v1.0/") {
            Family::V1
        } else {
            Family::Oapi
        }
    }
}

const JSON: HeaderValue = HeaderValue::from_static("application/json;charset=utf-8");

/// A JSON answer with the given status.
pub fn json(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, JSON);
    response
}

/// What a refusal of a body over [`BODY_LIMIT`] says, in either family.
fn too_large_message() -> String {
    format!("request body larger than {BODY_LIMIT} bytes")
}

/// Marks an answer to a body over [`BODY_LIMIT`]: the connection is closed after it, so the
/// rest of the body is never read.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Why a body could not be read, when it is not its size (the client went away, ...).
fn unreadable_message(rejection: &BytesRejection) -> String {
    format!("could not read the request body: {}", rejection.body_text())
}
