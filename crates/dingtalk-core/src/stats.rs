//! Counters of one app in this process, shared by every client of that app.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

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
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    token_fetches: AtomicU64,
    retries: AtomicU64,
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

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            token_fetches: self.token_fetches.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
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
        })
}

/// The counters of an app in this process, created on first use.
pub(crate) fn counters_of(app: &AppId) -> Arc<Counters> {
    // The map only ever gains finished entries, so a poisoned lock still guards valid data.
    let mut apps = APPS.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(apps.entry(app.clone()).or_default())
}
