//! The client-side rate limits: `rate_limit`, calls per second per app and API, and a webhook's
//! `per_minute`, messages a minute per robot; each enforced for every process that shares the
//! `token_store` (memory: this process; file: this host; Redis: every host), so that a fleet
//! configured at DingTalk's limit is not throttled.
//!
//! Each attempt of a call takes a slot first ([`gcra`]): the store runs the arithmetic on its
//! number atomically (under an `flock`, or in one Redis script) and says how long to wait for
//! the slot. A slot that comes after the call's deadline is not taken, and the call fails
//! without being sent. When the store cannot be used, this process's own numbers limit the call
//! (those of the `memory` store): the limit then holds per process, and the failure is counted.

pub(crate) mod gcra;

use std::sync::Arc;

use gcra::{Gcra, Interval};

use crate::budget::Budget;
use crate::counters::Counters;
use crate::error::{Error, RateLimited, Result};
use crate::observe::{Event, LimitOption, Observe};
use crate::store::{memory, Reservation, Store};
use crate::time::from_micros;

/// A limit as configured: its rate, and how a refusal names it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Limit {
    per_second: f64,
    option: LimitOption,
    /// "options[rate_limit] allows 20 calls per second of this API".
    described: String,
}

impl Limit {
    /// `rate_limit`: `calls` a second per API.
    pub(crate) fn per_second(calls: f64) -> Limit {
        Limit {
            per_second: calls,
            option: LimitOption::RateLimit,
            described: format!("options[rate_limit] allows {calls} calls per second of this API"),
        }
    }

    /// A webhook's `per_minute`: `messages` a minute to one robot.
    pub(crate) fn per_minute(messages: u32) -> Limit {
        Limit {
            per_second: f64::from(messages) / 60.0,
            option: LimitOption::PerMinute,
            described: format!(
                "options[per_minute] allows {messages} messages a minute to this robot"
            ),
        }
    }
}

/// The rate limit of one app (or one webhook robot).
pub(crate) struct RateLimiter {
    limit: Limit,
    interval: Interval,
    store: Arc<Store>,
    /// The app's (or robot's) name in the store.
    app: String,
    counters: Arc<Counters>,
    observe: Observe,
}

impl RateLimiter {
    pub(crate) fn new(
        limit: Limit,
        store: Arc<Store>,
        app: String,
        counters: Arc<Counters>,
        observe: Observe,
    ) -> Self {
        RateLimiter {
            interval: Interval::for_rate(limit.per_second),
            limit,
            store,
            app,
            counters,
            observe,
        }
    }

    /// Waits for the slot of one call of `api` (method and path template) within `budget`;
    /// an error naming `path` when the slot would come after the deadline: nothing is sent.
    pub(crate) fn acquire(&self, api: &str, path: &str, budget: &Budget) -> Result<()> {
        let left = budget.left();
        let rule = Gcra::new(self.interval, left);
        let shared = self.store.call(budget.deadline(), |s, d| {
            s.reserve(&self.app, api, &rule, d)
        });
        let reservation = shared.unwrap_or_else(|unusable| {
            unusable.count(&self.counters, &self.observe);
            memory::reserve_here(&self.app, api, &rule)
        });
        match reservation {
            Reservation::Granted { wait_us } => {
                if wait_us > 0 {
                    let wait = from_micros(wait_us);
                    self.observe.emit(|| Event::RateLimitWait {
                        api: api.to_owned(),
                        waited: wait,
                        option: self.limit.option,
                    });
                    std::thread::sleep(wait);
                    self.counters.rate_limit_wait(wait);
                }
                Ok(())
            }
            Reservation::Refused { wait_us } => Err(Error::RateLimited(RateLimited {
                path: path.to_owned(),
                limit: self.limit.described.clone(),
                wait: from_micros(wait_us),
                left,
            })),
        }
    }
}

#[cfg(test)]
mod tests;
