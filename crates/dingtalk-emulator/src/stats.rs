//! Request counts for `GET /_emulator/stats`: calls per path, token fetches, answers refused
//! by the QPS limit, and how many requests are being handled at once (and the most so far),
//! which shows a client's concurrency.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::sync::lock;

/// Paths whose calls count as token fetches.
const TOKEN_PATHS: [&str; 2] = ["/gettoken", "/v1.0/oauth2/accessToken"];

#[derive(Default)]
pub struct Stats {
    gettoken: AtomicU64,
    throttled: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    by_path: Mutex<HashMap<String, u64>>,
}

/// One request being handled, from its arrival to its answer (or its dropped connection).
pub struct InFlight<'a>(&'a Stats);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Stats {
    /// Counts one request (answered, refused or faulted alike).
    pub fn count(&self, path: &str) {
        if TOKEN_PATHS.contains(&path) {
            self.gettoken.fetch_add(1, Ordering::Relaxed);
        }
        let mut by_path = lock(&self.by_path);
        // Look up before inserting so the common case allocates nothing.
        match by_path.get_mut(path) {
            Some(n) => *n += 1,
            None => {
                by_path.insert(path.to_owned(), 1);
            }
        }
    }

    /// Counts one call answered "over the QPS limit".
    pub fn throttle(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks a request as being handled until the guard is dropped.
    pub fn start(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(self)
    }

    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    pub fn max_in_flight(&self) -> u64 {
        self.max_in_flight.load(Ordering::Relaxed)
    }

    pub fn gettoken(&self) -> u64 {
        self.gettoken.load(Ordering::Relaxed)
    }

    /// Counts per path, sorted so the answer is stable.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        lock(&self.by_path)
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Back to zero; the most in flight starts again from what is in flight now.
    pub fn clear(&self) {
        self.gettoken.store(0, Ordering::Relaxed);
        self.throttled.store(0, Ordering::Relaxed);
        self.max_in_flight
            .store(self.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
        lock(&self.by_path).clear();
    }
}
