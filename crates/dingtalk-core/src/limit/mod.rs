//! The client-side rate limit (`rate_limit`): calls per second per app and API, enforced for
//! every process that shares the `token_store` (memory: this process; file: this host; Redis:
//! every host), so that a fleet configured at DingTalk's limit is not throttled.
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
use crate::store::{memory, Reservation, Store};
use crate::time::from_micros;

/// The rate limit of one app.
pub(crate) struct RateLimiter {
    per_second: f64,
    interval: Interval,
    store: Arc<Store>,
    /// The app's name in the store.
    app: String,
    counters: Arc<Counters>,
}

impl RateLimiter {
    pub(crate) fn new(
        per_second: f64,
        store: Arc<Store>,
        app: String,
        counters: Arc<Counters>,
    ) -> Self {
        RateLimiter {
            per_second,
            interval: Interval::for_rate(per_second),
            store,
            app,
            counters,
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
            unusable.count(&self.counters);
            memory::reserve_here(&self.app, api, &rule)
        });
        match reservation {
            Reservation::Granted { wait_us } => {
                if wait_us > 0 {
                    let wait = from_micros(wait_us);
                    std::thread::sleep(wait);
                    self.counters.rate_limit_wait(wait);
                }
                Ok(())
            }
            Reservation::Refused { wait_us } => Err(Error::RateLimited(RateLimited {
                path: path.to_owned(),
                per_second: self.per_second.to_string(),
                wait: from_micros(wait_us),
                left,
            })),
        }
    }
}

#[cfg(test)]
mod tests;
