//! The process-wide access-token cache.
//!
//! One entry per app ([`AppId`]): every client of the same app in the process shares it, so in
//! an FPM worker the token outlives PHP requests, and both API families use the same token.
//! Expiry is kept as wall-clock milliseconds (an `Instant` cannot leave the process, and shared
//! stores come next); the renewal margin is applied when the token is read, and never renews
//! earlier than half the token's lifetime, so a short-lived token is not fetched on every call.
//! Single-flight: the entry's lock is held while one caller fetches, and concurrent callers
//! wait for that fetch.

pub(crate) mod fetch;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::app_id::AppId;
use crate::error::Result;
use crate::time::{millis, now_ms};

/// A token and its lifetime, in wall-clock milliseconds.
#[derive(Clone)]
struct CachedToken {
    token: String,
    fetched_at_ms: i64,
    expires_at_ms: i64,
}

impl CachedToken {
    /// Whether it is still fresh at `now_ms`, renewing `margin` before expiry but never before
    /// half its lifetime.
    fn fresh(&self, now_ms: i64, margin: Duration) -> bool {
        let lifetime = self.expires_at_ms.saturating_sub(self.fetched_at_ms).max(0);
        let early = millis(margin).min(lifetime / 2);
        now_ms < self.expires_at_ms.saturating_sub(early)
    }
}

/// The token of one app in this process.
#[derive(Default)]
pub(crate) struct TokenSlot {
    slot: Mutex<Option<CachedToken>>,
}

static APPS: LazyLock<Mutex<HashMap<AppId, Arc<TokenSlot>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The token slot of an app, created on first use.
pub(crate) fn slot_of(app: &AppId) -> Arc<TokenSlot> {
    // The map only ever gains finished entries, so a poisoned lock still guards valid data.
    let mut apps = APPS.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(apps.entry(app.clone()).or_default())
}

/// How many apps this process holds an unexpired token of. Reads without waiting: a slot
/// locked by a fetch in progress is not counted.
pub(crate) fn apps_with_token() -> usize {
    let slots: Vec<Arc<TokenSlot>> = {
        let apps = APPS.lock().unwrap_or_else(PoisonError::into_inner);
        apps.values().cloned().collect()
    };
    let now = now_ms();
    slots.iter().filter(|slot| slot.holds_token_at(now)).count()
}

impl TokenSlot {
    /// Whether it holds a token that has not expired at `now_ms` (a locked slot: no).
    fn holds_token_at(&self, now_ms: i64) -> bool {
        match self.slot.try_lock() {
            Ok(slot) => slot.as_ref().is_some_and(|c| now_ms < c.expires_at_ms),
            Err(_) => false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<CachedToken>> {
        // A panic during a fetch leaves no half-written token (it is written in one step), so
        // recover the lock and forget the token rather than fail every later call.
        self.slot.lock().unwrap_or_else(|poisoned| {
            self.slot.clear_poison();
            let mut guard = poisoned.into_inner();
            *guard = None;
            guard
        })
    }

    /// The cached token if it is still fresh, otherwise the result of `fetch` (the token and
    /// its lifetime), cached. `force` skips the cached one.
    pub(crate) fn token(
        &self,
        force: bool,
        margin: Duration,
        fetch: impl FnOnce() -> Result<(String, Duration)>,
    ) -> Result<String> {
        let mut slot = self.lock();
        if !force {
            if let Some(cached) = slot.as_ref().filter(|c| c.fresh(now_ms(), margin)) {
                return Ok(cached.token.clone());
            }
        }
        let fetched_at_ms = now_ms();
        let (token, ttl) = fetch()?;
        *slot = Some(CachedToken {
            token: token.clone(),
            fetched_at_ms,
            expires_at_ms: fetched_at_ms.saturating_add(millis(ttl)),
        });
        Ok(token)
    }

    /// Drops the cached token if it is still `token` (a newer one fetched meanwhile stays).
    pub(crate) fn invalidate(&self, token: &str) {
        let mut slot = self.lock();
        if slot.as_ref().is_some_and(|c| c.token == token) {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn cached(lifetime_s: i64) -> CachedToken {
        CachedToken {
            token: "t".into(),
            fetched_at_ms: 0,
            expires_at_ms: lifetime_s * 1000,
        }
    }

    #[test]
    fn renews_with_margin_but_never_before_half_life() {
        let margin = Duration::from_secs(600);
        assert!(cached(7200).fresh(6_599_999, margin));
        assert!(!cached(7200).fresh(6_600_000, margin));
        // A margin longer than the lifetime renews at half of it.
        assert!(cached(7200).fresh(3_599_999, Duration::from_secs(7200)));
        assert!(!cached(7200).fresh(3_600_000, Duration::from_secs(7200)));
        assert!(cached(7200).fresh(7_199_999, Duration::ZERO));
        assert!(!cached(0).fresh(0, Duration::ZERO));
    }

    #[test]
    fn caches_until_renewal_and_honours_force_and_invalidate() {
        let slot = TokenSlot::default();
        let fetches = Cell::new(0);
        let fetch = || {
            fetches.set(fetches.get() + 1);
            Ok((format!("t{}", fetches.get()), Duration::from_secs(7200)))
        };
        let margin = Duration::from_secs(600);
        assert_eq!(slot.token(false, margin, fetch).unwrap(), "t1");
        assert_eq!(slot.token(false, margin, fetch).unwrap(), "t1");
        assert_eq!(fetches.get(), 1);
        assert_eq!(slot.token(true, margin, fetch).unwrap(), "t2");
        slot.invalidate("t1"); // stale token: the newer one stays
        assert_eq!(slot.token(false, margin, fetch).unwrap(), "t2");
        slot.invalidate("t2");
        assert_eq!(slot.token(false, margin, fetch).unwrap(), "t3");
        assert_eq!(fetches.get(), 3);
    }

    #[test]
    fn a_token_inside_its_margin_is_renewed() {
        let slot = TokenSlot::default();
        let fetches = Cell::new(0);
        let fetch = || {
            fetches.set(fetches.get() + 1);
            Ok(("t".to_owned(), Duration::ZERO))
        };
        slot.token(false, Duration::ZERO, fetch).unwrap();
        slot.token(false, Duration::ZERO, fetch).unwrap();
        assert_eq!(fetches.get(), 2);
    }

    #[test]
    fn a_slot_counts_as_holding_a_token_until_it_expires() {
        let slot = TokenSlot::default();
        assert!(!slot.holds_token_at(0));
        *slot.lock() = Some(cached(7200));
        assert!(slot.holds_token_at(7_199_999));
        assert!(!slot.holds_token_at(7_200_000));
        let busy = slot.lock();
        assert!(
            !slot.holds_token_at(0),
            "a slot being fetched is not waited for"
        );
        drop(busy);
    }

    #[test]
    fn concurrent_callers_share_one_fetch() {
        let slot = Arc::new(TokenSlot::default());
        let fetches = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let slot = Arc::clone(&slot);
                let fetches = Arc::clone(&fetches);
                std::thread::spawn(move || {
                    slot.token(false, Duration::ZERO, || {
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
