//! `token_store = "memory"`: this process only (the default). The in-process cache above it
//! already shares the token between the process's clients; this store keeps the same
//! interface so that the cache has one way of working, and holds the rate limit's state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{micros, Held, RateStore, StoreResult, StoredToken, TokenStore};
use crate::limit::gcra::{Interval, Reservation};
use crate::limit::local;

#[derive(Default)]
struct State {
    tokens: HashMap<String, StoredToken>,
    /// Fetch locks: owner and expiry.
    locks: HashMap<String, (u64, Instant)>,
}

/// Tokens and fetch locks in memory. The rate limit's state is the process's own
/// ([`local::process`]).
#[derive(Default)]
pub(crate) struct Memory {
    state: Arc<Mutex<State>>,
    owners: AtomicU64,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // Every change is made in one step, so a poisoned lock still guards valid data.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

struct MemoryHeld {
    state: Arc<Mutex<State>>,
    app: String,
    owner: u64,
}

impl Held for MemoryHeld {
    fn release(self: Box<Self>) -> StoreResult<()> {
        let mut state = lock(&self.state);
        if state
            .locks
            .get(&self.app)
            .is_some_and(|(o, _)| *o == self.owner)
        {
            state.locks.remove(&self.app);
        }
        Ok(())
    }
}

impl TokenStore for Memory {
    fn get(&self, app: &str, _: Duration) -> StoreResult<Option<StoredToken>> {
        Ok(lock(&self.state).tokens.get(app).cloned())
    }

    fn put(&self, app: &str, token: &StoredToken, _: Duration) -> StoreResult<()> {
        lock(&self.state)
            .tokens
            .insert(app.to_owned(), token.clone());
        Ok(())
    }

    fn remove_if(&self, app: &str, token: &str, _: Duration) -> StoreResult<bool> {
        let mut state = lock(&self.state);
        let same = state.tokens.get(app).is_some_and(|t| t.token == token);
        if same {
            state.tokens.remove(app);
        }
        Ok(same)
    }

    fn try_lock(
        &self,
        app: &str,
        ttl: Duration,
        _: Duration,
    ) -> StoreResult<Option<Box<dyn Held>>> {
        let mut state = lock(&self.state);
        let now = Instant::now();
        if state.locks.get(app).is_some_and(|(_, until)| *until > now) {
            return Ok(None);
        }
        let owner = self.owners.fetch_add(1, Ordering::Relaxed);
        state.locks.insert(app.to_owned(), (owner, now + ttl));
        Ok(Some(Box::new(MemoryHeld {
            state: Arc::clone(&self.state),
            app: app.to_owned(),
            owner,
        })))
    }
}

impl RateStore for Memory {
    fn reserve(
        &self,
        app: &str,
        api: &str,
        interval: Interval,
        max_wait: Duration,
        _: Duration,
    ) -> StoreResult<Reservation> {
        Ok(local::process().reserve(&local::key(app, api), interval, micros(max_wait)))
    }
}
