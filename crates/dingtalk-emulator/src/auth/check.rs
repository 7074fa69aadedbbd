//! The checks every DingTalk call's credentials pass, before anything else is read: the token
//! (oapi: `?access_token=`; v1.0: the `x-acs-dingtalk-access-token` header, and nothing else),
//! then the app's allowance under `--qps-limit`. Refusals take the family's shape.

use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use super::store::TokenCheck;
use crate::family::{oapi, v1};
use crate::params::query_param;
use crate::state::AppState;
use crate::sync::lock;

const TOKEN_MISSING: i64 = 41001;
const TOKEN_INVALID: i64 = 40014;
const TOKEN_EXPIRED: i64 = 42001;
/// errcode when an app exceeds its per-API calls per second.
const QPS_LIMITED: i64 = 90018;
const QPS_LIMITED_MESSAGE: &str = "api calls per second of this app exceed the limit";

/// The header that carries the token of a v1.0 call (and nothing else does).
const V1_TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// Why a presented token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenRefusal {
    Missing,
    Invalid,
    Expired,
}

impl TokenRefusal {
    /// The oapi answer for this refusal.
    fn oapi(self, state: &AppState) -> Response {
        match self {
            TokenRefusal::Missing => oapi::error(state, TOKEN_MISSING, "missing access_token"),
            TokenRefusal::Invalid => oapi::error(state, TOKEN_INVALID, "invalid access_token"),
            TokenRefusal::Expired => oapi::error(state, TOKEN_EXPIRED, "access_token expired"),
        }
    }

    /// The v1.0 answer for this refusal: the gateway tells no expired token from an unknown one.
    fn v1(self, state: &AppState) -> Response {
        match self {
            TokenRefusal::Missing => v1::error(
                state,
                StatusCode::BAD_REQUEST,
                "AuthenticationFailed.MissingParameter",
                &format!("缺少参数：{V1_TOKEN_HEADER}"),
            ),
            TokenRefusal::Invalid | TokenRefusal::Expired => v1::error(
                state,
                StatusCode::BAD_REQUEST,
                "InvalidAuthentication",
                "不合法的access_token",
            ),
        }
    }
}

/// The app a token was issued to.
fn check_token(state: &AppState, token: &str) -> Result<usize, TokenRefusal> {
    let check = lock(&state.tokens).check(token, Instant::now());
    match check {
        TokenCheck::Valid(app) => Ok(app),
        TokenCheck::Unknown => Err(TokenRefusal::Invalid),
        TokenCheck::Expired => Err(TokenRefusal::Expired),
    }
}

/// Whether `app` may make one more call of `api` this second; a refusal is counted in the stats.
fn within_qps_limit(state: &AppState, app: usize, api: &'static str) -> bool {
    let allowed = state.qps_limit.allow(app, api);
    if !allowed {
        state.stats.count_throttled();
    }
    allowed
}

/// One more oapi call of `api` by `app`, or errcode 90018.
pub fn admit_oapi(state: &AppState, app: usize, api: &'static str) -> Result<(), Box<Response>> {
    if within_qps_limit(state, app, api) {
        return Ok(());
    }
    Err(Box::new(oapi::error(
        state,
        QPS_LIMITED,
        QPS_LIMITED_MESSAGE,
    )))
}

/// One more v1.0 call of `api` by `app`, or HTTP 403 (not 429).
pub fn admit_v1(state: &AppState, app: usize, api: &'static str) -> Result<(), Box<Response>> {
    if within_qps_limit(state, app, api) {
        return Ok(());
    }
    Err(Box::new(v1::error(
        state,
        StatusCode::FORBIDDEN,
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        QPS_LIMITED_MESSAGE,
    )))
}

/// The app behind `?access_token=`, within its QPS allowance for `api`.
pub fn oapi_caller(
    state: &AppState,
    api: &'static str,
    query: Option<&str>,
) -> Result<usize, Box<Response>> {
    let app = query_param(query, "access_token")
        .ok_or(TokenRefusal::Missing)
        .and_then(|token| check_token(state, &token))
        .map_err(|refusal| Box::new(refusal.oapi(state)))?;
    admit_oapi(state, app, api)?;
    Ok(app)
}

/// The app behind the `x-acs-dingtalk-access-token` header (`?access_token=` does not count),
/// within its QPS allowance for `api`.
pub fn v1_caller(
    state: &AppState,
    api: &'static str,
    headers: &HeaderMap,
) -> Result<usize, Box<Response>> {
    let app = headers
        .get(V1_TOKEN_HEADER)
        .map(HeaderValue::as_bytes)
        .filter(|token| !token.is_empty())
        .ok_or(TokenRefusal::Missing)
        // A token that is not even text is one no one issued.
        .and_then(|token| std::str::from_utf8(token).map_err(|_| TokenRefusal::Invalid))
        .and_then(|token| check_token(state, token))
        .map_err(|refusal| Box::new(refusal.v1(state)))?;
    admit_v1(state, app, api)?;
    Ok(app)
}
