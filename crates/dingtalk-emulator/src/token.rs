//! Access-token endpoints (`/gettoken`, `/v1.0/oauth2/accessToken`) and the token
//! check every oapi call starts with.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;

use crate::errors::{self, json, oapi_error, v1_error, INVALID_PARAMETER};
use crate::params::{json_object, query_param};
use crate::state::{lock, AppState};
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
    oapi_error(
        state,
        QPS_LIMITED,
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
    requestid: &'a str,
}

/// `POST /v1.0/oauth2/accessToken` with `{"appKey","appSecret"}`: the same tokens as gettoken.
pub async fn access_token(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return errors::body_rejection(&state, V1_ACCESS_TOKEN, &rejection),
    };
    let object = match json_object(&body) {
        Ok(object) => object,
        Err(message) => {
            return v1_error(
                &state,
                StatusCode::BAD_REQUEST,
                "InvalidParameter",
                &message,
            )
        }
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
        return v1_error(
            &state,
            StatusCode::FORBIDDEN,
            "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
            "api calls per second of this app exceed the limit",
        );
    }
    let token = lock(&state.tokens).issue(app, state.token_ttl, Instant::now(), &state.ids);
    let request_id = state.ids.request_id();
    let body = V1Token {
        access_token: &token,
        expire_in: state.token_ttl.as_secs(),
        requestid: &request_id,
    };
    let mut response = json(
        StatusCode::OK,
        serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}")),
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-acs-request-id", value);
    }
    response
}

/// DingTalk's gateway names a missing parameter in the code itself.
fn v1_missing(state: &AppState, name: &str) -> Response {
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
}

/// The app behind `?access_token=`.
pub fn authorize(state: &AppState, query: Option<&str>) -> Result<usize, TokenRefusal> {
    let token = query_param(query, "access_token").ok_or(TokenRefusal::Missing)?;
    let check = lock(&state.tokens).check(&token, Instant::now());
    match check {
        TokenCheck::Valid(app) => Ok(app),
        TokenCheck::Unknown => Err(TokenRefusal::Invalid),
        TokenCheck::Expired => Err(TokenRefusal::Expired),
    }
}
