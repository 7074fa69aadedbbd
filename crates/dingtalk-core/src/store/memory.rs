//! `token_store = "memory"`: this process only (the default). The in-process cache above it
//! already shares the token between the process's clients, so it asks no store that is not
//! shared; this one keeps the same interface all the same (the tests share it between caches
//! that play separate processes). It holds the rate limit's numbers of this process
//! ([`reserve_here`]), which are also what every other store falls back on while it cannot be
//! used; a number whose moment passed is forgotten, so they do not grow with the APIs called.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::marks::Marks;
use super::{
    Held, MarkStore, RateRule, RateStore, Reservation, StoreResult, StoredToken, TokenStore,
};
use crate::deadline::Deadline;
use crate::time::micros;

#[derive(Default)]
struct State {
    tokens: HashMap<String, StoredToken>,
    /// Fetch locks: owner and expiry.
    locks: HashMap<String, (u64, Instant)>,
}

/// Tokens, fetch locks and marks in memory. The rate limit's numbers are the process's own
/// ([`reserve_here`]).
#[derive(Default)]
pub(crate) struct Memory {
    state: Arc<Mutex<State>>,
    owners: AtomicU64,
    marks: Marks,
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
    fn kind(&self) -> &'static str {
        "memory"
    }

    fn get(&self, app: &str, _: Deadline) -> StoreResult<Option<StoredToken>> {
        Ok(lock(&self.state).tokens.get(app).cloned())
    }

    fn put(&self, app: &str, token: &StoredToken, _: Deadline) -> StoreResult<()> {
        lock(&self.state)
            .tokens
            .insert(app.to_owned(), token.clone());
        Ok(())
    }

    fn remove_if(&self, app: &str, token: &str, _: Deadline) -> StoreResult<bool> {
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
        _: Deadline,
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
        rule: &dyn RateRule,
        _: Deadline,
    ) -> StoreResult<Reservation> {
        Ok(reserve_here(app, api, rule))
    }
}

impl MarkStore for Memory {
    fn put_if_absent(
        &self,
        app: &str,
        key: &str,
        value: &str,
        ttl: Duration,
        _: Deadline,
    ) -> StoreResult<Option<String>> {
        Ok(self.marks.put_if_absent(&mark_key(app, key), value, ttl))
    }

    fn replace_if(
        &self,
        app: &str,
        key: &str,
        expected: &str,
        value: Option<&str>,
        ttl: Duration,
        _: Deadline,
    ) -> StoreResult<bool> {
        Ok(self
            .marks
            .replace_if(&mark_key(app, key), expected, value, ttl))
    }
}

/// The key of an app's mark among this process's marks.
pub(crate) fn mark_key(app: &str, key: &str) -> String {
    format!("{app} {key}")
}

/// A clock in microseconds.
pub(crate) type Clock = Box<dyn Fn() -> i64 + Send + Sync>;

/// Fewer numbers than this are never swept.
const FIRST_SWEEP: usize = 64;

/// The rate limit's numbers by (app, API) key, on one clock.
pub(crate) struct Numbers {
    clock: Clock,
    table: Mutex<Table>,
}

struct Table {
    numbers: HashMap<String, i64>,
    /// The count at which the numbers whose moment passed are swept: twice what was left by
    /// the last sweep, so sweeping costs O(1) a reservation and the table stays within twice
    /// the numbers that still mean something.
    sweep_at: usize,
}

impl Numbers {
    /// Numbers on `clock` (tests pass a made-up one).
    pub(crate) fn with_clock(clock: Clock) -> Numbers {
        Numbers {
            clock,
            table: Mutex::new(Table {
                numbers: HashMap::new(),
                sweep_at: FIRST_SWEEP,
            }),
        }
    }

    /// Runs `rule` on the number of `key`, locked meanwhile, and keeps the number it gives.
    pub(crate) fn reserve(&self, key: &str, rule: &dyn RateRule) -> Reservation {
        // Each entry is written in one step, so a poisoned lock still guards valid data.
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let now = (self.clock)();
        let (reservation, next) = rule.apply(table.numbers.get(key).copied(), now);
        if let Some(next) = next {
            table.numbers.insert(key.to_owned(), next);
        }
        if table.numbers.len() >= table.sweep_at {
            // A number is a moment after which it means nothing (see `RateRule`).
            table.numbers.retain(|_, moment| *moment > now);
            table.sweep_at = (table.numbers.len() * 2).max(FIRST_SWEEP);
        }
        reservation
    }

    /// How many numbers are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        table.numbers.len()
    }
}

/// The key of an (app, API) among this process's numbers.
fn key(app: &str, api: &str) -> String {
    format!("{app} {api}")
}

/// The numbers of this process, on a monotonic clock (a wall clock may jump; nothing outside
/// the process reads these times).
fn process() -> &'static Numbers {
    static STARTED: LazyLock<Instant> = LazyLock::new(Instant::now);
    static NUMBERS: LazyLock<Numbers> =
        LazyLock::new(|| Numbers::with_clock(Box::new(|| micros(STARTED.elapsed()))));
    &NUMBERS
}

/// Runs `rule` on this process's number of (`app`, `api`): the `memory` store's rate limit,
/// and every other store's while it cannot be used.
pub(crate) fn reserve_here(app: &str, api: &str, rule: &dyn RateRule) -> Reservation {
    process().reserve(&key(app, api), rule)
}
