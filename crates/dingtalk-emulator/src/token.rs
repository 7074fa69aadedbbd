//! Access-token endpoints (`/gettoken`, `/v1.0/oauth2/accessToken`) and the token
//! checks calls start with: `?access_token=` for oapi, a header for v1.0.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;

use crate::errors::{self, json, oapi_error, v1_error, v1_json, INVALID_PARAMETER};
use crate::params::query_param;
use crate::state::AppState;
use crate::sync::lock;
use crate::token_store::TokenCheck;

/// errcode for a wrong appkey/appsecret (the one DingTalk sends in practice).
const INVALID_CREDENTIALS: i64 = 40096;
/// errcode when an app exceeds its per-API calls per second.
pub const QPS_LIMITED: i64 = 90018;
const TOKEN_MISSING: i64 = 41001;
const TOKEN_INVALID: i64 = 40014;
const TOKEN_EXPIRED: i64 = 42001;

pub const GETTOKEN: &str = "/gettoken";
pub const V1_ACCESS_TOKEN: &str = "/v1.0/oauth2/accessToken";

pub fn qps_limited(state: &AppState) -> Response {
    state.stats.throttle();
    oapi_error(
        state,
        QPS_LIMITED,
        "api calls per second of this app exceed the limit",
    )
}

/// The v1.0 answer past the QPS limit: 403, not 429.
pub fn v1_qps_limited(state: &AppState) -> Response {
    state.stats.throttle();
    v1_error(
        state,
        StatusCode::FORBIDDEN,
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        "api calls per second of this app exceed the limit",
    )
}

/// `GET /gettoken?appkey=&appsecret=`. Parameters come from the query only; a body is ignored.
pub async fn gettoken(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let query = query.as_deref();
    let Some(key) = query_param(query, "appkey") else {
        return oapi_error(&state, INVALID_PARAMETER, "missing parameter appkey");
    };
    let Some(secret) = query_param(query, "appsecret") else {
        return oapi_error(&state, INVALID_PARAMETER, "missing parameter appsecret");
    };
    let Some(app) = state.find_app(&key, &secret) else {
        return oapi_error(&state, INVALID_CREDENTIALS, "invalid appkey or appsecret");
    };
    if !state.qps.allow(app, GETTOKEN) {
        return qps_limited(&state);
    }
    let token = lock(&state.tokens).issue(app, state.token_ttl, Instant::now(), &state.ids);
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
    let object = match errors::v1_object_body(&state, V1_ACCESS_TOKEN, body) {
        Ok(object) => object,
        Err(refusal) => return *refusal,
    };
    let field = |name: &str| {
        object
            .get(name)
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let Some(key) = field("appKey") else {
        return v1_missing(&state, "appKey");
    };
    let Some(secret) = field("appSecret") else {
        return v1_missing(&state, "appSecret");
    };
    let Some(app) = state.find_app(key, secret) else {
        return v1_error(
            &state,
            StatusCode::BAD_REQUEST,
            "invalidClientIdOrSecret",
            "invalid appKey or appSecret",
        );
    };
    if !state.qps.allow(app, V1_ACCESS_TOKEN) {
        return v1_qps_limited(&state);
    }
    let token = lock(&state.tokens).issue(app, state.token_ttl, Instant::now(), &state.ids);
    let request_id = state.ids.request_id();
    let body = V1Token {
        access_token: &token,
        expire_in: state.token_ttl.as_secs(),
        request_id: &request_id,
    };
    v1_json(
        StatusCode::OK,
        serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}")),
        &request_id,
    )
}

/// DingTalk's gateway names a missing parameter in the code itself.
pub fn v1_missing(state: &AppState, name: &str) -> Response {
    v1_error(
        state,
        StatusCode::BAD_REQUEST,
        &format!("Missing{name}"),
        &format!("{name} is mandatory for this action."),
    )
}

/// Why a presented `access_token` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    Missing,
    Invalid,
    Expired,
}

impl TokenRefusal {
    /// The oapi answer for this refusal.
    pub fn response(self, state: &AppState) -> Response {
        match self {
            TokenRefusal::Missing => oapi_error(state, TOKEN_MISSING, "missing access_token"),
            TokenRefusal::Invalid => oapi_error(state, TOKEN_INVALID, "invalid access_token"),
            TokenRefusal::Expired => oapi_error(state, TOKEN_EXPIRED, "access_token expired"),
        }
    }

    /// The v1.0 answer for this refusal: the gateway reads only the header.
    pub fn v1_response(self, state: &AppState) -> Response {
        match self {
            TokenRefusal::Missing => v1_error(
                state,
                StatusCode::BAD_REQUEST,
                "AuthenticationFailed.MissingParameter",
                &format!("缺少参数：{V1_TOKEN_HEADER}"),
            ),
            TokenRefusal::Invalid | TokenRefusal::Expired => v1_error(
                state,
                StatusCode::BAD_REQUEST,
                "InvalidAuthentication",
                "不合法的access_token",
            ),
        }
    }
}

/// The header that carries the token of a v1.0 call (and nothing else does).
pub const V1_TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

fn check(state: &AppState, token: &str) -> Result<usize, TokenRefusal> {
    let check = lock(&state.tokens).check(token, Instant::now());
    match check {
        TokenCheck::Valid(app) => Ok(app),
        TokenCheck::Unknown => Err(TokenRefusal::Invalid),
        TokenCheck::Expired => Err(TokenRefusal::Expired),
    }
}

/// The app behind the `x-acs-dingtalk-access-token` header; `?access_token=` does not count.
pub fn authorize_v1(state: &AppState, headers: &HeaderMap) -> Result<usize, TokenRefusal> {
    let token = headers
        .get(V1_TOKEN_HEADER)
        .map(HeaderValue::as_bytes)
        .filter(|token| !token.is_empty())
        .ok_or(TokenRefusal::Missing)?;
    // A token that is not even text is one no one issued.
    let token = std::str::from_utf8(token).map_err(|_| TokenRefusal::Invalid)?;
    check(state, token)
}

/// The app behind `?access_token=`.
pub fn authorize(state: &AppState, query: Option<&str>) -> Result<usize, TokenRefusal> {
    let token = query_param(query, "access_token").ok_or(TokenRefusal::Missing)?;
    check(state, &token)
}
