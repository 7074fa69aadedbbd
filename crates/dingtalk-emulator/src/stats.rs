//! What `GET /_emulator/stats` reports: the calls per path, the token fetches, the answers
//! refused by the QPS limit and by webhook robots' flow control, and how many requests are being handled at once (and the most so
//! far), which shows a client's concurrency. As in the client, [`Counters`] are counted as
//! requests come and [`Stats`] is a snapshot of them.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::sync::lock;

/// Paths whose calls count as token fetches.
const TOKEN_PATHS: [&str; 2] = ["/gettoken", "/v1.0/oauth2/accessToken"];

/// A snapshot of the counters: the body of `GET /_emulator/stats` (and what
/// [`crate::testing::Control::stats`] reads back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Calls of `/gettoken` and `/v1.0/oauth2/accessToken`, answered or not.
    pub gettoken: u64,
    /// Requests per path (as sent, percent-encoding and all), control paths excluded; sorted
    /// so the answer is stable.
    pub requests: BTreeMap<String, u64>,
    /// Calls answered "over the QPS limit" (errcode 90018 or HTTP 403 `...QpsLimit...`).
    pub throttled: u64,
    /// Webhook messages answered 130101 (over a robot's messages a minute, or muted).
    pub webhook_throttled: u64,
    /// Requests being handled now.
    pub in_flight: u64,
    /// The most requests handled at once since the start (or the last reset).
    pub max_in_flight: u64,
}

impl Stats {
    /// Requests of exactly this path.
    pub fn count(&self, path: &str) -> u64 {
        self.requests.get(path).copied().unwrap_or(0)
    }

    /// Requests of every path starting with `prefix`, e.g. `/v1.0/todo/`.
    pub fn count_prefix(&self, prefix: &str) -> u64 {
        self.requests
            .iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }
}

#[derive(Default)]
pub struct Counters {
    gettoken: AtomicU64,
    throttled: AtomicU64,
    webhook_throttled: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    by_path: Mutex<HashMap<String, u64>>,
}

/// One request being handled, from its arrival to its answer (or its dropped connection).
pub struct InFlight<'a>(&'a Counters);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Counters {
    /// Counts one request (answered, refused or faulted alike).
    pub fn count_request(&self, path: &str) {
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
    pub fn count_throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one webhook message answered 130101.
    pub fn count_webhook_throttled(&self) {
        self.webhook_throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks a request as being handled until the guard is dropped.
    pub fn start(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(self)
    }

    pub fn snapshot(&self) -> Stats {
        let requests = lock(&self.by_path)
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        Stats {
            gettoken: self.gettoken.load(Ordering::Relaxed),
            requests,
            throttled: self.throttled.load(Ordering::Relaxed),
            webhook_throttled: self.webhook_throttled.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
        }
    }

    /// Back to zero; the most in flight starts again from what is in flight now.
    pub fn clear(&self) {
        self.gettoken.store(0, Ordering::Relaxed);
        self.throttled.store(0, Ordering::Relaxed);
        self.webhook_throttled.store(0, Ordering::Relaxed);
        self.max_in_flight
            .store(self.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
        lock(&self.by_path).clear();
    }
}
