//! `token_store = "redis://..."` (or `rediss://`): every process of every host using that Redis.
//!
//! Keys, for an app whose store key is `K`:
//! - `dingtalk:token:K`, a hash `{token, issued_at_ms, expires_at_ms}` that Redis drops at expiry;
//! - `dingtalk:lock:K`, the fetch lock: `SET NX PX` with a random owner value and an expiry
//!   (the holder's time budget), released by a script that deletes it only for its owner, so
//!   a holder whose lock expired cannot release the next holder's;
//! - `dingtalk:rate:K:API`, the rate limit's number, changed by its rule's script on Redis's own
//!   clock (`TIME`), which every host then shares;
//! - `dingtalk:mark:K:KEY`, a mark: set by `SET NX PX` in a script that returns the value held
//!   otherwise, changed or deleted by a script only while it holds the value expected.
//!
//! One connection per process (made on first use, made again in a forked child and after any
//! error), spoken to over this crate's sockets ([`connection`]): every operation ends by its
//! deadline, connecting and each read of the answer included. The password never appears in
//! an error: it is removed from every text that comes from the connection.

mod connection;

use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use redis::RedisResult;
use rustls::ClientConfig;

use connection::Connection;
pub(crate) use connection::Script;

use super::{
    Held, MarkStore, RateRule, RateStore, Reservation, StoreError, StoreResult, StoredToken,
    TokenStore,
};
use crate::config::ca::CaBundle;
use crate::config::store::RedisSpec;
use crate::deadline::Deadline;
use crate::fork_safe::ForkSafe;
use crate::net::tls;
use crate::random;
use crate::redact::redact;

const PREFIX: &str = "dingtalk";

/// Deletes the lock only if it still holds the caller's owner value.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// Deletes the token only if it is still the one given (compare-and-delete).
const REMOVE_IF: &str = r"
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// Stores the token with Redis's expiry at the token's.
const PUT: &str = r"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'issued_at_ms', ARGV[2], 'expires_at_ms', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1";

/// Sets the mark unless one is there; returns the one there (`nil` when it was set).
const PUT_IF_ABSENT: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return false
end
return redis.call('GET', KEYS[1])";

/// Replaces the mark (`ARGV[2]` empty: deletes it) while it still holds `ARGV[1]`.
const REPLACE_IF: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1";

/// The scripts, each hashed once.
static RELEASE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RELEASE));
static REMOVE_IF_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(REMOVE_IF));
static PUT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(PUT));
static PUT_IF_ABSENT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(PUT_IF_ABSENT));
static REPLACE_IF_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(REPLACE_IF));

/// What a lock that outlives its holder's release needs: the server, and the connection slot.
struct Inner {
    spec: RedisSpec,
    /// The certificates a `rediss://` server is checked against instead of the public roots.
    ca: Option<CaBundle>,
    /// Built on the first `rediss://` connection.
    tls: Mutex<Option<Arc<ClientConfig>>>,
    connection: ForkSafe<Arc<Mutex<Option<Connection>>>>,
}

pub(crate) struct RedisStore {
    inner: Arc<Inner>,
}

impl RedisStore {
    /// A store on `spec` (`ca`: the certificates a `rediss://` server is checked against
    /// instead of the public roots). Connects on first use.
    pub(crate) fn new(spec: &RedisSpec, ca: Option<&CaBundle>) -> Self {
        RedisStore {
            inner: Arc::new(Inner {
                spec: spec.clone(),
                ca: ca.cloned(),
                tls: Mutex::new(None),
                connection: ForkSafe::new(),
            }),
        }
    }
}

impl Inner {
    fn error(&self, text: &str) -> StoreError {
        let text = match &self.spec.password {
            Some(password) => redact(text, &[password]),
            None => text.to_owned(),
        };
        StoreError(format!("redis store: {text}"))
    }

    /// The TLS settings of a `rediss://` store (`None` for `redis://`).
    fn tls(&self) -> StoreResult<Option<Arc<ClientConfig>>> {
        if !self.spec.tls {
            return Ok(None);
        }
        // Only ever replaced whole: a poisoned lock still guards a usable value.
        let mut slot = self.tls.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(config) = slot.as_ref() {
            return Ok(Some(Arc::clone(config)));
        }
        let roots = match &self.ca {
            Some(ca) => tls::only(ca.der()),
            None => tls::public_roots_and(&[]),
        };
        let config = tls::client_config(roots).map_err(|e| self.error(&e))?;
        *slot = Some(Arc::clone(&config));
        Ok(Some(config))
    }

    /// Runs `op` on this process's connection (made if needed), by `deadline`. After an error
    /// the connection is dropped: the next use makes a new one.
    fn run<T>(
        &self,
        deadline: Deadline,
        op: impl FnOnce(&mut Connection) -> RedisResult<T>,
    ) -> StoreResult<T> {
        let slot = self
            .connection
            .get(|| Ok::<_, ()>(Arc::new(Mutex::new(None))))
            .map_err(|()| StoreError("redis store: no connection slot".to_owned()))?;
        let tls = self.tls()?;
        // A connection is only ever replaced whole, so a poisoned lock still guards a usable
        // value (or none).
        let mut connection = slot.lock().unwrap_or_else(PoisonError::into_inner);
        let result = (|| {
            let con = match connection.take() {
                Some(con) => connection.insert(con),
                None => connection.insert(Connection::open(&self.spec, tls, deadline)?),
            };
            op(con)
        })();
        result.map_err(|e| {
            *connection = None;
            self.error(&e.to_string())
        })
    }
}

