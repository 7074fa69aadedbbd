//! The rate limit's state in this process: the `memory` store's, and the fallback of every
//! other store while it cannot be reached.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Instant;

use super::gcra::{self, Interval, Reservation};

/// A clock in microseconds.
pub(crate) type Clock = Box<dyn Fn() -> i64 + Send + Sync>;

/// TATs by (app, API) key, on one clock.
pub(crate) struct Local {
    clock: Clock,
    tats: Mutex<HashMap<String, i64>>,
}

impl Local {
    /// State on `clock` (tests pass a made-up one).
    pub(crate) fn with_clock(clock: Clock) -> Local {
        Local {
            clock,
            tats: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves the next slot of `key` if it comes within `max_wait_us`.
    pub(crate) fn reserve(&self, key: &str, interval: Interval, max_wait_us: i64) -> Reservation {
        // Each entry is written in one step, so a poisoned lock still guards valid data.
        let mut tats = self.tats.lock().unwrap_or_else(PoisonError::into_inner);
        let now = (self.clock)();
        let (reservation, next) = gcra::reserve(tats.get(key).copied(), now, interval, max_wait_us);
        if let Some(next) = next {
            tats.insert(key.to_owned(), next);
        }
        reservation
    }
}

/// The key of an (app, API) in this process's state.
pub(crate) fn key(app: &str, api: &str) -> String {
    format!("{app} {api}")
}

/// The state of this process, on a monotonic clock (a wall clock may jump; nothing outside
/// the process reads these times).
pub(crate) fn process() -> &'static Local {
    static STARTED: LazyLock<Instant> = LazyLock::new(Instant::now);
    static LOCAL: LazyLock<Local> = LazyLock::new(|| {
        Local::with_clock(Box::new(|| {
            i64::try_from(STARTED.elapsed().as_micros()).unwrap_or(i64::MAX)
        }))
    });
    &LOCAL
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    #[test]
    fn keys_are_limited_apart_on_the_given_clock() {
        let now = Arc::new(AtomicI64::new(0));
        let clock = Arc::clone(&now);
        let local = Local::with_clock(Box::new(move || clock.load(Ordering::SeqCst)));
        let interval = Interval(100);
        let granted = |wait_us| Reservation::Granted { wait_us };
        assert_eq!(local.reserve("a", interval, 1_000), granted(0));
        assert_eq!(local.reserve("a", interval, 1_000), granted(100));
        assert_eq!(
            local.reserve("b", interval, 1_000),
            granted(0),
            "another key"
        );
        now.store(150, Ordering::SeqCst);
        assert_eq!(local.reserve("a", interval, 1_000), granted(50));
        assert_eq!(
            local.reserve("a", interval, 10),
            Reservation::Refused { wait_us: 150 }
        );
        now.store(10_000, Ordering::SeqCst);
        assert_eq!(local.reserve("a", interval, 0), granted(0), "idle: at once");
    }
}
