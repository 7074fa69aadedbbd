//! The process-wide access-token cache.
//!
//! One entry per (base URL, app key, hash of the secret): every client of the same app in the
//! process shares it, so in an FPM worker the token outlives PHP requests. The secret itself is
//! never part of a key. A token is renewed `token_margin` before it expires (at most half its
//! lifetime early, so a short-lived token is not fetched on every call). Single-flight: the
//! entry's lock is held while one caller fetches, and concurrent callers wait for that fetch.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::stats::Counters;

/// Identifies one app's cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    base_url: String,
    app_key: String,
    secret_sha256: [u8; 32],
}

impl CacheKey {
    /// The key of an app: the secret only enters as its SHA-256.
    pub fn new(base_url: &str, app_key: &str, app_secret: &str) -> Self {
        CacheKey {
            base_url: base_url.to_owned(),
            app_key: app_key.to_owned(),
            secret_sha256: Sha256::digest(app_secret.as_bytes()).into(),
        }
    }
}

/// A token and when to renew it.
#[derive(Clone)]
struct CachedToken {
    token: String,
    renew_at: Instant,
}

/// The state of one app in this process.
#[derive(Default)]
pub(crate) struct AppEntry {
    slot: Mutex<Option<CachedToken>>,
    pub(crate) counters: Counters,
}

static APPS: LazyLock<Mutex<HashMap<CacheKey, Arc<AppEntry>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The entry of an app, created on first use.
pub(crate) fn entry(key: &CacheKey) -> Arc<AppEntry> {
    // The map only ever gains finished entries, so a poisoned lock still guards valid data.
    let mut apps = APPS.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(apps.entry(key.clone()).or_default())
}

/// When a token that lives `ttl` should be renewed, given the configured margin.
fn renew_after(ttl: Duration, margin: Duration) -> Duration {
    ttl.saturating_sub(margin.min(ttl / 2))
}

impl AppEntry {
    fn slot(&self) -> MutexGuard<'_, Option<CachedToken>> {
        // A panic during a fetch leaves no half-written token (it is written in one step), so
        // recover the lock and forget the token rather than fail every later call.
        self.slot.lock().unwrap_or_else(|poisoned| {
            self.slot.clear_poison();
            let mut guard = poisoned.into_inner();
            *guard = None;
            guard
        })
    }

    /// The cached token if it is still fresh, otherwise the result of `fetch` (which returns the
    /// token and its lifetime), cached. `force` skips the cached one.
    pub(crate) fn token(
        &self,
        force: bool,
        margin: Duration,
        fetch: impl FnOnce() -> Result<(String, Duration)>,
    ) -> Result<String> {
        let mut slot = self.slot();
        if !force {
            if let Some(cached) = slot.as_ref().filter(|c| Instant::now() < c.renew_at) {
                return Ok(cached.token.clone());
            }
        }
        let started = Instant::now();
        let (token, ttl) = fetch()?;
        *slot = Some(CachedToken {
            token: token.clone(),
            renew_at: started + renew_after(ttl, margin),
        });
        Ok(token)
    }

    /// Drops the cached token if it is still `token` (a newer one fetched meanwhile stays).
    pub(crate) fn invalidate(&self, token: &str) {
        let mut slot = self.slot();
        if slot.as_ref().is_some_and(|c| c.token == token) {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn key_holds_no_secret() {
        let key = CacheKey::new("http://x", "app", "top-secret-value");
        let debug = format!("{key:?}");
        assert!(!debug.contains("top-secret-value"));
        assert_ne!(key, CacheKey::new("http://x", "app", "other"));
        assert_ne!(key, CacheKey::new("http://y", "app", "top-secret-value"));
        assert_eq!(key, CacheKey::new("http://x", "app", "top-secret-value"));
    }

    #[test]
    fn renews_with_margin_but_never_before_half_life() {
        let h = Duration::from_secs(3600);
        assert_eq!(
            renew_after(Duration::from_secs(7200), Duration::from_secs(600)),
            Duration::from_secs(6600)
        );
        assert_eq!(
            renew_after(Duration::from_secs(7200), Duration::from_secs(7200)),
            h
        );
        assert_eq!(
            renew_after(Duration::from_secs(7200), Duration::ZERO),
            2 * h
        );
    }

    #[test]
    fn caches_until_renewal_and_honours_force_and_invalidate() {
        let entry = AppEntry::default();
        let fetches = Cell::new(0);
        let fetch = || {
            fetches.set(fetches.get() + 1);
            Ok((format!("t{}", fetches.get()), Duration::from_secs(7200)))
        };
        let margin = Duration::from_secs(600);
        assert_eq!(entry.token(false, margin, fetch).unwrap(), "t1");
        assert_eq!(entry.token(false, margin, fetch).unwrap(), "t1");
        assert_eq!(fetches.get(), 1);
        assert_eq!(entry.token(true, margin, fetch).unwrap(), "t2");
        entry.invalidate("t1"); // stale token: the newer one stays
        assert_eq!(entry.token(false, margin, fetch).unwrap(), "t2");
        entry.invalidate("t2");
        assert_eq!(entry.token(false, margin, fetch).unwrap(), "t3");
        assert_eq!(fetches.get(), 3);
    }

    #[test]
    fn a_token_inside_its_margin_is_renewed() {
        let entry = AppEntry::default();
        let fetches = Cell::new(0);
        let fetch = || {
            fetches.set(fetches.get() + 1);
            Ok(("t".to_owned(), Duration::ZERO))
        };
        entry.token(false, Duration::ZERO, fetch).unwrap();
        entry.token(false, Duration::ZERO, fetch).unwrap();
        assert_eq!(fetches.get(), 2);
    }

    #[test]
    fn concurrent_callers_share_one_fetch() {
        let entry = Arc::new(AppEntry::default());
        let fetches = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let entry = Arc::clone(&entry);
                let fetches = Arc::clone(&fetches);
                std::thread::spawn(move || {
                    entry
                        .token(false, Duration::ZERO, || {
                            fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            Ok(("shared".to_owned(), Duration::from_secs(7200)))
                        })
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), "shared");
        }
        assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
