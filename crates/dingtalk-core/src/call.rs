//! One API call from start to end: token, request, decoding, retries, all within one time budget.
//!
//! Retries wrap the whole call including the token, so a retry after a token error is sent with
//! the new token.

use std::cell::Cell;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Deserialize;
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

/// An API request to send.
pub(crate) struct ApiCall<'a> {
    method: HttpMethod,
    path: &'a str,
    query: &'a [(String, String)],
    body: Option<&'a Value>,
    idempotency: Idempotency,
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
            maybe_landed: Cell::new(false),
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
    /// Runs an API call with the retry policy and decodes its successful answer as `T`.
    pub(crate) fn execute<T: DeserializeOwned>(&self, call: &ApiCall<'_>) -> Result<T> {
        self.with_retries(
            call.idempotency,
            false,
            &call.maybe_landed,
            |token, deadline| self.send_api(call, token, deadline),
        )
    }

    /// The token alone, with the same retries for a failing token fetch.
    pub(crate) fn token_with_retries(&self, force: bool) -> Result<String> {
        let landed = Cell::new(false);
        self.with_retries(Idempotency::Safe, force, &landed, |token, _| {
            Ok(token.to_owned())
        })
    }

    /// The retry loop (see the module docs): each attempt gets the token, then runs `attempt`
    /// with it, within one deadline. `maybe_landed` is set when an attempt failed after it may
    /// have reached DingTalk.
    fn with_retries<T>(
        &self,
        idempotency: Idempotency,
        force_token: bool,
        maybe_landed: &Cell<bool>,
        mut attempt: impl FnMut(&str, Instant) -> Result<T>,
    ) -> Result<T> {
        let options = &self.inner.options;
        let deadline = Instant::now() + options.timeout;
        let mut retries = 0;
        let mut refreshed = false;
        // A forced token fetch skips the cache on the first attempt only.
        let mut force = force_token;
        loop {
            let mut sent = false;
            let mut used_token = None;
            let result = self.token(force, deadline).and_then(|token| {
                sent = true;
                let outcome = attempt(&token, deadline);
                used_token = Some(token);
                outcome
            });
            force = false;
            let error = match result {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if sent && may_have_landed(&error) {
                maybe_landed.set(true);
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
            match retry::decide(&error, idempotency, sent, refreshed, &options.backoff) {
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
        let answer: TokenAnswer = decode(TOKEN_PATH, &response, &secrets)?;
        if answer.access_token.is_empty() {
            return Err(unexpected(
                TOKEN_PATH,
                &response,
                "empty access_token",
                &secrets,
            ));
        }
        let ttl = answer.expires_in.unwrap_or(7200);
        Ok((answer.access_token, Duration::from_secs(ttl)))
    }

    /// Sends the API request once with `token`.
    fn send_api<T: DeserializeOwned>(
        &self,
        call: &ApiCall<'_>,
        token: &str,
        deadline: Instant,
    ) -> Result<T> {
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

/// A scalar DingTalk sends as a number or as a string, depending on the API and its age.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Scalar {
    fn code(&self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(*i),
            Scalar::Text(s) => s.trim().parse().ok(),
            Scalar::Float(_) => None,
        }
    }

    fn text(self) -> String {
        match self {
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Text(s) => s,
        }
    }
}

/// The fields every oapi answer shares; the rest of the body is skipped here.
#[derive(Deserialize)]
struct Envelope {
    errcode: Option<Scalar>,
    errmsg: Option<Scalar>,
    request_id: Option<Scalar>,
    sub_code: Option<Scalar>,
    sub_msg: Option<Scalar>,
}

/// `/gettoken`'s answer.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

/// Turns an oapi answer into `T`, an [`ApiError`], or a transport error for anything that is
/// not DingTalk's JSON (an HTML error page, a throttling page, a truncated body). The body is
/// parsed straight into `T`: no intermediate JSON tree.
fn decode<T: DeserializeOwned>(path: &str, response: &RawResponse, secrets: &[&str]) -> Result<T> {
    let Ok(envelope) = serde_json::from_slice::<Envelope>(&response.body) else {
        return Err(unexpected(path, response, "not a JSON object", secrets));
    };
    let Some(errcode) = envelope.errcode.as_ref().and_then(Scalar::code) else {
        return Err(unexpected(path, response, "no errcode", secrets));
    };
    if errcode != 0 {
        let sub_code = envelope.sub_code.map(Scalar::text);
        return Err(ApiError {
            path: path.to_owned(),
            errcode,
            errmsg: redact(
                &envelope.errmsg.map(Scalar::text).unwrap_or_default(),
                secrets,
            ),
            request_id: envelope.request_id.map(Scalar::text),
            sub_msg: envelope.sub_msg.map(|m| redact(&m.text(), secrets)),
            kind: retry::classify(errcode, sub_code.as_deref()),
            sub_code,
        }
        .into());
    }
    if !(200..300).contains(&response.status) {
        return Err(unexpected(
            path,
            response,
            "errcode 0 with an error status",
            secrets,
        ));
    }
    serde_json::from_slice(&response.body)
        .map_err(|e| unexpected(path, response, &e.to_string(), secrets))
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
        let ok = decode::<Value>("/p", &raw(200, r#"{"errcode":0,"record_id":"r"}"#), &[]).unwrap();
        assert_eq!(ok["record_id"], "r");
        let Err(Error::Api(api)) = decode::<Value>(
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
        let Err(Error::Api(api)) = decode::<Value>("/p", &raw(200, r#"{"errcode":"90018"}"#), &[])
        else {
            panic!("expected an API error")
        };
        assert_eq!(api.errcode, 90018);
    }

    #[test]
    fn non_dingtalk_bodies_are_transport_errors() {
        let html = decode::<Value>("/p", &raw(502, "<html>bad gateway</html>"), &[]).unwrap_err();
        assert!(
            matches!(&html, Error::Transport(t) if t.kind == TransportErrorKind::Status(502)),
            "{html:?}"
        );
        let throttle =
            decode::<Value>("/p", &raw(200, r#"{"status":1111,"wait":5}"#), &[]).unwrap_err();
        assert!(matches!(&throttle, Error::Transport(t) if t.kind == TransportErrorKind::Decode));
        let echoed = decode::<Value>("/p", &raw(500, "token=tok123"), &["tok123"]).unwrap_err();
        assert!(!echoed.to_string().contains("tok123"), "{echoed}");
    }
}
