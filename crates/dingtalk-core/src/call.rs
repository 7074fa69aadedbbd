//! One API call from start to end: token, request, decoding, retries, all within one time budget.
//!
//! Retries wrap the whole call including the token, so a retry after a token error is sent with
//! the new token.

use std::cell::Cell;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::client::Client;
use crate::error::{ApiError, Error, Result, TransportError, TransportErrorKind};
use crate::redact::{redact, snippet};
use crate::retry::{self, Decision, Idempotency};
use crate::transport::{self, RawResponse};

/// The HTTP method of an API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpMethod {
    Get,
    Post,
}

/// What to send, or (built by [`ApiCall::token`]) only a token to fetch.
pub(crate) struct ApiCall<'a> {
    method: HttpMethod,
    path: &'a str,
    query: &'a [(String, String)],
    body: Option<&'a Value>,
    idempotency: Idempotency,
    /// A call that only yields the token (the caller's own `get("/gettoken")` is an API call).
    token_only: bool,
    /// For a token-only call: fetch a new token even if the cached one is fresh.
    force_token: bool,
    /// Set when an attempt failed after it may have reached DingTalk (a retried add then learns
    /// that a "duplicate" answer can mean its own first attempt).
    pub(crate) maybe_landed: Cell<bool>,
}

const TOKEN_PATH: &str = "/gettoken";

impl<'a> ApiCall<'a> {
    pub(crate) fn new(
        method: HttpMethod,
        path: &'a str,
        query: &'a [(String, String)],
        body: Option<&'a Value>,
        idempotency: Idempotency,
    ) -> Self {
        ApiCall {
            method,
            path,
            query,
            body,
            idempotency,
            token_only: false,
            force_token: false,
            maybe_landed: Cell::new(false),
        }
    }

    /// A call that only yields the token (as a JSON string); `force` fetches a new one.
    pub(crate) fn token(force: bool) -> ApiCall<'static> {
        ApiCall {
            token_only: true,
            force_token: force,
            ..ApiCall::new(HttpMethod::Get, TOKEN_PATH, &[], None, Idempotency::Safe)
        }
    }
}

/// The time left before `deadline`, or a timeout error naming `path`.
fn remaining(deadline: Instant, budget: Duration, path: &str) -> Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(TransportError::new(
            path,
            TransportErrorKind::Timeout,
            format!(
                "time budget of {:.3} s used up (options[timeout])",
                budget.as_secs_f64()
            ),
        )
        .into());
    }
    Ok(left)
}

impl Client {
    /// Runs a call with the retry policy; see the module docs.
    pub(crate) fn execute(&self, call: &ApiCall<'_>) -> Result<Value> {
        let options = &self.inner.options;
        let budget = options.timeout;
        let deadline = Instant::now() + budget;
        let mut retries = 0;
        let mut refreshed = false;
        // A forced token fetch skips the cache on the first attempt only.
        let mut force = call.force_token;
        loop {
            let mut sent = false;
            let mut used_token = None;
            let result = self.token(force, deadline).and_then(|token| {
                if call.token_only {
                    return Ok(Value::String(token));
                }
                sent = true;
                let outcome = self.send_api(call, &token, deadline);
                used_token = Some(token);
                outcome
            });
            force = false;
            let error = match result {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if sent && may_have_landed(&error) {
                call.maybe_landed.set(true);
            }
            if let (Error::Api(api), Some(token)) = (&error, &used_token) {
                if retry::is_token_error(api.errcode, api.sub_code.as_deref()) {
                    // Dropped whether or not this call retries: no later call may reuse it.
                    self.inner.app.invalidate(token);
                }
            }
            if retries >= options.retries {
                return Err(error);
            }
            match retry::decide(&error, call.idempotency, sent, refreshed, &options.backoff) {
                Decision::Fail => return Err(error),
                // The refused token was dropped above: the next attempt fetches a new one.
                Decision::RefreshToken => refreshed = true,
                Decision::Backoff(base) => {
                    let pause = retry::delay(base, retries);
                    if Instant::now() + pause >= deadline {
                        // Waiting would spend the whole budget: the last error is the answer.
                        return Err(error);
                    }
                    std::thread::sleep(pause);
                }
            }
            retries += 1;
            self.inner.app.counters.retry();
        }
    }

    /// The app's token, fetched under the single-flight lock when needed.
    fn token(&self, force: bool, deadline: Instant) -> Result<String> {
        let inner = &self.inner;
        inner.app.token(force, inner.options.token_margin, || {
            self.fetch_token(deadline)
        })
    }

    /// `GET /gettoken`: the token and its lifetime.
    fn fetch_token(&self, deadline: Instant) -> Result<(String, Duration)> {
        let inner = &self.inner;
        let timeout = remaining(deadline, inner.options.timeout, TOKEN_PATH)?;
        let mut url = self.url(TOKEN_PATH)?;
        url.query_pairs_mut()
            .append_pair("appkey", &inner.app_key)
            .append_pair("appsecret", &inner.app_secret);
        let http = transport::client_for(&inner.transport)?;
        inner.app.counters.token_fetch();
        let secrets = [inner.app_secret.as_str()];
        let response = transport::send(http.get(url), timeout, TOKEN_PATH, &secrets)?;
        let body = decode(TOKEN_PATH, &response, &secrets)?;
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unexpected(TOKEN_PATH, &response, "no access_token", &secrets))?;
        let ttl = body
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(7200);
        Ok((token.to_owned(), Duration::from_secs(ttl)))
    }

