//! The retry loop of one call: each attempt waits for its turn in a bulk call's pace and for
//! its slot of the rate limit, gets its token, is sent; a failed attempt is told to the
//! observer, a refused token dropped, and [`retry::decide`] says whether to go on.

use std::time::Duration;

use super::call::Call;
use super::request::Repeat;
use super::retry::{self, Attempt, Decision};
use super::token::Token;
use super::{Executor, Failure};
use crate::budget::Budget;
use crate::error::{Error, ErrorClass, Result};
use crate::observe::Event;
use crate::pace::Turn;

/// What the loop has done so far.
#[derive(Default)]
struct Progress {
    attempts: u32,
    retries: u32,
    token_refreshed: bool,
    /// Whether an attempt sent so far may have been processed by DingTalk.
    maybe_delivered: bool,
}

impl Progress {
    fn failure(&self, error: Error) -> Failure {
        Failure {
            error,
            maybe_delivered: self.maybe_delivered,
        }
    }
}

/// One attempt's end: its result, whether it was sent, and the token it carried.
struct Tried<T> {
    result: Result<T>,
    sent: bool,
    token: Option<String>,
}

impl Executor {
    /// Runs `attempt` (given the attempt's token, an empty text when `token` says none) until
    /// it succeeds or the retry rules say the call has failed.
    pub(super) fn run<T>(
        &self,
        call: &Call<'_>,
        repeat: Repeat,
        token: Token,
        budget: &Budget,
        mut attempt: impl FnMut(&str) -> Result<T>,
    ) -> std::result::Result<T, Failure> {
        let mut progress = Progress::default();
        // A forced token fetch skips the cache on the first attempt only.
        let mut force = token == Token::Fresh;
        loop {
            progress.attempts += 1;
            // No turn or no slot before the deadline: the call ends here, this attempt unsent.
            let turn = call
                .wait_for_turn(budget)
                .map_err(|error| progress.failure(error))?;
            let tried = self.try_once(token, force, budget, &mut attempt);
            force = false;
            let error = match tried.result {
                Ok(value) => {
                    if let Some(turn) = turn {
                        turn.succeeded();
                    }
                    return Ok(value);
                }
                Err(error) => error,
            };
            progress.maybe_delivered |= tried.sent && error.maybe_processed();
            self.note_failed(
                call,
                &error,
                turn,
                tried.token.as_deref(),
                &progress,
                budget,
            );
            self.decide_next(call, error, repeat, tried.sent, &mut progress, budget)?;
            self.counters.retry();
        }
    }

    /// One attempt: its token, then `attempt` with it.
    fn try_once<T>(
        &self,
        token: Token,
        force: bool,
        budget: &Budget,
        attempt: &mut impl FnMut(&str) -> Result<T>,
    ) -> Tried<T> {
        match self.token_for(token, force, budget) {
            Err(error) => Tried {
                result: Err(error),
                sent: false,
                token: None,
            },
            Ok(token) => Tried {
                result: attempt(&token),
                sent: true,
                token: Some(token),
            },
        }
    }

    /// What a failed attempt changes whatever comes next: a throttled answer slows the bulk
    /// call's pace and is told; a refused token is dropped, whether or not this call resends,
    /// so that no later call reuses it.
    fn note_failed(
        &self,
        call: &Call<'_>,
        error: &Error,
        turn: Option<Turn<'_>>,
        used_token: Option<&str>,
        progress: &Progress,
        budget: &Budget,
    ) {
        let class = error.class();
        if class == ErrorClass::Throttled {
            if let Some(turn) = turn {
                turn.throttled();
            }
            let attempts = progress.attempts;
            self.observe
                .emit(|| Event::Throttled(call.answer(attempts, error)));
        }
        if let (ErrorClass::TokenRejected, Some(token), Some(app)) =
            (class, used_token, self.caller.app())
        {
            app.tokens.invalidate(token, budget);
        }
    }

    /// Whether the call goes on after `error` (`sent`: whether the failed attempt reached the
    /// API): `Ok` after the pause before the next attempt,
    /// or the call's failure.
    fn decide_next(
        &self,
        call: &Call<'_>,
        error: Error,
        repeat: Repeat,
        sent: bool,
        progress: &mut Progress,
        budget: &Budget,
    ) -> std::result::Result<(), Failure> {
        let state = Attempt {
            retries: progress.retries,
            max_retries: self.options.retries,
            sent,
            token_refreshed: progress.token_refreshed,
            repeat,
        };
        let attempts = progress.attempts;
        match retry::decide(error.class(), &state, &self.options.backoff) {
            Decision::Fail => Err(progress.failure(error)),
            // The refused token was dropped: the next attempt fetches a new one. Not counted
            // against `retries` (see the module docs), but shown in the stats.
            Decision::RefreshToken => {
                progress.token_refreshed = true;
                self.observe
                    .emit(|| call.retrying(attempts, &error, Duration::ZERO, true));
                Ok(())
            }
            Decision::Backoff(base) => {
                let pause = retry::delay(base, progress.retries);
                if budget.passed_by(pause) {
                    // Waiting would spend the whole budget: the last error is the answer.
                    return Err(progress.failure(error));
                }
                self.observe
                    .emit(|| call.retrying(attempts, &error, pause, false));
                std::thread::sleep(pause);
                progress.retries += 1;
                Ok(())
            }
        }
    }
}
