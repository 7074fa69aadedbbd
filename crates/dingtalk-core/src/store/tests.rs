//! Every back end does the same thing: these tests run on each (the file store in a fresh
//! directory, the Redis store on a real `redis-server` of the test's own).

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use super::file::FileStore;
use super::memory::Memory;
use super::redis::RedisStore;
use super::*;
use crate::config::StoreSpec;
use crate::test_support::{temp_dir, RedisServer};

const T: Duration = STORE_TIMEOUT;
const APP: &str = "app-1.0123456789abcdef";

/// A back end and what keeps it alive.
pub(crate) struct Backend {
    pub(crate) name: &'static str,
    pub(crate) store: Box<dyn SharedStore>,
    pub(crate) redis: Option<RedisServer>,
    pub(crate) dir: Option<PathBuf>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub(crate) fn redis_store(url: &str) -> RedisStore {
    let StoreSpec::Redis(spec) = StoreSpec::parse(url).unwrap() else {
        panic!("not a Redis URL: {url}");
    };
    RedisStore::new(&spec, None)
}

pub(crate) fn file_backend() -> Backend {
    // A directory that does not exist yet: the store makes it.
    let dir = temp_dir("file-store");
    let store_dir = dir.join("tokens");
    Backend {
        name: "file",
        store: Box::new(FileStore::new(&store_dir)),
        redis: None,
        dir: Some(dir),
    }
}

pub(crate) fn redis_backend() -> Backend {
    let server = RedisServer::start();
    Backend {
        name: "redis",
        store: Box::new(redis_store(&server.url())),
        redis: Some(server),
        dir: None,
    }
}

/// The back ends shared between processes, and memory.
pub(crate) fn backends() -> Vec<Backend> {
    vec![
        Backend {
            name: "memory",
            store: Box::new(Memory::default()),
            redis: None,
            dir: None,
        },
        file_backend(),
        redis_backend(),
    ]
}

fn token(text: &str) -> StoredToken {
    StoredToken::new(
        text.to_owned(),
        crate::time::now_ms(),
        Duration::from_secs(7200),
    )
}

/// A rule that only counts: a store keeps whatever number its rule gives (the rate limit's own
/// rule is tested on every back end in `limit/`).
struct Count;

impl RateRule for Count {
    fn apply(&self, kept: Option<i64>, _: i64) -> (Reservation, Option<i64>) {
        (
            Reservation::Granted { wait_us: 0 },
            Some(kept.unwrap_or(0) + 1),
        )
    }

    fn script(&self) -> &::redis::Script {
        static COUNT: LazyLock<::redis::Script> =
            LazyLock::new(|| ::redis::Script::new("redis.call('INCR', KEYS[1]) return {1, 0}"));
        &COUNT
    }

