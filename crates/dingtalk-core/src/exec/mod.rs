//! The executor: one call from start to end — token, request, judging the answer, retries —
//! within one deadline, for either API family.
//!
//! Retries wrap the whole call including the token, so a retry after a token error is sent with
//! the new token. The dialect of the request's family decides how the token is attached and how
//! the answer is judged; [`retry::decide`] decides from the error's class alone.

mod outcome;
mod request;
pub(crate) mod retry;

use std::sync::Arc;

use serde::de::DeserializeOwned;

pub(crate) use outcome::{Deadline, Failure};
pub(crate) use request::ApiRequest;
pub use request::Repeat;
use retry::{Attempt, Decision};

use crate::app_id::AppId;
use crate::auth::{self, fetch, TokenSlot};
use crate::config::Options;
use crate::dialect;
use crate::error::{Error, ErrorClass, Result};
use crate::http::pool::{self, Http, TransportConfig};
use crate::http::{self as transport, RawResponse};
use crate::stats::{self, Counters, Stats};

/// Runs calls for one app: its credentials, options, HTTP client, token slot and counters.
pub(crate) struct Executor {
    app: AppId,
    app_key: String,
    app_secret: String,
    options: Options,
    http: Arc<Http>,
    tokens: Arc<TokenSlot>,
    counters: Arc<Counters>,
}

impl Executor {
    pub(crate) fn new(app_key: &str, app_secret: &str, options: Options) -> Self {
        let app = AppId::new(&options.base_url, app_key, app_secret);
        Executor {
            app_key: app_key.to_owned(),
            app_secret: app_secret.to_owned(),
            http: pool::entry(TransportConfig::from_options(&options)),
            tokens: auth::slot_of(&app),
            counters: stats::counters_of(&app),
            app,
            options,
        }
    }

    /// The app this executor calls for.
    pub(crate) fn app_id(&self) -> &AppId {
        &self.app
    }

    pub(crate) fn app_key(&self) -> &str {
        &self.app_key
    }

    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    /// A deadline for one whole call, `options[timeout]` from now.
    pub(crate) fn deadline(&self) -> Deadline {
        Deadline::after(self.options.timeout)
    }

    /// This app's counters in this process.
    pub(crate) fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Sends `request` under the retry rules and decodes its judged answer as `T`.
    pub(crate) fn execute<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        deadline: &Deadline,
    ) -> std::result::Result<T, Failure> {
        self.run(request.repeat, false, deadline, |token| {
            self.send_once(request, token, deadline)
        })
    }

    /// A valid token (`force` fetches a new one), with the same retries for a failing fetch.
    pub(crate) fn token(&self, force: bool) -> Result<String> {
        let deadline = self.deadline();
        self.run(Repeat::Safe, force, &deadline, |token| Ok(token.to_owned()))
            .map_err(Error::from)
    }

    /// The retry loop: each attempt gets the token, then runs `attempt` with it.
    fn run<T>(
        &self,
        repeat: Repeat,
        force_token: bool,
        deadline: &Deadline,
        mut attempt: impl FnMut(&str) -> Result<T>,
    ) -> std::result::Result<T, Failure> {
        let mut retries = 0;
        let mut token_refreshed = false;
        let mut maybe_delivered = false;
        // A forced token fetch skips the cache on the first attempt only.
        let mut force = force_token;
        loop {
            let mut sent = false;
            let mut used_token = None;
            let result = self.cached_token(force, deadline).and_then(|token| {
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
            maybe_delivered |= sent && error.maybe_processed();
            let class = error.class();
            if let (ErrorClass::TokenRejected, Some(token)) = (class, &used_token) {
                // Dropped whether or not this call retries: no later call may reuse it.
                self.tokens.invalidate(token);
            }
            let state = Attempt {
                retries,
                max_retries: self.options.retries,
                sent,
                token_refreshed,
                repeat,
            };
            match retry::decide(class, &state, &self.options.backoff) {
                Decision::Fail => {
                    return Err(Failure {
                        error,
                        maybe_delivered,
                    })
                }
                // The refused token was dropped above: the next attempt fetches a new one.
                Decision::RefreshToken => token_refreshed = true,
                Decision::Backoff(base) => {
                    let pause = retry::delay(base, retries);
                    if deadline.passed_by(pause) {
                        // Waiting would spend the whole budget: the last error is the answer.
                        return Err(Failure {
                            error,
                            maybe_delivered,
                        });
                    }
                    std::thread::sleep(pause);
                }
            }
            retries += 1;
            self.counters.retry();
        }
    }

    /// The app's token, fetched under the single-flight lock when needed.
    fn cached_token(&self, force: bool, deadline: &Deadline) -> Result<String> {
        self.tokens.token(force, self.options.token_margin, || {
            let http = self.http.client()?;
            self.counters.token_fetch();
            let request = fetch::TokenRequest {
                base_url: &self.options.base_url,
                app_key: &self.app_key,
                app_secret: &self.app_secret,
            };
            fetch::fetch(&http, &request, deadline)
        })
    }

    /// Sends the request once with `token`, judges the answer and decodes it.
    fn send_once<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        token: &str,
        deadline: &Deadline,
    ) -> Result<T> {
        let dialect = request.family.dialect();
        let timeout = deadline.remaining(&request.path)?;
        let joined = format!("{}{}", dialect.base_url(&self.options), request.path);
        let url = reqwest::Url::parse(&joined)
            .map_err(|e| Error::invalid("path", format!("does not form a valid URL: {e}")))?;
        let http = self.http.client()?;
        let mut builder = http.request(request.method.clone(), url);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        builder = dialect.authorize(builder, token);
        if let Some(body) = &request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        self.counters.request();
        let secrets = [self.app_secret.as_str(), token];
        let raw: RawResponse = transport::send(builder, timeout, &request.path, &secrets)?;
        dialect.judge(&request.path, &raw, &secrets)?;
        dialect::decode(&request.path, &raw, &secrets)
    }
}
