//! What every oapi (`/topapi/...`) call starts with: the body could be read, the
//! `?access_token=`, the QPS limit, then a JSON object body. Refusals are HTTP 200 with
//! an errcode, as DingTalk sends them.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::errors::{self, oapi_error, INVALID_PARAMETER};
use crate::params::json_object;
use crate::state::AppState;
use crate::token::{authorize, qps_limited};

/// Returns the JSON body, or the answer that refuses the call (boxed: refusals are
/// the rare path).
pub fn prelude(
    state: &AppState,
    api: &'static str,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Map<String, Value>, Box<Response>> {
    let refuse = |response: Response| Box::new(response);
    let body = body.map_err(|rejection| refuse(errors::body_rejection(state, api, &rejection)))?;
    let app = authorize(state, query).map_err(|refusal| refuse(refusal.response(state)))?;
    if !state.qps.allow(app, api) {
        return Err(refuse(qps_limited(state)));
    }
    json_object(&body).map_err(|message| refuse(oapi_error(state, INVALID_PARAMETER, &message)))
}
