//! Shared stores (`token_store`): where a token, the rate limit's state, and the marks of a
//! Stream worker's deduplication are shared beyond one process. Below the token cache (`auth/`) and the rate limit (`limit/`), which both use
//! it: a store is only asked when this process has no fresh token, or when the rate limit needs
//! a slot.
//!
//! - `memory`: this process ([`memory`]).
//! - `file:///dir`: every process of this host; data guarded by `flock`, the fetch by a lock
//!   file whose `flock` the kernel drops when its holder dies ([`file`]).
//! - `redis://`, `rediss://`: every host; a lock key with an expiry and an owner, scripts for
//!   what must be atomic ([`redis`]).
//!
//! A store holds, per app, the token and its validity window (issued and expiry times), and per
//! (app, API) one number of the rate limit's, under a key made of the app key and a hash
//! ([`crate::app_id::AppId::store_key`]): never the secret. It keeps them atomically and knows
//! nothing of what the rate limit's number means: how it moves is the caller's [`RateRule`].
//! Per (app, key) it also keeps a mark that expires ([`MarkStore`]): a value set only if none
//! is there, changed only by whoever knows the value (a Stream worker's claim on a message).
//!
//! A store is never needed for a call to work: when one fails, it is left alone for
//! [`PAUSE_AFTER_FAILURE`] while calls go on with this process's cache and limiter, and the
//! caller counts the failure (`store_errors`). Every operation ends by one [`Deadline`]: the
//! call's, and at most [`STORE_TIMEOUT`] from its start, connecting, writing and each read of
//! the answer included. A store that is not safe to use (a directory another user owns or can
//! write, a file that is not a regular file of this user's) fails like one that is down.

#[cfg(unix)]
pub(crate) mod file;
pub(crate) mod marks;
pub(crate) mod memory;
pub(crate) mod redis;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use crate::config::ca::CaBundle;
use crate::config::StoreSpec;
use crate::counters::Counters;
use crate::deadline::Deadline;
use crate::observe::{Event, Observe};
use crate::time::{millis, now_ms};

/// The longest any one store operation may take, as a whole (connecting included). A store is
/// a local service: slower than this, it is treated as down.
pub(crate) const STORE_TIMEOUT: Duration = Duration::from_millis(500);

/// How long a store that failed is left alone before it is tried again.
pub(crate) const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// The longest token believed from a store (DingTalk's are 32 characters).
const MAX_TOKEN_BYTES: usize = 1024;

/// A token and its validity window in wall-clock milliseconds: all a store keeps of it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct StoredToken {
    pub(crate) token: String,
    pub(crate) issued_at_ms: i64,
    pub(crate) expires_at_ms: i64,
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("token", &"***")
            .field("issued_at_ms", &self.issued_at_ms)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

impl StoredToken {
    /// A token fetched at `issued_at_ms` that lives `ttl`.
    pub(crate) fn new(token: String, issued_at_ms: i64, ttl: Duration) -> Self {
        StoredToken {
            token,
            issued_at_ms,
            expires_at_ms: issued_at_ms.saturating_add(millis(ttl)),
        }
    }

    /// Whether it looks like a token: what a store hands back is checked before it is sent
    /// in a header or a query (a store can be tampered with, a file cut short).
    pub(crate) fn plausible(&self) -> bool {
        (1..=MAX_TOKEN_BYTES).contains(&self.token.len())
            && self.token.bytes().all(|b| b.is_ascii_graphic())
            && self.expires_at_ms >= self.issued_at_ms
    }

    /// Whether it is still fresh at `now_ms`, renewing `margin` before expiry but never before
    /// half its lifetime (so a short-lived token is not fetched on every call).
    pub(crate) fn fresh(&self, now_ms: i64, margin: Duration) -> bool {
        let lifetime = self.expires_at_ms.saturating_sub(self.issued_at_ms).max(0);
        let early = millis(margin).min(lifetime / 2);
        now_ms < self.expires_at_ms.saturating_sub(early)
    }
}

/// Why a store could not be used; holds no secret (a Redis password is scrubbed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoreError(pub(crate) String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) type StoreResult<T> = Result<T, StoreError>;

/// A fetch lock held in a store; only its holder releases it.
pub(crate) trait Held: Send {
    fn release(self: Box<Self>) -> StoreResult<()>;
}

