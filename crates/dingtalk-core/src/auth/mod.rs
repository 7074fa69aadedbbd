//! The access-token cache: this process's slot per app in front, a shared store below.
//!
//! One slot per app ([`AppId`]): every client of the same app in the process shares it, so in
//! an FPM worker the token outlives PHP requests, and both API families use the same token. A
//! call that finds a fresh token there touches nothing else: a healthy worker makes no store
//! round trip per call. Expiry is wall-clock milliseconds (an `Instant` cannot leave the
//! process); the renewal margin is applied when the token is read, and never renews earlier
//! than half the token's lifetime, so a short-lived token is not fetched on every call.
//!
//! When the slot has no fresh token, the app's store is asked (`token_store`); when the store
//! has none either, one fetch is made for everyone sharing it: in this process the slot's lock
//! is held, across processes the store's fetch lock (`store/`). Those who wait read the token
//! the holder stored. A holder that dies blocks nobody past its lock's expiry (its time
//! budget). A store that fails is never in the way: the call fetches directly, and the failure
//! is counted (`store_errors`).

pub(crate) mod fetch;
mod slot;

use std::sync::Arc;
use std::time::Duration;

pub(crate) use slot::{apps_with_token, slot_of, TokenSlot};

use crate::app_id::AppId;
use crate::budget::Budget;
use crate::counters::Counters;
use crate::deadline::Deadline;
use crate::error::Result;
use crate::store::{Held, SharedStore, Store, StoreResult, StoredToken, Unusable};
use crate::time::now_ms;

/// A fetch lock never lasts longer than this, whatever its holder's budget.
const MAX_LOCK_TTL: Duration = Duration::from_secs(60);
/// Nor shorter than this.
const MIN_LOCK_TTL: Duration = Duration::from_secs(1);
/// The longest pause between two looks at a lock held by another process.
const MAX_POLL: Duration = Duration::from_millis(20);

/// A new token and its lifetime, as a fetch returns them.
pub(crate) type Fetched = (String, Duration);

/// The token of one app: this process's slot, the app's store, and the counters that see
/// the store's failures.
pub(crate) struct TokenCache {
    slot: Arc<TokenSlot>,
    store: Arc<Store>,
    /// The app's name in the store.
    key: String,
    counters: Arc<Counters>,
}

/// How waiting for the fetch lock ended.
enum Waited {
    /// Another process stored a fresh token.
    Token(StoredToken),
    /// This process holds the lock.
    Held(Box<dyn Held>),
    /// The store failed: fetch without it.
    NoStore,
}

impl TokenCache {
    pub(crate) fn new(app: &AppId, store: Arc<Store>, counters: Arc<Counters>) -> Self {
        TokenCache {
            slot: slot_of(app),
            store,
            key: app.store_key(),
            counters,
        }
    }

    /// A cache with its own slot, as another process would have (tests).
    #[cfg(test)]
    fn with_slot(
        slot: Arc<TokenSlot>,
        store: Arc<Store>,
        key: &str,
        counters: Arc<Counters>,
    ) -> Self {
        TokenCache {
            slot,
            store,
            key: key.to_owned(),
            counters,
        }
    }

    /// A fresh token: the slot's, the store's, or the result of `fetch`, made by one caller
    /// for all. `force` skips the cached and stored ones.
    pub(crate) fn token(
        &self,
        force: bool,
        margin: Duration,
        budget: &Budget,
        fetch: impl FnOnce() -> Result<Fetched>,
    ) -> Result<String> {
        let mut known = self.slot.lock();
        if !force {
            if let Some(token) = known.token.as_ref().filter(|t| t.fresh(now_ms(), margin)) {
                return Ok(token.token.clone());
            }
        }
        let refused = known.refused.clone();
        let usable = |t: &StoredToken| {
            t.plausible()
                && t.fresh(now_ms(), margin)
                && refused.as_deref() != Some(t.token.as_str())
        };
        let token = self.renew(force, budget, &usable, fetch)?;
        if known.refused.as_deref() == Some(token.token.as_str()) {
            // DingTalk issued the refused token again: it is good once more.
            known.refused = None;
        }
        let value = token.token.clone();
        known.token = Some(token);
        Ok(value)
    }

