//! DingTalk's APIs as the emulator serves them, one folder per API: its routes (handlers), the
//! fields of its bodies with DingTalk's limits and messages, and what it stores.
//!
//! - [`identity`]: userid ↔ unionId (oapi).
//! - [`workrecord`]: the legacy work records (oapi).
//! - [`todo`](mod@todo): the to-do tasks (v1.0), and the events their changes raise.
//!
//! The access-token endpoints are in `auth/`, Stream mode's gateway in `stream/`. Every oapi
//! call goes through [`oapi_call`]; the to-do calls check their path ids too, so they have
//! their own (`todo/call.rs`).

pub mod identity;
pub mod todo;
pub mod workrecord;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::auth::check::oapi_caller;
use crate::family::oapi;
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
    let body = body.map_err(|rejection| Box::new(oapi::body_rejection(state, &rejection)))?;
    oapi_caller(state, api, query)?;
    let object = oapi::object_body(state, &body)?;
    fields(&object)
        .map_err(|message| Box::new(oapi::error(state, oapi::INVALID_PARAMETER, &message)))
}