/// The token of an app (named by its store key), shared.
pub(crate) trait TokenStore: Send + Sync {
    /// The back end's name, as logs give it: `memory`, `file`, `redis`.
    fn kind(&self) -> &'static str;
    /// The stored token, if any (fresh or not).
    fn get(&self, app: &str, deadline: Deadline) -> StoreResult<Option<StoredToken>>;
    /// Stores `token`, replacing any other.
    fn put(&self, app: &str, token: &StoredToken, deadline: Deadline) -> StoreResult<()>;
    /// Removes the stored token if it is still `token` (compare-and-delete); whether it was.
    fn remove_if(&self, app: &str, token: &str, deadline: Deadline) -> StoreResult<bool>;
    /// Takes the app's fetch lock if nobody holds it (`None`: someone does). `ttl` bounds how
    /// long a holder that died keeps it.
    fn try_lock(
        &self,
        app: &str,
        ttl: Duration,
        deadline: Deadline,
    ) -> StoreResult<Option<Box<dyn Held>>>;
}

/// The answer to one call's request for a slot of the rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reservation {
    /// The call has its slot: it goes `wait_us` from now.
    Granted { wait_us: i64 },
    /// The next slot is `wait_us` from now, later than the call may wait; nothing was taken.
    Refused { wait_us: i64 },
}

/// How the rate limit's number moves when a call asks for a slot. The rate limit writes it
/// twice, in Rust and in Lua, so that each back end can run it where the number is locked: here
/// (this process, a host's files) or inside Redis, on Redis's own clock.
///
/// The number is a moment (µs on the back end's clock) after which it means nothing — a rule
/// treats a number in the past like none — so a back end forgets it once that moment passed
/// (the Lua script sets its key's expiry itself): the state kept does not grow with the APIs
/// called.
pub(crate) trait RateRule: Sync {
    /// The answer to a call made at `now_us` when the number kept is `kept` (`None`: none
    /// yet), and the number to keep (`None`: unchanged). Times in µs on the back end's clock.
    fn apply(&self, kept: Option<i64>, now_us: i64) -> (Reservation, Option<i64>);
    /// The same as a Redis script: `KEYS[1]` holds the number and `ARGV` is
    /// [`RateRule::args`]; it keeps the new number itself and returns `{granted (0 or 1), wait
    /// in µs}`.
    fn script(&self) -> &redis::Script;
    /// The script's arguments.
    fn args(&self) -> [i64; 2];
}

/// The rate limit's number of an (app, API), shared.
pub(crate) trait RateStore: Send + Sync {
    /// Runs `rule` on the number of (`app`, `api`) while nobody else can change it, and keeps
    /// the number it gives.
    fn reserve(
        &self,
        app: &str,
        api: &str,
        rule: &dyn RateRule,
        deadline: Deadline,
    ) -> StoreResult<Reservation>;
}

/// Marks that expire, per (app, key): set if absent, replaced or removed only by whoever
/// knows the value held. Values are short texts, never empty.
pub(crate) trait MarkStore: Send + Sync {
    /// Sets `key` of `app` to `value` for `ttl`, unless it holds a value whose time is not up:
    /// `None` when it set it, else the value held.
    fn put_if_absent(
        &self,
        app: &str,
        key: &str,
        value: &str,
        ttl: Duration,
        deadline: Deadline,
    ) -> StoreResult<Option<String>>;
    /// If `key` of `app` still holds `expected`: sets it to `value` for `ttl`, or removes it
    /// (`value` `None`); whether it did.
    fn replace_if(
        &self,
        app: &str,
        key: &str,
        expected: &str,
        value: Option<&str>,
        ttl: Duration,
        deadline: Deadline,
    ) -> StoreResult<bool>;
}

/// What a store back end offers.
pub(crate) trait SharedStore: TokenStore + RateStore + MarkStore {}

impl<T: TokenStore + RateStore + MarkStore> SharedStore for T {}

/// Why a store was not used for an operation.
#[derive(Debug)]
pub(crate) enum Unusable {
    /// It failed now (to be counted, and told unless it failed the same way before).
    Failed {
        /// The back end's name.
        store: &'static str,
        /// Why, without the store's password.
        cause: StoreError,
        /// Whether to tell it: the store last worked, or failed another way, before this.
        news: bool,
    },
    /// It failed a moment ago and is left alone for a while, or the call has no time left.
    Paused,
}

impl Unusable {
    /// Counts a failure in the app's `store_errors` and tells the client's observer when it
    /// is news (a store that fails the same way again and again, such as a directory refused
    /// as a store, is told once, until it works again); a paused store was not tried, so it
    /// is neither counted nor told.
    pub(crate) fn count(&self, counters: &Counters, observe: &Observe) {
        if let Unusable::Failed { store, cause, news } = self {
            counters.store_error();
            if *news {
                observe.emit(|| Event::StoreFailed {
                    store,
                    cause: cause.0.clone(),
                });
            }
        }
    }
}

