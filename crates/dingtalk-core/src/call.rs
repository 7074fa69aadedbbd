//! One API call from start to end: token, request, decoding, retries, all within one time budget.
//!
//! Retries wrap the whole call including the token, so a retry after a token error is sent with
//! the new token. A refused token is renewed once per call whatever `retries` says: DingTalk
//! refused it before doing anything, so resending is not a retry of a failure.
//!
//! A call spends one [`Budget`]: its deadline, and the answer bytes it may keep. A paged call
//! (`all`, `find`, the duplicate lookup of `create`) passes the same budget to every page.

use std::cell::Cell;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::answer::{decode, missing, reply, token_values, Disclosure, Reply};
use crate::client::Client;
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::redact::mentions;
use crate::retry::{self, Decision, Idempotency};
use crate::transport::{self, AnswerLimit, Exchange};

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
/// The query key that carries the token; a caller's own query may not use it.
pub(crate) const ACCESS_TOKEN: &str = "access_token";

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

/// What one call may spend: time until `deadline`, and answer bytes kept.
pub(crate) struct Budget {
    pub(crate) deadline: Instant,
    bytes_left: Cell<usize>,
}

impl Budget {
    /// Uses `bytes` of the allowance (those of an answer the call keeps).
    fn charge(&self, bytes: usize) {
        self.bytes_left
            .set(self.bytes_left.get().saturating_sub(bytes));
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
    /// A fresh budget: `options[timeout]` from now, `options[max_answer_bytes]`.
    pub(crate) fn budget(&self) -> Budget {
        let options = &self.inner.options;
        Budget {
            deadline: Instant::now() + options.timeout,
            bytes_left: Cell::new(options.max_answer_bytes),
        }
    }

    /// Runs an API call with a budget of its own and decodes its successful answer as `T`.
    pub(crate) fn execute<T: Reply>(&self, call: &ApiCall<'_>) -> Result<T> {
        self.execute_within(call, &self.budget())
    }

    /// Runs an API call within `budget` (shared with other calls of a paged walk).
    pub(crate) fn execute_within<T: Reply>(
        &self,
        call: &ApiCall<'_>,
        budget: &Budget,
    ) -> Result<T> {
        self.with_retries(
            call.idempotency,
            false,
            &call.maybe_landed,
            budget.deadline,
            |token| self.send_api(call, token, budget),
        )
    }

    /// The token alone, with the same retries for a failing token fetch.
    pub(crate) fn token_with_retries(&self, force: bool) -> Result<String> {
        let landed = Cell::new(false);
        let deadline = self.budget().deadline;
        self.with_retries(Idempotency::Safe, force, &landed, deadline, |token| {
            Ok(token.to_owned())
        })
    }

    /// The retry loop (see the module docs): each attempt gets the token, then runs `attempt`
    /// with it, until `deadline`. `maybe_landed` is set when an attempt failed after it may
    /// have reached DingTalk.
    fn with_retries<T>(
        &self,
        idempotency: Idempotency,
        force_token: bool,
        maybe_landed: &Cell<bool>,
        deadline: Instant,
        mut attempt: impl FnMut(&str) -> Result<T>,
    ) -> Result<T> {
        let options = &self.inner.options;
        let mut retries = 0;
        let mut refreshed = false;
        // A forced token fetch skips the cache on the first attempt only.
        let mut force = force_token;
        loop {
            let mut sent = false;
            let mut used_token = None;
            let result = self.token(force, deadline).and_then(|token| {
                sent = true;
                let outcome = attempt(&token);
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
                    // Dropped whether or not this call resends: no later call may reuse it.
                    self.inner.app.invalidate(token);
                }
            }
            match retry::decide(&error, idempotency, sent, refreshed, &options.backoff) {
                Decision::Fail => return Err(error),
                // The refused token was dropped above: the next attempt fetches a new one. Not
                // counted against `retries` (see the module docs), but shown in the stats.
                Decision::RefreshToken => refreshed = true,
                Decision::Backoff(base) => {
                    if retries >= options.retries {
                        return Err(error);
                    }
                    let pause = retry::delay(base, retries);
                    if Instant::now() + pause >= deadline {
                        // Waiting would spend the whole budget: the last error is the answer.
                        return Err(error);
                    }
                    std::thread::sleep(pause);
                    retries += 1;
                }
            }
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
        let exchange = Exchange {
            path: TOKEN_PATH,
            timeout,
            user_agent: &inner.options.user_agent,
            // The token's answer is not kept: it has the whole allowance.
            limit: self.answer_limit(inner.options.max_answer_bytes),
            secrets: &secrets,
        };
        let response = transport::send(http.get(url), &exchange)?;
        // Whatever token the answer holds is a secret from here on, even if the answer is refused.
        let issued = token_values(&response.body);
        let mut secrets = vec![inner.app_secret.as_str()];
        secrets.extend(issued.iter().map(String::as_str));
        let disclosure = Disclosure {
            secrets: &secrets,
            quote_body: !mentions(&response.body, ACCESS_TOKEN),
        };
        let answer: TokenAnswer = decode(TOKEN_PATH, &response, disclosure)?;
        let token = answer
            .access_token
            .filter(|token| !token.is_empty())
            .ok_or_else(|| missing(TOKEN_PATH, "access_token"))?;
        // DingTalk says 7200; an absurd lifetime from a broken server is capped at a day.
        let ttl = answer.expires_in.unwrap_or(7200).min(86_400);
        Ok((token, Duration::from_secs(ttl)))
    }

    fn answer_limit(&self, left: usize) -> AnswerLimit {
        AnswerLimit {
            left,
            option: self.inner.options.max_answer_bytes,
        }
    }

    /// Sends the API request once with `token`; a successful answer is charged to `budget`.
    fn send_api<T: Reply>(&self, call: &ApiCall<'_>, token: &str, budget: &Budget) -> Result<T> {
        let inner = &self.inner;
        let timeout = remaining(budget.deadline, inner.options.timeout, call.path)?;
        let mut url = self.url(call.path)?;
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in call.query {
                pairs.append_pair(name, value);
            }
            pairs.append_pair(ACCESS_TOKEN, token);
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
        let exchange = Exchange {
            path: call.path,
            timeout,
            user_agent: &inner.options.user_agent,
            limit: self.answer_limit(budget.bytes_left.get()),
            secrets: &secrets,
        };
        let response = transport::send(request, &exchange)?;
        let disclosure = Disclosure {
            secrets: &secrets,
            quote_body: true,
        };
        let answer = decode(call.path, &response, disclosure)?;
        budget.charge(response.body.len());
        Ok(answer)
    }

    /// The URL of an API path under `base_url`. The path was checked (no dot segments); the
    /// prefix check is the second line: nothing may leave a `base_url` path prefix.
    fn url(&self, path: &str) -> Result<reqwest::Url> {
        let base = &self.inner.options.base_url;
        let invalid = |reason: String| Error::invalid("path", reason);
        let url = reqwest::Url::parse(&format!("{base}{path}"))
            .map_err(|e| invalid(format!("does not form a valid URL: {e}")))?;
        let prefix = reqwest::Url::parse(base)
            .map(|b| b.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let inside = url
            .path()
            .strip_prefix(prefix.as_str())
            .is_some_and(|rest| rest.starts_with('/'));
        if !inside {
            return Err(invalid(format!(
                "must stay under the base_url path \"{prefix}/\""
            )));
        }
        Ok(url)
    }
}

/// Whether a failure after sending leaves open that DingTalk processed the request.
fn may_have_landed(error: &Error) -> bool {
    match error {
        Error::Api(api) => api.errcode == -1,
        Error::Transport(t) => match t.kind {
            // A too large answer is still an answer: the request was processed.
            TransportErrorKind::Timeout
            | TransportErrorKind::Request
            | TransportErrorKind::TooLarge => true,
            // A redirect (3xx) was refused by whoever answered, before doing anything.
            TransportErrorKind::Status(status) => status >= 500,
            TransportErrorKind::Connect | TransportErrorKind::Decode => false,
        },
        _ => false,
    }
}
