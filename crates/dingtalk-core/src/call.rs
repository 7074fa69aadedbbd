//! One API call from start to end: token, request, decoding, retries, all within one time budget.
//!
//! Retries wrap the whole call including the token, so a retry after a token error is sent with
//! the new token.

use std::cell::Cell;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::answer::{decode, missing, reply, Reply};
use crate::client::Client;
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::retry::{self, Decision, Idempotency};
use crate::transport;

reply!(
    /// `/gettoken`'s answer.
    TokenAnswer {
        access_token: String,
        expires_in: u64,
    }
);

/// An API request to send.
pub(crate) struct ApiCall<'a> {
    path: &'a str,
    query: &'a [(String, String)],
    /// The JSON body of a POST, encoded once for every attempt; `None` for a GET.
    body: Option<Vec<u8>>,
    idempotency: Idempotency,
    /// Set when an attempt failed after it may have reached DingTalk (a retried add then learns
    /// that a "duplicate" answer can mean its own first attempt).
    pub(crate) maybe_landed: Cell<bool>,
}

const TOKEN_PATH: &str = "/gettoken";

impl<'a> ApiCall<'a> {
    /// A GET with `query` (the token is added).
    pub(crate) fn get(
        path: &'a str,
        query: &'a [(String, String)],
        idempotency: Idempotency,
    ) -> Self {
        ApiCall {
            path,
            query,
            body: None,
            idempotency,
            maybe_landed: Cell::new(false),
        }
    }

    /// A POST with `body` as JSON.
    pub(crate) fn post(
        path: &'a str,
        body: &impl Serialize,
        idempotency: Idempotency,
    ) -> Result<Self> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::invalid("body", format!("cannot be encoded as JSON: {e}")))?;
        Ok(ApiCall {
            body: Some(body),
            ..ApiCall::get(path, &[], idempotency)
        })
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
    pub(crate) fn execute<T: Reply>(&self, call: &ApiCall<'_>) -> Result<T> {
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
        let token = answer
            .access_token
            .filter(|token| !token.is_empty())
            .ok_or_else(|| missing(TOKEN_PATH, "access_token"))?;
        // DingTalk says 7200; an absurd lifetime from a broken server is capped at a day.
        let ttl = answer.expires_in.unwrap_or(7200).min(86_400);
        Ok((token, Duration::from_secs(ttl)))
    }

    /// Sends the API request once with `token`.
    fn send_api<T: Reply>(&self, call: &ApiCall<'_>, token: &str, deadline: Instant) -> Result<T> {
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
        let request = match &call.body {
            None => http.get(url),
            Some(body) => http
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone()),
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
