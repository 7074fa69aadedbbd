//! What every oapi (`/topapi/...`) call starts with, in DingTalk's order: the body could be
//! read, the `?access_token=`, the QPS limit, then a JSON object body. Refusals are HTTP 200
//! with an errcode, as DingTalk sends them.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::auth::check::oapi_caller;
use crate::family::oapi;
use crate::state::AppState;

/// Returns the JSON body, or the answer that refuses the call (boxed: refusals are the rare
/// path).
pub fn prelude(
    state: &AppState,
    api: &'static str,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Map<String, Value>, Box<Response>> {
    let body = body.map_err(|rejection| Box::new(oapi::body_rejection(state, &rejection)))?;
    oapi_caller(state, api, query)?;
    oapi::object_body(state, &body)
}
