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
mod run;
mod send;
mod token;
mod url;

use std::sync::Arc;

use serde::de::DeserializeOwned;

use caller::{App, Caller};
pub(crate) use failure::Failure;
pub(crate) use request::ApiRequest;
pub use request::Repeat;
use token::Token;

use crate::app_id::AppId;
use crate::auth::{fetch, TokenCache};
use crate::budget::Budget;
use crate::config::Options;
use crate::counters::{self, Counters, Stats};
use crate::dialect::webhook::Robot;
use crate::error::{Error, Result};
use crate::http::pool::{self, Http, TransportConfig};
use crate::limit::{Limit, RateLimiter};
use crate::observe::Observe;
use crate::store;
use call::Call;

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
}
