//! The executor: one call from start to end — a slot of the rate limit, token, request,
//! judging the answer, retries — within one budget (time and answer bytes), for either API
//! family. Each attempt takes its own slot: DingTalk counts every request it receives.
//!
//! Retries wrap the whole call including the token, so a retry after a token error is sent with
//! the new token. A refused token is renewed once per call whatever `retries` says: DingTalk
//! refused it before doing anything, so resending is not a retry of a failure. The dialect of
//! the request's family decides how the token is attached and how the answer is judged;
//! [`retry::decide`] decides from the error's class alone.

pub(crate) mod batch;
mod failure;
mod request;
pub(crate) mod retry;

use std::sync::Arc;

use serde::de::DeserializeOwned;

pub(crate) use failure::Failure;
pub(crate) use request::ApiRequest;
pub use request::Repeat;
use retry::{Attempt, Decision};

use crate::app_id::AppId;
use crate::auth::{fetch, TokenCache};
use crate::budget::Budget;
use crate::config::Options;
use crate::counters::{self, Counters, Stats};
use crate::dialect::{self, Disclosure};
use crate::error::{Error, ErrorClass, Result};
use crate::http::pool::{self, Http, TransportConfig};
use crate::http::{self as transport, AnswerLimit, Exchange};
use crate::limit::RateLimiter;
use crate::store;

/// Runs calls for one app: its credentials, options, HTTP client, token cache, rate limit
/// and counters.
pub(crate) struct Executor {
    app: AppId,
    app_key: String,
    app_secret: String,
    options: Options,
    http: Arc<Http>,
    tokens: TokenCache,
    limiter: Option<RateLimiter>,
    counters: Arc<Counters>,
}

