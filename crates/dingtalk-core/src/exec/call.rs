//! One call as the executor runs it: its API and path, what each attempt waits for before it
//! is sent (its turn in a bulk call's pace, its slot of the rate limit), and how a failed
//! attempt is told to the observer.

use std::time::Duration;

use crate::budget::Budget;
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::limit::RateLimiter;
use crate::observe::{Answer, Event, Retry};
use crate::pace::Turn;

/// The call being run.
pub(crate) struct Call<'a> {
    /// The API as the rate limit counts it (method and path template).
    pub(crate) api: &'a str,
    /// The path, ids included; it names the call in errors.
    pub(crate) path: &'a str,
    /// The client's rate limit, if it has one.
    pub(crate) limiter: Option<&'a RateLimiter>,
}

impl Call<'_> {
    /// Waits for what an attempt needs before it is sent: its turn in the pace of the bulk
    /// call it is an item of, then its slot of the rate limit. An error when either would come
    /// after the deadline: the attempt is not sent.
    pub(crate) fn wait_for_turn<'b>(&self, budget: &'b Budget) -> Result<Option<Turn<'b>>> {
        let turn = match budget.pace() {
            None => None,
            Some(pace) => Some(pace.turn(budget.left()).ok_or_else(|| self.paced_out())?),
        };
        if let Some(limiter) = self.limiter {
            limiter.acquire(self.api, self.path, budget)?;
        }
        Ok(turn)
    }

    fn paced_out(&self) -> Error {
        TransportError::new(
            self.path,
            TransportErrorKind::Timeout,
            "not sent: DingTalk throttled this bulk call, which slowed down, and this \
             attempt's turn came after its time budget (options[timeout])",
        )
        .into()
    }

    /// Attempt number `attempt` of this call, which failed with `error`.
    pub(crate) fn answer(&self, attempt: u32, error: &Error) -> Answer {
        let api = match error {
            Error::Api(api) => Some(api),
            _ => None,
        };
        Answer {
            api: self.api.to_owned(),
            path: self.path.to_owned(),
            attempt,
            reason: error.to_string(),
            code: api.map(|api| api.code.to_string()),
            request_id: api.and_then(|api| api.request_id.clone()),
        }
    }

    /// The event of a retry after attempt number `attempt` failed with `error`.
    pub(crate) fn retrying(
        &self,
        attempt: u32,
        error: &Error,
        delay: Duration,
        token_refused: bool,
    ) -> Event {
        Event::Retrying(Retry {
            answer: self.answer(attempt, error),
            delay,
            token_refused,
        })
    }
}
