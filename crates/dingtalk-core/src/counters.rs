//! Counters of one app in this process, shared by every client of that app.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use crate::app_id::AppId;

/// A snapshot of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// API requests sent (each attempt counts; token fetches do not).
    pub requests: u64,
    /// Token fetches sent (`/gettoken`).
    pub token_fetches: u64,
    /// Extra attempts made after a failure (token refreshes and backoffs).
    pub retries: u64,
    /// Operations of the shared `token_store` that failed (the call went on without it).
    pub store_errors: u64,
    /// Milliseconds spent waiting for a slot of the `rate_limit`.
    pub rate_limit_wait_ms: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    token_fetches: AtomicU64,
    retries: AtomicU64,
    store_errors: AtomicU64,
    rate_limit_wait_us: AtomicU64,
}

impl Counters {
    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn token_fetch(&self) {
        self.token_fetches.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn store_error(&self) {
        self.store_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rate_limit_wait(&self, waited: Duration) {
        let micros = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
        self.rate_limit_wait_us.fetch_add(micros, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            token_fetches: self.token_fetches.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            store_errors: self.store_errors.load(Ordering::Relaxed),
            rate_limit_wait_ms: self.rate_limit_wait_us.load(Ordering::Relaxed) / 1000,
        }
    }
}

static APPS: LazyLock<Mutex<HashMap<AppId, Arc<Counters>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The counters of every app in this process, added up.
pub(crate) fn process_totals() -> Stats {
    let apps = APPS.lock().unwrap_or_else(PoisonError::into_inner);
    apps.values()
        .map(|counters| counters.snapshot())
        .fold(Stats::default(), |total, app| Stats {
            requests: total.requests.saturating_add(app.requests),
            token_fetches: total.token_fetches.saturating_add(app.token_fetches),
            retries: total.retries.saturating_add(app.retries),
            store_errors: total.store_errors.saturating_add(app.store_errors),
            rate_limit_wait_ms: total
                .rate_limit_wait_ms
                .saturating_add(app.rate_limit_wait_ms),
        })
}

/// The counters of an app in this process, created on first use.
pub(crate) fn counters_of(app: &AppId) -> Arc<Counters> {
    // The map only ever gains finished entries, so a poisoned lock still guards valid data.
    let mut apps = APPS.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(apps.entry(app.clone()).or_default())
}