    /// Forgets `token`, which DingTalk refused: in this process, and in the store if the
    /// store still holds that same token (a newer one stored meanwhile stays).
    pub(crate) fn invalidate(&self, token: &str, budget: &Budget) {
        {
            let mut known = self.slot.lock();
            if known.token.as_ref().is_some_and(|t| t.token == token) {
                known.token = None;
            }
            known.refused = Some(token.to_owned());
        }
        if self.store.is_shared() {
            self.use_store(budget, |s, t| s.remove_if(&self.key, token, t));
        }
    }

    /// Runs a store operation; a failure is counted, and `None` then means "go on without".
    fn use_store<T>(
        &self,
        budget: &Budget,
        op: impl FnOnce(&dyn SharedStore, Deadline) -> StoreResult<T>,
    ) -> Option<T> {
        match self.store.call(budget.deadline(), op) {
            Ok(value) => Some(value),
            Err(unusable) => {
                unusable.count(&self.counters);
                None
            }
        }
    }

    /// The token the store holds, if usable; `Err` when the store cannot be used.
    fn stored(
        &self,
        budget: &Budget,
        usable: &dyn Fn(&StoredToken) -> bool,
    ) -> std::result::Result<Option<StoredToken>, Unusable> {
        self.store
            .call(budget.deadline(), |s, t| s.get(&self.key, t))
            .map(|stored| stored.filter(|t| usable(t)))
    }

    /// A token from the store, or fetched by one caller for everyone sharing the store.
    fn renew(
        &self,
        force: bool,
        budget: &Budget,
        usable: &dyn Fn(&StoredToken) -> bool,
        fetch: impl FnOnce() -> Result<Fetched>,
    ) -> Result<StoredToken> {
        let fetch_now = || {
            let issued_at_ms = now_ms();
            fetch().map(|(token, ttl)| StoredToken::new(token, issued_at_ms, ttl))
        };
        if !self.store.is_shared() {
            // This process's slot is the whole cache: its lock already makes one fetch.
            return fetch_now();
        }
        if !force {
            match self.stored(budget, usable) {
                Ok(Some(token)) => return Ok(token),
                Ok(None) => {}
                Err(unusable) => {
                    unusable.count(&self.counters);
                    return fetch_now();
                }
            }
        }
        let held = match self.wait_for_lock(force, budget, usable)? {
            Waited::Token(token) => return Ok(token),
            Waited::Held(held) => held,
            Waited::NoStore => return fetch_now(),
        };
        if !force {
            // The previous holder may have stored a token between the first look and the lock.
            if let Some(token) = self.use_store(budget, |s, t| s.get(&self.key, t)).flatten() {
                if usable(&token) {
                    self.release(held);
                    return Ok(token);
                }
            }
        }
        let fetched = fetch_now();
        if let Ok(token) = &fetched {
            self.use_store(budget, |s, t| s.put(&self.key, token, t));
        }
        self.release(held);
        fetched
    }

    /// Takes the store's fetch lock, or waits for the token its holder stores. Its expiry
    /// (for a store that needs one) is this call's time budget: the holder's fetch ends by
    /// then, and a holder that died blocks nobody past it.
    fn wait_for_lock(
        &self,
        force: bool,
        budget: &Budget,
        usable: &dyn Fn(&StoredToken) -> bool,
    ) -> Result<Waited> {
        let ttl = budget.left().clamp(MIN_LOCK_TTL, MAX_LOCK_TTL);
        let mut pause = Duration::from_millis(1);
        loop {
            // Waiting ends with the call's budget, as a timeout of the token fetch.
            let left = budget.remaining(fetch::TOKEN_PATH)?;
            match self
                .store
                .call(budget.deadline(), |s, t| s.try_lock(&self.key, ttl, t))
            {
                Ok(Some(held)) => return Ok(Waited::Held(held)),
                Ok(None) => {}
                Err(unusable) => {
                    unusable.count(&self.counters);
                    return Ok(Waited::NoStore);
                }
            }
            if !force {
                match self.stored(budget, usable) {
                    Ok(Some(token)) => return Ok(Waited::Token(token)),
                    Ok(None) => {}
                    Err(unusable) => {
                        unusable.count(&self.counters);
                        return Ok(Waited::NoStore);
                    }
                }
            }
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(MAX_POLL);
        }
    }

    fn release(&self, held: Box<dyn Held>) {
        if held.release().is_err() {
            // A lock left behind expires on its own; the failure still counts.
            Unusable::Failed.count(&self.counters);
        }
    }
}

#[cfg(test)]
mod tests;