impl Executor {
    pub(crate) fn new(app_key: &str, app_secret: &str, options: Options) -> Self {
        let app = AppId::new(&options.base_url, app_key, app_secret);
        let counters = counters::counters_of(&app);
        let store = store::entry(&options.token_store, options.ca.as_ref());
        let limiter = options.rate_limit.map(|per_second| {
            RateLimiter::new(
                per_second,
                Arc::clone(&store),
                app.store_key(),
                Arc::clone(&counters),
            )
        });
        Executor {
            app_key: app_key.to_owned(),
            app_secret: app_secret.to_owned(),
            http: pool::entry(TransportConfig::from_options(&options)),
            tokens: TokenCache::new(&app, store, Arc::clone(&counters)),
            limiter,
            counters,
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

    /// The app secret, for the one call that sends it in its body (the Stream gateway's).
    pub(crate) fn app_secret(&self) -> &str {
        &self.app_secret
    }

    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    /// A budget for one whole call: `options[timeout]` from now, `options[max_answer_bytes]`.
    pub(crate) fn budget(&self) -> Budget {
        Budget::new(self.options.timeout, self.options.max_answer_bytes)
    }

    /// This app's counters in this process.
    pub(crate) fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Sends `request` under the retry rules, within `budget`, and decodes its judged answer
    /// as `T`; the answer's bytes are charged to `budget`.
    pub(crate) fn execute<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        budget: &Budget,
    ) -> std::result::Result<T, Failure> {
        let limited = self.limiter.as_ref().map(|l| (l, request.rate_key()));
        let limit = limited
            .as_ref()
            .map(|(limiter, api)| (*limiter, api.as_str(), request.path.as_str()));
        self.run(request.repeat, Token::of(request), limit, budget, |token| {
            self.send_once(request, token, budget)
        })
    }

    /// A valid token (`force` fetches a new one), with the same retries for a failing fetch.
    pub(crate) fn token(&self, force: bool) -> Result<String> {
        let budget = self.budget();
        let token = if force { Token::Fresh } else { Token::Cached };
        self.run(Repeat::Safe, token, None, &budget, |token| {
            Ok(token.to_owned())
        })
        .map_err(Error::from)
    }

    /// The retry loop: each attempt waits for its slot of the rate limit (`limit`: the
    /// limiter, the API and the path), gets the token (unless `token` says none), then runs
    /// `attempt` with it (an empty text without a token).
    fn run<T>(
        &self,
        repeat: Repeat,
        token: Token,
        limit: Option<(&RateLimiter, &str, &str)>,
        budget: &Budget,
        mut attempt: impl FnMut(&str) -> Result<T>,
    ) -> std::result::Result<T, Failure> {
        let mut retries = 0;
        let mut token_refreshed = false;
        let mut maybe_delivered = false;
        // A forced token fetch skips the cache on the first attempt only.
        let mut force = token == Token::Fresh;
        loop {
            if let Some((limiter, api, path)) = limit {
                // No slot before the deadline: the call ends here, this attempt unsent.
                if let Err(error) = limiter.acquire(api, path, budget) {
                    return Err(Failure {
                        error,
                        maybe_delivered,
                    });
                }
            }
            let mut sent = false;
            let mut used_token = None;
            let fetched = match token {
                Token::None => Ok(String::new()),
                Token::Cached | Token::Fresh => self.cached_token(force, budget),
            };
            let result = fetched.and_then(|token| {
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
                // Dropped whether or not this call resends: no later call may reuse it.
                self.tokens.invalidate(token, budget);
            }
            let state = Attempt {
                retries,
                max_retries: self.options.retries,
                sent,
                token_refreshed,
                repeat,
            };
            let fail = |error| Failure {
                error,
                maybe_delivered,
            };
            match retry::decide(class, &state, &self.options.backoff) {
                Decision::Fail => return Err(fail(error)),
                // The refused token was dropped above: the next attempt fetches a new one. Not
                // counted against `retries` (see the module docs), but shown in the stats.
                Decision::RefreshToken => token_refreshed = true,
                Decision::Backoff(base) => {
                    let pause = retry::delay(base, retries);
                    if budget.passed_by(pause) {
                        // Waiting would spend the whole budget: the last error is the answer.
                        return Err(fail(error));
                    }
                    std::thread::sleep(pause);
                    retries += 1;
                }
            }
            self.counters.retry();
        }
    }

    /// The app's token, fetched under the single-flight lock when needed.
    fn cached_token(&self, force: bool, budget: &Budget) -> Result<String> {
        self.tokens
            .token(force, self.options.token_margin, budget, || {
                let http = self.http.client()?;
                self.counters.token_fetch();
                let request = fetch::TokenRequest {
                    base_url: &self.options.base_url,
                    app_key: &self.app_key,
                    app_secret: &self.app_secret,
                    user_agent: &self.options.user_agent,
                    // The token's answer is not kept: it has the whole allowance.
                    max_answer_bytes: self.options.max_answer_bytes,
                };
                fetch::fetch(&http, &request, budget)
            })
    }

    /// Sends the request once with `token`, judges the answer and decodes it.
    fn send_once<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        token: &str,
        budget: &Budget,
    ) -> Result<T> {
        let dialect = request.family.dialect();
        let timeout = budget.remaining(&request.path)?;
        let url = url_under(dialect.base_url(&self.options), &request.path)?;
        let http = self.http.client()?;
        let mut builder = http.request(request.method.clone(), url);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if request.with_token {
            builder = dialect.authorize(builder, token);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        self.counters.request();
        let secrets = [self.app_secret.as_str(), token];
        let (left, option) = budget.bytes();
        let exchange = Exchange {
            path: &request.path,
            timeout,
            user_agent: &self.options.user_agent,
            limit: AnswerLimit { left, option },
            secrets: &secrets,
        };
        let raw = transport::send(builder, &exchange)?;
        let disclosure = Disclosure::hiding(&secrets);
        let answer = dialect::read(request.family, &request.path, &raw, disclosure)?;
        budget.charge(raw.body.len());
        Ok(answer)
    }
}

/// Which token an attempt carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// The cached one (fetched when there is none).
    Cached,
    /// A new one on the first attempt.
    Fresh,
    /// None: the request authenticates otherwise.
    None,
}

impl Token {
    fn of(request: &ApiRequest) -> Self {
        if request.with_token {
            Token::Cached
        } else {
            Token::None
        }
    }
}

/// The path of a host URL as the options store it (normalised, no trailing slash:
/// `scheme://host[:port][/path]`), found without parsing it again on every call.
fn base_path(base: &str) -> &str {
    let host_start = base.find("://").map_or(0, |i| i + 3);
    base[host_start..]
        .find('/')
        .map_or("", |i| &base[host_start + i..])
}

/// The URL of an API path under a host option. The path was checked (no dot segments); the
/// prefix check is the second line: nothing may leave the host option's path prefix.
fn url_under(base: &str, path: &str) -> Result<reqwest::Url> {
    let invalid = |reason: String| Error::invalid("path", reason);
    let url = reqwest::Url::parse(&format!("{base}{path}"))
        .map_err(|e| invalid(format!("does not form a valid URL: {e}")))?;
    let prefix = base_path(base);
    let inside = url
        .path()
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with('/'));
    if !inside {
        return Err(invalid(format!(
            "must stay under the base_url path \"{prefix}/\""
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::{base_path, url_under};

    #[test]
    fn the_base_path_is_the_stored_urls_path() {
        assert_eq!(base_path("https://oapi.dingtalk.com"), "");
        assert_eq!(base_path("http://127.0.0.1:8080/dingtalk"), "/dingtalk");
        assert_eq!(base_path("http://[::1]:8080/a/b"), "/a/b");
    }

    #[test]
    fn a_path_stays_under_the_base_path() {
        let base = "http://127.0.0.1:8080/dingtalk";
        let url = url_under(base, "/topapi/x").map(|u| u.to_string());
        assert_eq!(
            url.ok().as_deref(),
            Some("http://127.0.0.1:8080/dingtalk/topapi/x")
        );
        assert!(url_under(base, "/../gettoken").is_err());
        assert!(url_under(base, "/%2e%2e/gettoken").is_err());
        assert!(url_under("http://127.0.0.1:8080/dingtalk", "x").is_err());
    }
}
