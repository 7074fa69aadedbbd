//! The answer a fault makes instead of the emulator's own. Its texts may hold `{query}`, filled
//! with the request's raw query as the client encoded it.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use super::fault::FaultAction;
use super::raw_body::{fill, RawBody};
use crate::family::{json, oapi, v1};
use crate::state::AppState;

/// The answer of `action` to a request whose raw query is `query`; `None` when the connection
/// is to be closed without one.
pub fn answer(state: &AppState, action: FaultAction, query: &str) -> Option<Response> {
    let fill = |text: &str| fill(text, query);
    match action {
        FaultAction::Pass => Some(Response::new(Body::empty())),
        FaultAction::Drop => None,
        FaultAction::Error {
            errcode,
            errmsg,
            sub_code,
            sub_msg,
            request_id,
        } => {
            let request_id = request_id.map_or_else(|| state.ids.request_id(), |r| fill(&r));
            let body = oapi::error_body(
                errcode,
                &fill(&errmsg),
                sub_code.as_deref().map(fill).as_deref(),
                sub_msg.as_deref().map(fill).as_deref(),
                &request_id,
            );
            Some(json(StatusCode::OK, body))
        }
        FaultAction::V1Error {
            status,
            code,
            message,
            required_scopes,
        } => {
            let request_id = state.ids.request_id();
            let body = v1::error_body(
                &fill(&code),
                &fill(&message),
                required_scopes.as_deref(),
                &request_id,
            );
            Some(v1::respond(status, body, &request_id))
        }
        FaultAction::Raw {
            status,
            body,
            content_type,
            location,
        } => Some(raw(
            status,
            body,
            content_type,
            location.map(|l| fill(&l)),
            query,
        )),
    }
}

/// A raw answer: its headers say what the body is (length when known, gzip) and where a
/// redirect goes.
fn raw(
    status: StatusCode,
    body: RawBody,
    content_type: String,
    location: Option<String>,
    query: &str,
) -> Response {
    let mut headers = vec![(header::CONTENT_TYPE, content_type)];
    if let Some(length) = body.announced_length() {
        headers.push((header::CONTENT_LENGTH, length.to_string()));
    }
    if body.gzip {
        headers.push((header::CONTENT_ENCODING, "gzip".to_owned()));
    }
    if let Some(location) = location {
        headers.push((header::LOCATION, location));
    }
    let mut response = Response::new(body.into_body(query));
    *response.status_mut() = status;
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
