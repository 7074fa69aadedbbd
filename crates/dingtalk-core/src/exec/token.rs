//! Which token an attempt carries, and getting it: the app's from its cache (fetched under the
//! single-flight lock when needed), a webhook robot's own.

use std::cell::Cell;

use super::caller::Caller;
use super::request::ApiRequest;
use super::Executor;
use crate::auth::fetch;
use crate::budget::Budget;
use crate::error::Result;
use crate::observe::Event;

/// Which token an attempt carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token {
    /// The cached one (fetched when there is none).
    Cached,
    /// A new one on the first attempt.
    Fresh,
    /// None: the request authenticates otherwise.
    None,
}

impl Token {
    pub(super) fn of(request: &ApiRequest) -> Self {
        if request.with_token {
            Token::Cached
        } else {
            Token::None
        }
    }
}

impl Executor {
    /// The token of an attempt: `Token::None` is an empty text; `force` skips the cache.
    pub(super) fn token_for(&self, token: Token, force: bool, budget: &Budget) -> Result<String> {
        match token {
            Token::None => Ok(String::new()),
            Token::Cached | Token::Fresh => self.cached_token(force, budget),
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
}