fn token_key(app: &str) -> String {
    format!("{PREFIX}:token:{app}")
}

fn lock_key(app: &str) -> String {
    format!("{PREFIX}:lock:{app}")
}

/// A random owner value: 16 random bytes (and the pid, for whoever reads the key).
fn owner() -> StoreResult<String> {
    let hex = random::system_hex(16).ok_or_else(|| {
        StoreError("redis store: the system gave no random owner value".to_owned())
    })?;
    Ok(format!("{}-{hex}", std::process::id()))
}

struct RedisHeld {
    inner: Arc<Inner>,
    key: String,
    owner: String,
}

impl Held for RedisHeld {
    fn release(self: Box<Self>) -> StoreResult<()> {
        let (key, owner) = (&self.key, &self.owner);
        let deadline = Deadline::after(super::STORE_TIMEOUT);
        self.inner
            .run(deadline, |con| {
                con.eval::<i64>(&RELEASE_SCRIPT, &[key], &[owner], deadline)
            })
            .map(drop)
    }
}

impl TokenStore for RedisStore {
    fn kind(&self) -> &'static str {
        "redis"
    }

    fn get(&self, app: &str, deadline: Deadline) -> StoreResult<Option<StoredToken>> {
        let key = token_key(app);
        let (token, issued, expires): (Option<String>, Option<i64>, Option<i64>) =
            self.inner.run(deadline, |con| {
                let fields = ["token", "issued_at_ms", "expires_at_ms"];
                con.query(redis::cmd("HMGET").arg(&key).arg(&fields), deadline)
            })?;
        Ok(match (token, issued, expires) {
            (Some(token), Some(issued_at_ms), Some(expires_at_ms)) if !token.is_empty() => {
                Some(StoredToken {
                    token,
                    issued_at_ms,
                    expires_at_ms,
                })
            }
            _ => None,
        })
    }

    fn put(&self, app: &str, token: &StoredToken, deadline: Deadline) -> StoreResult<()> {
        let key = token_key(app);
        let (issued, expires) = (
            token.issued_at_ms.to_string(),
            token.expires_at_ms.to_string(),
        );
        let args = [token.token.as_str(), &issued, &expires];
        self.inner
            .run(deadline, |con| {
                con.eval::<i64>(&PUT_SCRIPT, &[&key], &args, deadline)
            })
            .map(drop)
    }

    fn remove_if(&self, app: &str, token: &str, deadline: Deadline) -> StoreResult<bool> {
        let key = token_key(app);
        let removed: i64 = self.inner.run(deadline, |con| {
            con.eval(&REMOVE_IF_SCRIPT, &[&key], &[token], deadline)
        })?;
        Ok(removed == 1)
    }

    fn try_lock(
        &self,
        app: &str,
        ttl: Duration,
        deadline: Deadline,
    ) -> StoreResult<Option<Box<dyn Held>>> {
        let key = lock_key(app);
        let owner = owner()?;
        let set: Option<String> = self.inner.run(deadline, |con| {
            let cmd = redis::cmd("SET")
                .arg(&key)
                .arg(&owner)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms(ttl))
                .to_owned();
            con.query(&cmd, deadline)
        })?;
        Ok(set.map(|_| {
            Box::new(RedisHeld {
                inner: Arc::clone(&self.inner),
                key,
                owner,
            }) as Box<dyn Held>
        }))
    }
}

impl RateStore for RedisStore {
    fn reserve(
        &self,
        app: &str,
        api: &str,
        rule: &dyn RateRule,
        deadline: Deadline,
    ) -> StoreResult<Reservation> {
        let key = format!("{PREFIX}:rate:{app}:{api}");
        let args = rule.args().map(|arg| arg.to_string());
        let args = [args[0].as_str(), args[1].as_str()];
        let (granted, wait_us): (i64, i64) = self.inner.run(deadline, |con| {
            con.eval(rule.script(), &[&key], &args, deadline)
        })?;
        Ok(if granted == 1 {
            Reservation::Granted { wait_us }
        } else {
            Reservation::Refused { wait_us }
        })
    }
}

fn mark_key(app: &str, key: &str) -> String {
    format!("{PREFIX}:mark:{app}:{key}")
}

/// A time to live in whole milliseconds for `PX` (at least 1).
fn ttl_ms(ttl: Duration) -> String {
    u64::try_from(ttl.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
        .to_string()
}

impl MarkStore for RedisStore {
    fn put_if_absent(
        &self,
        app: &str,
        key: &str,
        value: &str,
        ttl: Duration,
        deadline: Deadline,
    ) -> StoreResult<Option<String>> {
        let key = mark_key(app, key);
        let args = [value, &ttl_ms(ttl)];
        self.inner.run(deadline, |con| {
            con.eval(&PUT_IF_ABSENT_SCRIPT, &[&key], &args, deadline)
        })
    }

    fn replace_if(
        &self,
        app: &str,
        key: &str,
        expected: &str,
        value: Option<&str>,
        ttl: Duration,
        deadline: Deadline,
    ) -> StoreResult<bool> {
        let key = mark_key(app, key);
        let args = [expected, value.unwrap_or_default(), &ttl_ms(ttl)];
        let replaced: i64 = self.inner.run(deadline, |con| {
            con.eval(&REPLACE_IF_SCRIPT, &[&key], &args, deadline)
        })?;
        Ok(replaced == 1)
    }
}