    fn args(&self) -> [i64; 2] {
        [0, 0]
    }
}

#[test]
fn tokens_are_stored_replaced_and_removed_only_if_unchanged() {
    for b in backends() {
        let s = &b.store;
        let name = b.name;
        assert_eq!(s.get(APP, T).unwrap(), None, "{name}: empty at first");
        assert!(
            !s.remove_if(APP, "t1", T).unwrap(),
            "{name}: nothing to remove"
        );
        let t1 = token("t1");
        s.put(APP, &t1, T).unwrap();
        assert_eq!(s.get(APP, T).unwrap(), Some(t1.clone()), "{name}");
        let t2 = token("t2");
        s.put(APP, &t2, T).unwrap();
        assert_eq!(s.get(APP, T).unwrap(), Some(t2.clone()), "{name}: replaced");
        // A late refusal of t1 must not remove t2, which another process stored since.
        assert!(!s.remove_if(APP, "t1", T).unwrap(), "{name}");
        assert_eq!(s.get(APP, T).unwrap(), Some(t2), "{name}: t2 stays");
        assert!(s.remove_if(APP, "t2", T).unwrap(), "{name}");
        assert_eq!(s.get(APP, T).unwrap(), None, "{name}: removed");
        assert_eq!(s.get("other-app.00", T).unwrap(), None, "{name}: per app");
    }
}

#[test]
fn the_fetch_lock_has_one_holder_and_only_it_releases() {
    for b in backends() {
        let s = &b.store;
        let name = b.name;
        let ttl = Duration::from_secs(10);
        let held = s.try_lock(APP, ttl, T).unwrap().expect(name);
        assert!(s.try_lock(APP, ttl, T).unwrap().is_none(), "{name}: held");
        let other = s.try_lock("other-app.00", ttl, T).unwrap();
        assert!(other.is_some(), "{name}: per app");
        held.release().unwrap();
        let again = s.try_lock(APP, ttl, T).unwrap();
        assert!(again.is_some(), "{name}: free after release");
    }
}

/// Polls until the lock of `app` can be taken (for 10 s), for at most `within`.
fn take_within(s: &dyn SharedStore, app: &str, within: Duration) -> Option<Box<dyn Held>> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(held) = s.try_lock(app, Duration::from_secs(10), T).unwrap() {
            return Some(held);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_holder_that_dies_blocks_nobody_past_the_lock_expiry() {
    // Redis: the lock key expires. (A file lock is released by the kernel when its holder's
    // file is closed, which dying does: `a_file_lock_ends_with_its_holder`.)
    let b = redis_backend();
    let s = &*b.store;
    let ttl = Duration::from_millis(300);
    let dead = s.try_lock(APP, ttl, T).unwrap().expect("taken");
    std::mem::forget(dead); // its holder never releases it
    assert!(
        s.try_lock(APP, ttl, T).unwrap().is_none(),
        "held until it expires"
    );
    let next = take_within(s, APP, Duration::from_secs(5)).expect("free after its expiry");
    assert!(
        s.try_lock(APP, ttl, T).unwrap().is_none(),
        "the next holder has it"
    );
    next.release().unwrap();

    // A holder whose lock expired cannot release its successor's.
    let late = s.try_lock(APP, ttl, T).unwrap().expect("taken");
    let successor = take_within(s, APP, Duration::from_secs(5)).expect("expired");
    late.release().unwrap();
    assert!(
        s.try_lock(APP, ttl, T).unwrap().is_none(),
        "the successor's lock survives the late release"
    );
    successor.release().unwrap();
    assert!(s.try_lock(APP, ttl, T).unwrap().is_some());
}

#[test]
fn a_file_lock_ends_with_its_holder() {
    let b = file_backend();
    let s = &*b.store;
    let held = s
        .try_lock(APP, Duration::from_secs(60), T)
        .unwrap()
        .unwrap();
    assert!(s
        .try_lock(APP, Duration::from_secs(60), T)
        .unwrap()
        .is_none());
    // Dropped without a release: what closing its files (dying) does.
    drop(held);
    assert!(s
        .try_lock(APP, Duration::from_secs(60), T)
        .unwrap()
        .is_some());
}

#[cfg(unix)]
#[test]
fn files_hold_nothing_but_the_token_and_its_window_and_only_for_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let b = file_backend();
    let dir = b.dir.clone().unwrap().join("tokens");
    b.store.put(APP, &token("t1"), T).unwrap();
    b.store.try_lock(APP, Duration::from_secs(1), T).unwrap();
    b.store.reserve(APP, "GET /x", &Count, T).unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with(APP)), "{names:?}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{APP}.token"))).unwrap()).unwrap();
    let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["expires_at_ms", "issued_at_ms", "token"]);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_in_the_directory_is_not_followed() {
    let b = file_backend();
    let dir = b.dir.clone().unwrap().join("tokens");
    std::fs::create_dir_all(&dir).unwrap();
    let target = b.dir.clone().unwrap().join("elsewhere");
    std::fs::write(&target, "keep").unwrap();
    std::os::unix::fs::symlink(&target, dir.join(format!("{APP}.token"))).unwrap();
    assert!(b.store.put(APP, &token("t1"), T).is_err());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
}

