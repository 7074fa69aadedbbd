//! DingTalk's APIs as the emulator serves them, one folder per API: its routes (handlers), the
//! fields of its bodies with DingTalk's limits and messages, and what it stores.
//!
//! - [`identity`]: userid ↔ unionId (oapi).
//! - [`workrecord`]: the legacy work records (oapi).
//! - [`todo`](mod@todo): the to-do tasks (v1.0), and the events their changes raise.
//! - [`worknotice`]: work notifications (oapi); [`webhook`]: group webhook robots (no app
//!   token); [`robot`]: the app robot's messages (v1.0). [`message`] holds what they share:
//!   the one message shape and the inbox.
//!
//! The access-token endpoints are in `auth/`, Stream mode's gateway in `stream/`. Every oapi
//! call goes through [`oapi_call`] (or [`oapi_app_call`]), every app robot call through
//! [`v1_app_call`]; the to-do calls check their path ids too, so they have their own
//! (`todo/call.rs`).

pub mod identity;
pub mod message;
pub mod robot;
pub mod todo;
pub mod webhook;
pub mod worknotice;
pub mod workrecord;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::auth::check::{oapi_caller, v1_caller};
use crate::family::{oapi, v1};
use crate::state::AppState;

/// What every oapi call checks, in DingTalk's order: the body could be read, the
/// `?access_token=`, the QPS limit, the body is a JSON object, then the call's own `fields`. A
/// refused field answers 40035 with a message that names it. The fields, or the answer that
/// refuses the call (boxed: refusals are the rare path).
pub fn oapi_call<T>(
    state: &AppState,
    api: &'static str,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
    fields: impl FnOnce(&Map<String, Value>) -> Result<T, String>,
) -> Result<T, Box<Response>> {
    oapi_app_call(state, api, query, body, fields).map(|(_, fields)| fields)
}

/// [`oapi_call`], with the index of the app whose token was used.
pub fn oapi_app_call<T>(
    state: &AppState,
    api: &'static str,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
    fields: impl FnOnce(&Map<String, Value>) -> Result<T, String>,
) -> Result<(usize, T), Box<Response>> {
    let body = body.map_err(|rejection| Box::new(oapi::body_rejection(state, &rejection)))?;
    let app = oapi_caller(state, api, query)?;
    let object = oapi::object_body(state, &body)?;
    let fields = fields(&object)
        .map_err(|message| Box::new(oapi::error(state, oapi::INVALID_PARAMETER, &message)))?;
    Ok((app, fields))
}

/// What a v1.0 call without path ids checks, in DingTalk's order: the body could be read, the
/// `x-acs-dingtalk-access-token` header, the QPS limit, the body is a JSON object (an empty or
/// absent body is `{}`). The index of the app whose token was used, and the body.
pub fn v1_app_call(
    state: &AppState,
    api: &'static str,
    headers: &HeaderMap,
    body: Option<Result<Bytes, BytesRejection>>,
) -> Result<(usize, Map<String, Value>), Box<Response>> {
    let body = body
        .transpose()
        .map_err(|rejection| Box::new(v1::body_rejection(state, &rejection)))?;
    let app = v1_caller(state, api, headers)?;
    let object = match body {
        Some(body) => v1::json_body(state, &body)?,
        None => Map::new(),
    };
    Ok((app, object))
}