/// A store back end, paused for a while after each failure.
pub(crate) struct Store {
    backend: Box<dyn SharedStore>,
    /// Beyond this process: a fetch lock and a shared token are worth a round trip.
    shared: bool,
    /// Wall-clock ms before which the store is not tried (after a failure).
    paused_until_ms: AtomicI64,
    /// The cause of the last failure, until an operation succeeds again (`failing` says
    /// whether there is one without taking the lock on every success).
    last_failure: Mutex<Option<String>>,
    failing: AtomicBool,
}

impl Store {
    pub(crate) fn new(backend: Box<dyn SharedStore>, shared: bool) -> Self {
        Store {
            backend,
            shared,
            paused_until_ms: AtomicI64::new(0),
            last_failure: Mutex::new(None),
            failing: AtomicBool::new(false),
        }
    }

    /// Whether other processes share it.
    pub(crate) fn is_shared(&self) -> bool {
        self.shared
    }

    /// Runs `op` on the back end, to end by `deadline` (the call's) and within
    /// [`STORE_TIMEOUT`].
    pub(crate) fn call<T>(
        &self,
        deadline: Deadline,
        op: impl FnOnce(&dyn SharedStore, Deadline) -> StoreResult<T>,
    ) -> Result<T, Unusable> {
        if now_ms() < self.paused_until_ms.load(Ordering::Relaxed) || deadline.passed() {
            return Err(Unusable::Paused);
        }
        let deadline = deadline.min(Deadline::after(STORE_TIMEOUT));
        let result = op(&*self.backend, deadline);
        if result.is_ok() && self.failing.swap(false, Ordering::Relaxed) {
            *self
                .last_failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
        }
        result.map_err(|error| {
            // Left alone for a while; a call goes on the same way whatever the reason, which
            // is only told (to the client's observer, by the caller that counts the failure).
            let until = now_ms().saturating_add(millis(PAUSE_AFTER_FAILURE));
            self.paused_until_ms.store(until, Ordering::Relaxed);
            self.failed(error)
        })
    }

    /// The back end's name: `memory`, `file`, `redis`.
    pub(crate) fn kind(&self) -> &'static str {
        self.backend.kind()
    }

    /// An operation of this store failed with `cause`: news unless the last failure had the
    /// same cause and nothing worked since.
    pub(crate) fn failed(&self, cause: StoreError) -> Unusable {
        let news = {
            let mut last = self
                .last_failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let news = last.as_deref() != Some(cause.0.as_str());
            if news {
                *last = Some(cause.0.clone());
            }
            news
        };
        self.failing.store(true, Ordering::Relaxed);
        Unusable::Failed {
            store: self.kind(),
            cause,
            news,
        }
    }
}

/// The most shared stores (each may hold a connection) a process keeps.
const POOL_SIZE: usize = 8;

type Pool = Vec<((StoreSpec, Option<CaBundle>), Arc<Store>)>;

/// The stores in use, most recently used last.
static POOL: LazyLock<Mutex<Pool>> = LazyLock::new(|| Mutex::new(Vec::new()));

/// The store of `spec` (`ca`: the extra CAs, which only a `rediss://` store uses), shared by
/// every client of the process that names it. Nothing is connected or created here.
pub(crate) fn entry(spec: &StoreSpec, ca: Option<&CaBundle>) -> Arc<Store> {
    static MEMORY: LazyLock<Arc<Store>> =
        LazyLock::new(|| Arc::new(Store::new(Box::new(memory::Memory::default()), false)));
    let ca = match spec {
        StoreSpec::Redis(redis) if redis.tls => ca.cloned(),
        _ => None,
    };
    let key = (spec.clone(), ca);
    let make = || match &key.0 {
        StoreSpec::Memory => Arc::clone(&MEMORY),
        #[cfg(unix)]
        StoreSpec::File(dir) => Arc::new(Store::new(Box::new(file::FileStore::new(dir)), true)),
        // Refused when the option is read: flock is Unix's.
        #[cfg(not(unix))]
        StoreSpec::File(_) => Arc::clone(&MEMORY),
        StoreSpec::Redis(redis) => Arc::new(Store::new(
            Box::new(redis::RedisStore::new(redis, key.1.as_ref())),
            true,
        )),
    };
    // The pool only holds finished entries, so a panic elsewhere cannot leave it half-written.
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let store = match pool.iter().position(|(k, _)| *k == key) {
        Some(at) => pool.remove(at).1,
        None => {
            if pool.len() >= POOL_SIZE {
                // The least recently used goes; it lives on in the clients that hold it.
                pool.remove(0);
            }
            make()
        }
    };
    pool.push((key, Arc::clone(&store)));
    store
}

#[cfg(test)]
pub(crate) mod tests;