    /// Sends the API request once with `token`.
    fn send_api(&self, call: &ApiCall<'_>, token: &str, deadline: Instant) -> Result<Value> {
        let inner = &self.inner;
        let timeout = remaining(deadline, inner.options.timeout, call.path)?;
        let mut url = self.url(call.path)?;
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in call.query {
                pairs.append_pair(name, value);
            }
            pairs.append_pair("access_token", token);
        }
        let http = transport::client_for(&inner.transport)?;
        let request = match call.method {
            HttpMethod::Get => http.get(url),
            HttpMethod::Post => {
                let body =
                    serde_json::to_vec(call.body.unwrap_or(&Value::Object(Default::default())))
                        .map_err(|e| {
                            Error::invalid("body", format!("cannot be encoded as JSON: {e}"))
                        })?;
                http.post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
            }
        };
        inner.app.counters.request();
        let secrets = [inner.app_secret.as_str(), token];
        let response = transport::send(request, timeout, call.path, &secrets)?;
        decode(call.path, &response, &secrets)
    }

    fn url(&self, path: &str) -> Result<reqwest::Url> {
        let joined = format!("{}{}", self.inner.options.base_url, path);
        reqwest::Url::parse(&joined)
            .map_err(|e| Error::invalid("path", format!("does not form a valid URL: {e}")))
    }
}

/// Whether a failure after sending leaves open that DingTalk processed the request.
fn may_have_landed(error: &Error) -> bool {
    match error {
        Error::Api(api) => api.errcode == -1,
        Error::Transport(t) => match t.kind {
            TransportErrorKind::Timeout | TransportErrorKind::Request => true,
            TransportErrorKind::Status(status) => status >= 500,
            TransportErrorKind::Connect | TransportErrorKind::Decode => false,
        },
        _ => false,
    }
}

fn unexpected(path: &str, response: &RawResponse, what: &str, secrets: &[&str]) -> Error {
    let kind = if response.status >= 300 {
        TransportErrorKind::Status(response.status)
    } else {
        TransportErrorKind::Decode
    };
    let detail = format!(
        "unexpected answer ({what}): HTTP {}, body: {}",
        response.status,
        snippet(&response.body)
    );
    TransportError::new(path, kind, redact(&detail, secrets)).into()
}

/// An errcode as DingTalk sends it: a number, sometimes a numeric string.
fn errcode_of(body: &Value) -> Option<i64> {
    match body.get("errcode")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text_field(body: &Value, name: &str) -> Option<String> {
    match body.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Turns an oapi answer into its JSON body, an [`ApiError`], or a transport error for anything
/// that is not DingTalk's JSON (an HTML error page, a throttling page, a truncated body).
fn decode(path: &str, response: &RawResponse, secrets: &[&str]) -> Result<Value> {
    let Ok(body) = serde_json::from_slice::<Value>(&response.body) else {
        return Err(unexpected(path, response, "not JSON", secrets));
    };
    let Some(errcode) = body.is_object().then(|| errcode_of(&body)).flatten() else {
        return Err(unexpected(path, response, "no errcode", secrets));
    };
    if errcode == 0 {
        if (200..300).contains(&response.status) {
            return Ok(body);
        }
        return Err(unexpected(
            path,
            response,
            "errcode 0 with an error status",
            secrets,
        ));
    }
    let sub_code = text_field(&body, "sub_code");
    Err(ApiError {
        path: path.to_owned(),
        errcode,
        errmsg: redact(&text_field(&body, "errmsg").unwrap_or_default(), secrets),
        request_id: text_field(&body, "request_id"),
        sub_msg: text_field(&body, "sub_msg").map(|m| redact(&m, secrets)),
        kind: retry::classify(errcode, sub_code.as_deref()),
        sub_code,
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn decodes_success_and_errors() {
        let ok = decode("/p", &raw(200, r#"{"errcode":0,"record_id":"r"}"#), &[]).unwrap();
        assert_eq!(ok["record_id"], "r");
        let Err(Error::Api(api)) = decode(
            "/p",
            &raw(
                200,
                r#"{"errcode":88,"errmsg":"auth","sub_code":"42001","request_id":"q1"}"#,
            ),
            &[],
        ) else {
            panic!("expected an API error")
        };
        assert_eq!(
            (
                api.errcode,
                api.sub_code.as_deref(),
                api.request_id.as_deref()
            ),
            (88, Some("42001"), Some("q1"))
        );
        assert_eq!(api.kind, crate::ErrorKind::Authentication);
        let Err(Error::Api(api)) = decode("/p", &raw(200, r#"{"errcode":"90018"}"#), &[]) else {
            panic!("expected an API error")
        };
        assert_eq!(api.errcode, 90018);
    }

    #[test]
    fn non_dingtalk_bodies_are_transport_errors() {
        let html = decode("/p", &raw(502, "<html>bad gateway</html>"), &[]).unwrap_err();
        assert!(
            matches!(&html, Error::Transport(t) if t.kind == TransportErrorKind::Status(502)),
            "{html:?}"
        );
        let throttle = decode("/p", &raw(200, r#"{"status":1111,"wait":5}"#), &[]).unwrap_err();
        assert!(matches!(&throttle, Error::Transport(t) if t.kind == TransportErrorKind::Decode));
        let echoed = decode("/p", &raw(500, "token=tok123"), &["tok123"]).unwrap_err();
        assert!(!echoed.to_string().contains("tok123"), "{echoed}");
    }
}
