//! The executor: one call from start to end — a slot of the rate limit, token, request,
//! judging the answer, retries — within one budget (time and answer bytes), for any API
//! family, on behalf of an app or of a group's webhook robot ([`Caller`]). Each attempt takes
//! its own slot: DingTalk counts every request it receives.
//!
//! Retries wrap the whole call including the token, so a retry after a token error is sent with
//! the new token. A refused token is renewed once per call whatever `retries` says: DingTalk
//! refused it before doing anything, so resending is not a retry of a failure. The dialect of
//! the request's family decides how the token is attached and how the answer is judged;
//! [`retry::decide`] decides from the error's class alone. What happens on the way (a token
//! fetched, a retry, a throttled answer) is told to the client's observer (`call.rs`).

pub(crate) mod batch;
mod call;
mod caller;
mod failure;
mod request;
pub(crate) mod retry;
mod url;

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use caller::{App, Caller};
pub(crate) use failure::Failure;
pub(crate) use request::ApiRequest;
pub use request::Repeat;
use retry::{Attempt, Decision};

use crate::app_id::AppId;
use crate::auth::{fetch, TokenCache};
use crate::budget::Budget;
use crate::config::Options;
use crate::counters::{self, Counters, Stats};
use crate::dialect::webhook::Robot;
use crate::dialect::{self, Disclosure};
use crate::error::{Error, ErrorClass, Result};
use crate::http::pool::{self, Http, TransportConfig};
use crate::http::{self as transport, AnswerLimit, Exchange};
use crate::limit::{Limit, RateLimiter};
use crate::observe::{Event, Observe};
use crate::store;
use crate::time::now_ms;
use call::Call;
use url::url_under;

/// Runs calls for one app (or one webhook robot): its credentials, options, HTTP client, token
/// cache, rate limit and counters.
pub(crate) struct Executor {
    app: AppId,
    caller: Caller,
    options: Options,
    http: Arc<Http>,
    limiter: Option<RateLimiter>,
    counters: Arc<Counters>,
    observe: Observe,
    /// Said in every transport failure when only one of the two hosts was changed.
    one_host_changed: Option<String>,
}

impl Executor {
    pub(crate) fn new(app_key: &str, app_secret: &str, options: Options, observe: Observe) -> Self {
        let app = AppId::new(&options.base_url, app_key, app_secret);
        let counters = counters::counters_of(&app);
        let store = store::entry(&options.token_store, options.ca.as_ref());
        let limiter = options.rate_limit.map(|per_second| {
            RateLimiter::new(
                Limit::per_second(per_second),
                Arc::clone(&store),
                app.store_key(),
                Arc::clone(&counters),
                observe.clone(),
            )
        });
        let caller = Caller::App(App {
            key: app_key.to_owned(),
            secret: app_secret.to_owned(),
            tokens: TokenCache::new(&app, store, Arc::clone(&counters), observe.clone()),
        });
        Executor::with(app, caller, options, limiter, counters, observe)
    }

    /// The executor of a group's webhook robot, whose URL without its query is
    /// `options.base_url`: its sends are spaced under `per_minute` messages a minute, shared
    /// through the `token_store` under a name made of a hash of the robot's token.
    pub(crate) fn for_robot(
        robot: Robot,
        options: Options,
        per_minute: u32,
        observe: Observe,
    ) -> Self {
        let app = AppId::robot(&options.base_url, &robot.access_token);
        let counters = counters::counters_of(&app);
        let store = store::entry(&options.token_store, options.ca.as_ref());
        let limiter = RateLimiter::new(
            Limit::per_minute(per_minute),
            store,
            app.store_key(),
            Arc::clone(&counters),
            observe.clone(),
        );
        let caller = Caller::Robot(robot);
        Executor::with(app, caller, options, Some(limiter), counters, observe)
    }

    fn with(
        app: AppId,
        caller: Caller,
        options: Options,
        limiter: Option<RateLimiter>,
        counters: Arc<Counters>,
        observe: Observe,
    ) -> Self {
        Executor {
            http: pool::entry(TransportConfig::from_options(&options)),
            one_host_changed: options.one_host_changed(),
            app,
            caller,
            options,
            limiter,
            counters,
            observe,
        }
    }

    /// The app this executor calls for.
    pub(crate) fn app_id(&self) -> &AppId {
        &self.app
    }

    /// The app key ("" for a robot: no client or Stream holds a robot's executor).
    pub(crate) fn app_key(&self) -> &str {
        self.caller.app().map_or("", |app| app.key.as_str())
    }

    /// The app secret, for the one call that sends it in its body (the Stream gateway's).
    pub(crate) fn app_secret(&self) -> &str {
        self.caller.app().map_or("", |app| app.secret.as_str())
    }

    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    /// The observer of this client's events.
    pub(crate) fn observe(&self) -> &Observe {
        &self.observe
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
        let api = request.rate_key();
        let call = Call {
            api: &api,
            path: &request.path,
            limiter: self.limiter.as_ref(),
        };
        self.run(&call, request.repeat, Token::of(request), budget, |token| {
            self.send_once(request, token, budget)
        })
        .map_err(|failure| self.explained(failure))
    }

