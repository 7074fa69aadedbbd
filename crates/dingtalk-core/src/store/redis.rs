//! `token_store = "redis://..."` (or `rediss://`): every process of every host using that Redis.
//!
//! Keys, for an app whose store key is `K`:
//! - `dingtalk:token:K`, a hash `{token, issued_at_ms, expires_at_ms}` that Redis drops at expiry;
//! - `dingtalk:lock:K`, the fetch lock: `SET NX PX` with a random owner value and an expiry
//!   (the holder's time budget), released by a script that deletes it only for its owner, so
//!   a holder whose lock expired cannot release the next holder's;
//! - `dingtalk:rate:K:API`, the rate limit's number, changed by its rule's script on Redis's own
//!   clock (`TIME`), which every host then shares.
//!
//! One connection per process (made on first use, made again in a forked child and after any
//! error), every operation bounded by a short timeout. The password never appears in an
//! error: it is removed from every text that comes from the client.

use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use redis::{Client, Connection, RedisResult, Script};

use super::{
    Held, RateRule, RateStore, Reservation, StoreError, StoreResult, StoredToken, TokenStore,
};
use crate::config::ca::CaBundle;
use crate::config::store::RedisSpec;
use crate::fork_safe::ForkSafe;
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

/// The scripts, each hashed once (sent as EVALSHA, as EVAL where Redis lacks it).
static RELEASE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RELEASE));
static REMOVE_IF_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(REMOVE_IF));
static PUT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(PUT));

/// What a lock that outlives its holder's release needs: the connection slot and the client.
struct Inner {
    client: Option<Client>,
    /// Why the client could not be made (reported at each use).
    unusable: Option<String>,
    password: Option<String>,
    connection: ForkSafe<Arc<Mutex<Option<Connection>>>>,
}

pub(crate) struct RedisStore {
    inner: Arc<Inner>,
}

impl RedisStore {
    /// A store on `spec` (`ca`: the certificates a `rediss://` server is checked against
    /// instead of the public roots). Connects on first use.
    pub(crate) fn new(spec: &RedisSpec, ca: Option<&CaBundle>) -> Self {
        let client = match ca {
            Some(ca) if spec.tls => Client::build_with_tls(
                spec.url.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(ca.pem().to_vec()),
                },
            ),
            _ => Client::open(spec.url.as_str()),
        };
        let password = spec.password.clone();
        let (client, unusable) = match client {
            Ok(client) => (Some(client), None),
            Err(e) => (None, Some(scrub(&e.to_string(), password.as_deref()))),
        };
        RedisStore {
            inner: Arc::new(Inner {
                client,
                unusable,
                password,
                connection: ForkSafe::new(),
            }),
        }
    }
}

fn scrub(text: &str, password: Option<&str>) -> String {
    let text = match password {
        Some(password) => redact(text, &[password]),
        None => text.to_owned(),
    };
    format!("redis store: {text}")
}

impl Inner {
    fn error(&self, error: &redis::RedisError) -> StoreError {
        StoreError(scrub(&error.to_string(), self.password.as_deref()))
    }

    /// Runs `op` on this process's connection (made if needed), within `timeout`. After an
    /// error the connection is dropped: the next use makes a new one.
    fn run<T>(
        &self,
        timeout: Duration,
        op: impl FnOnce(&mut Connection) -> RedisResult<T>,
    ) -> StoreResult<T> {
        let Some(client) = &self.client else {
            return Err(StoreError(
                self.unusable
                    .clone()
                    .unwrap_or_else(|| "redis store: unusable".to_owned()),
            ));
        };
        let slot = self
            .connection
            .get(|| Ok::<_, ()>(Arc::new(Mutex::new(None))))
            .map_err(|()| StoreError("redis store: no connection slot".to_owned()))?;
        // A connection is only ever replaced whole, so a poisoned lock still guards a usable
        // value (or none).
        let mut connection = slot.lock().unwrap_or_else(PoisonError::into_inner);
        let result = (|| {
            if connection.is_none() {
                *connection = Some(client.get_connection_with_timeout(timeout)?);
            }
            let Some(con) = connection.as_mut() else {
                return Err(redis::RedisError::from((
                    redis::ErrorKind::ClientError,
                    "no connection",
                )));
            };
            con.set_read_timeout(Some(timeout))?;
            con.set_write_timeout(Some(timeout))?;
            op(con)
        })();
        result.map_err(|e| {
            *connection = None;
            self.error(&e)
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
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| StoreError(format!("redis store: no random owner value: {e}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
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
        self.inner
            .run(super::STORE_TIMEOUT, |con| {
                RELEASE_SCRIPT.key(key).arg(owner).invoke::<i64>(con)
            })
            .map(drop)
    }
}

impl TokenStore for RedisStore {
    fn kind(&self) -> &'static str {
        "redis"
    }

    fn get(&self, app: &str, timeout: Duration) -> StoreResult<Option<StoredToken>> {
        let key = token_key(app);
        let (token, issued, expires): (Option<String>, Option<i64>, Option<i64>) =
            self.inner.run(timeout, |con| {
                redis::cmd("HMGET")
                    .arg(&key)
                    .arg("token")
                    .arg("issued_at_ms")
                    .arg("expires_at_ms")
                    .query(con)
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

    fn put(&self, app: &str, token: &StoredToken, timeout: Duration) -> StoreResult<()> {
        let key = token_key(app);
        self.inner
            .run(timeout, |con| {
                PUT_SCRIPT
                    .key(&key)
                    .arg(&token.token)
                    .arg(token.issued_at_ms)
                    .arg(token.expires_at_ms)
                    .invoke::<i64>(con)
            })
            .map(drop)
    }

    fn remove_if(&self, app: &str, token: &str, timeout: Duration) -> StoreResult<bool> {
        let key = token_key(app);
        let removed: i64 = self.inner.run(timeout, |con| {
            REMOVE_IF_SCRIPT.key(&key).arg(token).invoke(con)
        })?;
        Ok(removed == 1)
    }

    fn try_lock(
        &self,
        app: &str,
        ttl: Duration,
        timeout: Duration,
    ) -> StoreResult<Option<Box<dyn Held>>> {
        let key = lock_key(app);
        let owner = owner()?;
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let set: Option<String> = self.inner.run(timeout, |con| {
            redis::cmd("SET")
                .arg(&key)
                .arg(&owner)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms)
                .query(con)
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
        timeout: Duration,
    ) -> StoreResult<Reservation> {
        let key = format!("{PREFIX}:rate:{app}:{api}");
        let [first, second] = rule.args();
        let (granted, wait_us): (i64, i64) = self.inner.run(timeout, |con| {
            rule.script().key(&key).arg(first).arg(second).invoke(con)
        })?;
        Ok(if granted == 1 {
            Reservation::Granted { wait_us }
        } else {
            Reservation::Refused { wait_us }
        })
    }
}
