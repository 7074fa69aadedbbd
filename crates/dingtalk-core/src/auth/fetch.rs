//! `GET /gettoken`: the token both API families use (DingTalk accepts it in the v1.0 header).

use std::time::Duration;

use reqwest::blocking::Client as HttpClient;
use serde::Deserialize;

use crate::dialect::{self, Dialect};
use crate::error::{Error, Result};
use crate::exec::Deadline;
use crate::http;

pub(crate) const TOKEN_PATH: &str = "/gettoken";

/// DingTalk's documented lifetime, used when an answer leaves it out.
const DEFAULT_TTL_SECS: u64 = 7200;
/// An absurd lifetime from a broken server is capped at a day.
const MAX_TTL_SECS: u64 = 86_400;

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

/// Who asks for a token, and where.
pub(crate) struct TokenRequest<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) app_key: &'a str,
    pub(crate) app_secret: &'a str,
}

/// Fetches a new token and its lifetime.
pub(crate) fn fetch(
    http: &HttpClient,
    request: &TokenRequest<'_>,
    deadline: &Deadline,
) -> Result<(String, Duration)> {
    let timeout = deadline.remaining(TOKEN_PATH)?;
    let mut url =
        reqwest::Url::parse(&format!("{}{TOKEN_PATH}", request.base_url)).map_err(|e| {
            Error::invalid(
                "options[base_url]",
                format!("does not form a valid URL: {e}"),
            )
        })?;
    url.query_pairs_mut()
        .append_pair("appkey", request.app_key)
        .append_pair("appsecret", request.app_secret);
    let secrets = [request.app_secret];
    let raw = http::send(http.get(url), timeout, TOKEN_PATH, &secrets)?;
    dialect::oapi::Oapi.judge(TOKEN_PATH, &raw, &secrets)?;
    let answer: TokenAnswer = dialect::decode(TOKEN_PATH, &raw, &secrets)?;
    let token = answer
        .access_token
        .filter(|token| !token.is_empty())
        .ok_or_else(|| dialect::missing(TOKEN_PATH, "access_token"))?;
    let ttl = answer
        .expires_in
        .unwrap_or(DEFAULT_TTL_SECS)
        .min(MAX_TTL_SECS);
    Ok((token, Duration::from_secs(ttl)))
}