    /// A valid token (`force` fetches a new one), with the same retries for a failing fetch.
    pub(crate) fn token(&self, force: bool) -> Result<String> {
        self.token_within(force, &self.budget())
    }

    /// [`Executor::token`] within `budget`.
    pub(crate) fn token_within(&self, force: bool, budget: &Budget) -> Result<String> {
        let token = if force { Token::Fresh } else { Token::Cached };
        let call = Call {
            api: fetch::TOKEN_API,
            path: fetch::TOKEN_PATH,
            limiter: None,
        };
        self.run(&call, Repeat::Safe, token, budget, |token| {
            Ok(token.to_owned())
        })
        .map_err(|failure| Error::from(self.explained(failure)))
    }

    /// The failure, its transport error telling that only one host was changed, if so.
    fn explained(&self, mut failure: Failure) -> Failure {
        if let (Error::Transport(transport), Some(hint)) =
            (&mut failure.error, &self.one_host_changed)
        {
            transport.detail = format!("{}; {hint}", transport.detail);
        }
        failure
    }

    /// The retry loop: each attempt waits for its turn in a bulk call's pace and for its slot
    /// of the rate limit, gets the token (unless `token` says none), then runs `attempt` with
    /// it (an empty text without a token).
    fn run<T>(
        &self,
        call: &Call<'_>,
        repeat: Repeat,
        token: Token,
        budget: &Budget,
        mut attempt: impl FnMut(&str) -> Result<T>,
    ) -> std::result::Result<T, Failure> {
        let mut retries = 0;
        let mut attempts = 0;
        let mut token_refreshed = false;
        let mut maybe_delivered = false;
        // A forced token fetch skips the cache on the first attempt only.
        let mut force = token == Token::Fresh;
        loop {
            attempts += 1;
            // No turn or no slot before the deadline: the call ends here, this attempt unsent.
            let turn = call.wait_for_turn(budget).map_err(|error| Failure {
                error,
                maybe_delivered,
            })?;
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
                Ok(value) => {
                    if let Some(turn) = turn {
                        turn.succeeded();
                    }
                    return Ok(value);
                }
                Err(error) => error,
            };
            maybe_delivered |= sent && error.maybe_processed();
            let class = error.class();
            if class == ErrorClass::Throttled {
                if let Some(turn) = turn {
                    turn.throttled();
                }
                self.observe
                    .emit(|| Event::Throttled(call.answer(attempts, &error)));
            }
            if let (ErrorClass::TokenRejected, Some(token), Some(app)) =
                (class, &used_token, self.caller.app())
            {
                // Dropped whether or not this call resends: no later call may reuse it.
                app.tokens.invalidate(token, budget);
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
                Decision::RefreshToken => {
                    token_refreshed = true;
                    self.observe
                        .emit(|| call.retrying(attempts, &error, Duration::ZERO, true));
                }
                Decision::Backoff(base) => {
                    let pause = retry::delay(base, retries);
                    if budget.passed_by(pause) {
                        // Waiting would spend the whole budget: the last error is the answer.
                        return Err(fail(error));
                    }
                    self.observe
                        .emit(|| call.retrying(attempts, &error, pause, false));
                    std::thread::sleep(pause);
                    retries += 1;
                }
            }
            self.counters.retry();
        }
    }

    /// The app's token, fetched under the single-flight lock when needed (a fetch is told to
    /// the observer once the lock is released); a robot's own.
    fn cached_token(&self, force: bool, budget: &Budget) -> Result<String> {
        let app = match &self.caller {
            Caller::App(app) => app,
            Caller::Robot(robot) => return Ok(robot.access_token.clone()),
        };
        let fetched = Cell::new(None);
        let token = app
            .tokens
            .token(force, self.options.token_margin, budget, || {
                let http = self.http.client()?;
                self.counters.token_fetch();
                let request = fetch::TokenRequest {
                    base_url: &self.options.base_url,
                    app_key: &app.key,
                    app_secret: &app.secret,
                    user_agent: &self.options.user_agent,
                    // The token's answer is not kept: it has the whole allowance.
                    max_answer_bytes: self.options.max_answer_bytes,
                };
                let answer = fetch::fetch(&http, &request, budget)?;
                fetched.set(Some(answer.1));
                Ok(answer)
            })?;
        if let Some(lifetime) = fetched.get() {
            self.observe.emit(|| Event::TokenFetched {
                store: app.tokens.store_kind(),
                lifetime,
            });
        }
        Ok(token)
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
        // Made at the moment of sending: DingTalk accepts a signature for an hour.
        let signature = self.caller.signature(now_ms());
        if let Some(signature) = &signature {
            let query = [
                ("timestamp", &signature.timestamp),
                ("sign", &signature.sign),
            ];
            builder = builder.query(&query);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        self.counters.request();
        let signed = signature.as_ref().map_or("", |s| s.sign.as_str());
        let mut secrets = vec![self.caller.secret(), token, signed];
        secrets.extend(request.hidden.iter().map(String::as_str));
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