#[test]
fn redis_keys_hold_the_app_key_and_a_hash_and_expire_with_the_token() {
    let b = redis_backend();
    let server = b.redis.as_ref().unwrap();
    b.store.put(APP, &token("t1"), T).unwrap();
    let client = ::redis::Client::open(server.url()).unwrap();
    let mut con = client.get_connection().unwrap();
    let keys: Vec<String> = ::redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
    assert_eq!(keys, [format!("dingtalk:token:{APP}")]);
    let mut fields: Vec<String> = ::redis::cmd("HKEYS").arg(&keys[0]).query(&mut con).unwrap();
    fields.sort();
    assert_eq!(fields, ["expires_at_ms", "issued_at_ms", "token"]);
    let ttl: i64 = ::redis::cmd("PTTL").arg(&keys[0]).query(&mut con).unwrap();
    assert!((7_000_000..=7_200_000).contains(&ttl), "{ttl}");
}

#[test]
fn a_redis_that_cannot_be_used_fails_without_showing_its_password() {
    let mut server = RedisServer::start();
    let port = server.port;
    let store = redis_store(&format!("redis://:hunter22pw@127.0.0.1:{port}/0"));
    // No password is set on the server: AUTH fails.
    let error = store.get(APP, T).unwrap_err();
    assert!(!error.0.contains("hunter22pw"), "{error}");
    assert!(error.0.starts_with("redis store: "), "{error}");
    // A server that is gone.
    let plain = redis_store(&server.url());
    plain.put(APP, &token("t1"), T).unwrap();
    server.stop();
    assert!(plain.get(APP, T).is_err(), "stopped");
    let gone = redis_store(&format!("redis://:hunter22pw@127.0.0.1:{port}/0"));
    let error = gone.get(APP, T).unwrap_err();
    assert!(!error.0.contains("hunter22pw"), "{error}");
}

#[test]
fn a_directory_that_cannot_be_made_is_a_store_error() {
    let dir = temp_dir("not-a-dir");
    let file = dir.join("file");
    std::fs::write(&file, "x").unwrap();
    let store = FileStore::new(&file.join("tokens"));
    assert!(store.put(APP, &token("t1"), T).is_err());
    assert!(store.try_lock(APP, Duration::from_secs(1), T).is_err());
    assert!(store.reserve(APP, "GET /x", &Count, T).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A back end that always fails, to watch the pause.
struct Broken;

impl TokenStore for Broken {
    fn kind(&self) -> &'static str {
        "broken"
    }

    fn get(&self, _: &str, _: Duration) -> StoreResult<Option<StoredToken>> {
        Err(StoreError("broken".into()))
    }
    fn put(&self, _: &str, _: &StoredToken, _: Duration) -> StoreResult<()> {
        Err(StoreError("broken".into()))
    }
    fn remove_if(&self, _: &str, _: &str, _: Duration) -> StoreResult<bool> {
        Err(StoreError("broken".into()))
    }
    fn try_lock(&self, _: &str, _: Duration, _: Duration) -> StoreResult<Option<Box<dyn Held>>> {
        Err(StoreError("broken".into()))
    }
}

impl RateStore for Broken {
    fn reserve(&self, _: &str, _: &str, _: &dyn RateRule, _: Duration) -> StoreResult<Reservation> {
        Err(StoreError("broken".into()))
    }
}

pub(crate) fn broken_store() -> Store {
    Store::new(Box::new(Broken), true)
}

#[test]
fn a_failing_store_is_left_alone_for_a_while() {
    let store = broken_store();
    assert!(matches!(
        store.call(T, |s, t| s.get(APP, t)),
        Err(Unusable::Failed { .. })
    ));
    // Paused now: not tried (and so not counted) again at once.
    assert!(matches!(
        store.call(T, |s, t| s.get(APP, t)),
        Err(Unusable::Paused)
    ));
    // A call with no time left does not try either.
    let fine = Store::new(Box::new(Memory::default()), true);
    assert!(matches!(
        fine.call(Duration::ZERO, |s, t| s.get(APP, t)),
        Err(Unusable::Paused)
    ));
    assert!(fine.call(T, |s, t| s.get(APP, t)).is_ok());
}
