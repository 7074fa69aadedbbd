//! The access-token endpoints: `GET /gettoken` (oapi) and `POST /v1.0/oauth2/accessToken`
//! (v1.0). Both issue the same tokens: while an app's token is valid, asking again returns it
//! with its expiry extended.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::check::{admit_oapi, admit_v1};
use crate::family::{json, oapi, v1};
use crate::params::query_param;
use crate::state::AppState;
use crate::sync::lock;

/// errcode for a wrong appkey/appsecret (the one DingTalk sends in practice).
const INVALID_CREDENTIALS: i64 = 40096;

pub const GETTOKEN: &str = "/gettoken";
pub const V1_ACCESS_TOKEN: &str = "/v1.0/oauth2/accessToken";

/// The app's token, issued or extended now.
fn issue(state: &AppState, app: usize) -> String {
    lock(&state.tokens).issue(app, state.token_ttl, Instant::now(), &state.ids)
}

/// `GET /gettoken?appkey=&appsecret=`. Parameters come from the query only; a body is ignored.
pub async fn gettoken(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let query = query.as_deref();
    let Some(key) = query_param(query, "appkey") else {
        return oapi::error(&state, oapi::INVALID_PARAMETER, "missing parameter appkey");
    };
    let Some(secret) = query_param(query, "appsecret") else {
        return oapi::error(
            &state,
            oapi::INVALID_PARAMETER,
            "missing parameter appsecret",
        );
    };
    let Some(app) = state.find_app(&key, &secret) else {
        return oapi::error(&state, INVALID_CREDENTIALS, "invalid appkey or appsecret");
    };
    or_refuse!(admit_oapi(&state, app, GETTOKEN));
    let token = issue(&state, app);
    let request_id = state.ids.request_id();
    // Tokens and request ids are hex, so they need no escaping.
    json(
        StatusCode::OK,
        format!(
            r#"{{"errcode":0,"errmsg":"ok","access_token":"{token}","expires_in":{},"request_id":"{request_id}"}}"#,
            state.token_ttl.as_secs()
        ),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V1Token<'a> {
    access_token: &'a str,
    expire_in: u64,
    /// Success bodies spell it `requestId`; only errors use `requestid`.
    request_id: &'a str,
}

/// `POST /v1.0/oauth2/accessToken` with `{"appKey","appSecret"}`: the same tokens as gettoken.
pub async fn access_token(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(v1::object_body(&state, body));
    let key = or_refuse!(v1::required_text(&state, &object, "appKey"));
    let secret = or_refuse!(v1::required_text(&state, &object, "appSecret"));
    let Some(app) = state.find_app(key, secret) else {
        return v1::error(
            &state,
            StatusCode::BAD_REQUEST,
            "invalidClientIdOrSecret",
            "invalid appKey or appSecret",
        );
    };
    or_refuse!(admit_v1(&state, app, V1_ACCESS_TOKEN));
    let token = issue(&state, app);
    let request_id = state.ids.request_id();
    let body = V1Token {
        access_token: &token,
        expire_in: state.token_ttl.as_secs(),
        request_id: &request_id,
    };
    v1::respond(
        StatusCode::OK,
        serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}")),
        &request_id,
    )
}
