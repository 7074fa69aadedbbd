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
use crate::deadline::Deadline;
use crate::test_support::{temp_dir, RedisServer};

/// The deadline of one store operation, from now.
fn t() -> Deadline {
    Deadline::after(STORE_TIMEOUT)
}
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

/// A rule that keeps a moment an hour ahead, whatever was kept: a store keeps whatever number
/// its rule gives until that moment (the rate limit's own rule is tested on every back end in
/// `limit/`).
pub(crate) struct AnHourAhead;

const HOUR_US: i64 = 3_600_000_000;

impl RateRule for AnHourAhead {
    fn apply(&self, _: Option<i64>, now_us: i64) -> (Reservation, Option<i64>) {
        (Reservation::Granted { wait_us: 0 }, Some(now_us + HOUR_US))
    }

    fn script(&self) -> &redis::Script {
        static SET: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new("redis.call('SET', KEYS[1], 1, 'PX', ARGV[1]) return {1, 0}")
        });
        &SET
    }

    fn args(&self) -> [i64; 2] {
        [HOUR_US / 1000, 0]
    }
}

#[test]
fn tokens_are_stored_replaced_and_removed_only_if_unchanged() {
    for b in backends() {
        let s = &b.store;
        let name = b.name;
        assert_eq!(s.get(APP, t()).unwrap(), None, "{name}: empty at first");
        assert!(
            !s.remove_if(APP, "t1", t()).unwrap(),
            "{name}: nothing to remove"
        );
        let t1 = token("t1");
        s.put(APP, &t1, t()).unwrap();
        assert_eq!(s.get(APP, t()).unwrap(), Some(t1.clone()), "{name}");
        let t2 = token("t2");
        s.put(APP, &t2, t()).unwrap();
        assert_eq!(
            s.get(APP, t()).unwrap(),
            Some(t2.clone()),
            "{name}: replaced"
        );
        // A late refusal of t1 must not remove t2, which another process stored since.
        assert!(!s.remove_if(APP, "t1", t()).unwrap(), "{name}");
        assert_eq!(s.get(APP, t()).unwrap(), Some(t2), "{name}: t2 stays");
        assert!(s.remove_if(APP, "t2", t()).unwrap(), "{name}");
        assert_eq!(s.get(APP, t()).unwrap(), None, "{name}: removed");
        assert_eq!(s.get("other-app.00", t()).unwrap(), None, "{name}: per app");
    }
}

/// A mark is set once, until its time is up; only whoever knows its value changes or removes
/// it — on every back end.
#[test]
fn a_mark_is_set_if_absent_and_changed_only_by_its_holder() {
    let minute = Duration::from_secs(60);
    for b in backends() {
        let s = &*b.store;
        let name = b.name;
        assert_eq!(
            s.put_if_absent(APP, "k1", "pending a", minute, t()),
            Ok(None),
            "{name}"
        );
        assert_eq!(
            s.put_if_absent(APP, "k1", "pending b", minute, t()),
            Ok(Some("pending a".to_owned())),
            "{name}"
        );
        // Another app's mark of the same key is its own.
        assert_eq!(
            s.put_if_absent("app-2.x", "k1", "x", minute, t()),
            Ok(None),
            "{name}"
        );
        assert_eq!(
            s.replace_if(APP, "k1", "pending b", Some("handled"), minute, t()),
            Ok(false),
            "{name}"
        );
        assert_eq!(
            s.replace_if(APP, "k1", "pending a", Some("handled"), minute, t()),
            Ok(true),
            "{name}"
        );
        assert_eq!(
            s.put_if_absent(APP, "k1", "pending b", minute, t()),
            Ok(Some("handled".to_owned())),
            "{name}"
        );
        assert_eq!(
            s.replace_if(APP, "k1", "handled", None, minute, t()),
            Ok(true),
            "{name}"
        );
        assert_eq!(
            s.replace_if(APP, "k1", "handled", None, minute, t()),
            Ok(false),
            "{name}"
        );
        assert_eq!(
            s.replace_if(APP, "never", "v", None, minute, t()),
            Ok(false),
            "{name}"
        );
        // Released: the next one takes it; one whose time is up is as good as none.
        let short = Duration::from_millis(30);
        assert_eq!(
            s.put_if_absent(APP, "k1", "pending c", short, t()),
            Ok(None),
            "{name}"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            s.put_if_absent(APP, "k1", "pending d", minute, t()),
            Ok(None),
            "{name}"
        );
    }
}

/// Marks whose end passed are swept from a file store's directory.
#[cfg(unix)]
#[test]
fn ended_marks_leave_the_directory() {
    let b = file_backend();
    let dir = b.dir.clone().unwrap().join("tokens");
    // Long enough to outlive the sweep of this store's own first mark, however loaded the
    // machine: that sweep sees it still running.
    let short = Duration::from_millis(300);
    b.store.put_if_absent(APP, "old", "v", short, t()).unwrap();
    assert_eq!(
        names_in(&dir)
            .iter()
            .filter(|n| n.ends_with(".mark"))
            .count(),
        1
    );
    std::thread::sleep(short + Duration::from_millis(20));
    // A new mark made by another process sweeps (its first sweep).
    FileStore::new(&dir)
        .put_if_absent(APP, "new", "v", Duration::from_secs(60), t())
        .unwrap();
    let marks: Vec<String> = names_in(&dir)
        .into_iter()
        .filter(|n| n.ends_with(".mark"))
        .collect();
    assert_eq!(marks.len(), 1, "{marks:?}");
}

#[test]
fn the_fetch_lock_has_one_holder_and_only_it_releases() {
    for b in backends() {
        let s = &b.store;
        let name = b.name;
        let ttl = Duration::from_secs(10);
        let held = s.try_lock(APP, ttl, t()).unwrap().expect(name);
        assert!(s.try_lock(APP, ttl, t()).unwrap().is_none(), "{name}: held");
        let other = s.try_lock("other-app.00", ttl, t()).unwrap();
        assert!(other.is_some(), "{name}: per app");
        held.release().unwrap();
        // A child another test forks at that moment holds a copy of the lock file's descriptor
        // until its exec closes it: the lock is free a moment later.
        let again = take_within(&**s, APP, Duration::from_secs(5));
        assert!(again.is_some(), "{name}: free after release");
    }
}

/// Polls until the lock of `app` can be taken (for 10 s), for at most `within`.
fn take_within(s: &dyn SharedStore, app: &str, within: Duration) -> Option<Box<dyn Held>> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(held) = s.try_lock(app, Duration::from_secs(10), t()).unwrap() {
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
    let dead = s.try_lock(APP, ttl, t()).unwrap().expect("taken");
    std::mem::forget(dead); // its holder never releases it
    assert!(
        s.try_lock(APP, ttl, t()).unwrap().is_none(),
        "held until it expires"
    );
    let next = take_within(s, APP, Duration::from_secs(5)).expect("free after its expiry");
    assert!(
        s.try_lock(APP, ttl, t()).unwrap().is_none(),
        "the next holder has it"
    );
    next.release().unwrap();

    // A holder whose lock expired cannot release its successor's.
    let late = s.try_lock(APP, ttl, t()).unwrap().expect("taken");
    let successor = take_within(s, APP, Duration::from_secs(5)).expect("expired");
    late.release().unwrap();
    assert!(
        s.try_lock(APP, ttl, t()).unwrap().is_none(),
        "the successor's lock survives the late release"
    );
    successor.release().unwrap();
    assert!(s.try_lock(APP, ttl, t()).unwrap().is_some());
}

#[test]
fn a_file_lock_ends_with_its_holder() {
    let b = file_backend();
    let s = &*b.store;
    let held = s
        .try_lock(APP, Duration::from_secs(60), t())
        .unwrap()
        .unwrap();
    assert!(s
        .try_lock(APP, Duration::from_secs(60), t())
        .unwrap()
        .is_none());
    // Dropped without a release: what closing its files (dying) does.
    drop(held);
    assert!(s
        .try_lock(APP, Duration::from_secs(60), t())
        .unwrap()
        .is_some());
}

#[cfg(unix)]
#[test]
fn files_hold_nothing_but_the_token_and_its_window_and_only_for_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let b = file_backend();
    let dir = b.dir.clone().unwrap().join("tokens");
    b.store.put(APP, &token("t1"), t()).unwrap();
    b.store.try_lock(APP, Duration::from_secs(1), t()).unwrap();
    b.store.reserve(APP, "GET /x", &AnHourAhead, t()).unwrap();
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
    assert!(b.store.put(APP, &token("t1"), t()).is_err());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
}

/// The names of the files in `dir`.
#[cfg(unix)]
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every operation of the file store, each of which must fail.
#[cfg(unix)]
fn every_operation_fails(store: &dyn SharedStore, what: &str) {
    assert!(store.get(APP, t()).is_err(), "{what}: get");
    assert!(store.put(APP, &token("t1"), t()).is_err(), "{what}: put");
    assert!(
        store.remove_if(APP, "t1", t()).is_err(),
        "{what}: remove_if"
    );
    assert!(
        store.try_lock(APP, Duration::from_secs(1), t()).is_err(),
        "{what}: try_lock"
    );
    assert!(
        store.reserve(APP, "GET /x", &AnHourAhead, t()).is_err(),
        "{what}: reserve"
    );
    assert!(
        store
            .put_if_absent(APP, "k", "v", Duration::from_secs(1), t())
            .is_err(),
        "{what}: put_if_absent"
    );
}

/// A FIFO (or anything but a regular file of this user's, 0600) where a store file goes is
/// refused at once: opening a FIFO would otherwise block until someone writes to it.
#[cfg(unix)]
#[test]
fn anything_but_a_regular_file_of_ours_is_refused_at_once() {
    use std::os::unix::fs::PermissionsExt;
    let b = file_backend();
    let dir = b.dir.clone().unwrap().join("tokens");
    b.store.put(APP, &token("t1"), t()).unwrap();
    b.store.try_lock(APP, Duration::from_secs(1), t()).unwrap();
    b.store.reserve(APP, "GET /x", &AnHourAhead, t()).unwrap();
    b.store
        .put_if_absent(APP, "k", "v", Duration::from_secs(60), t())
        .unwrap();
    let names = names_in(&dir);
    assert_eq!(names.len(), 4, "{names:?}");
    let started = Instant::now();
    for name in &names {
        let path = dir.join(name);
        std::fs::remove_file(&path).unwrap();
        let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    }
    every_operation_fails(&*b.store, "FIFOs");
    // Sanity bound against hanging: an open of a FIFO blocks for ever.
    assert!(started.elapsed() < Duration::from_secs(5));
    for name in &names {
        std::fs::remove_file(dir.join(name)).unwrap();
        std::fs::write(dir.join(name), "").unwrap();
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    every_operation_fails(&*b.store, "files others may read");
    for name in &names {
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(dir.join(name), Some(65534), None).ok();
    }
    if names_in(&dir).iter().all(|name| {
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(dir.join(name)).unwrap()) == 65534
    }) {
        every_operation_fails(&*b.store, "files of another user");
    }
}

/// A store directory another user owns or may write is not used at all: a co-tenant could
/// read the tokens written there, or plant one.
#[cfg(unix)]
#[test]
fn a_directory_others_control_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let root_here =
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0;
    let mut cases = vec![
        ("writable by all", 0o777),
        ("writable by its group", 0o770),
        ("sticky, writable by all", 0o1777),
    ];
    if root_here {
        cases.push(("owned by another user", 0o700));
    }
    for (what, mode) in cases {
        let b = file_backend();
        let dir = b.dir.clone().unwrap().join("tokens");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
        if what == "owned by another user" {
            std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
        }
        every_operation_fails(&*b.store, what);
        let error = b.store.put(APP, &token("t1"), t()).unwrap_err();
        assert!(error.0.contains("refused"), "{what}: {error}");
        assert!(names_in(&dir).is_empty(), "{what}: nothing written");
    }
    // Readable by others is fine: the files themselves are 0600.
    let b = file_backend();
    let dir = b.dir.clone().unwrap().join("tokens");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    b.store.put(APP, &token("t1"), t()).unwrap();
}

#[test]
fn redis_keys_hold_the_app_key_and_a_hash_and_expire_with_the_token() {
    let b = redis_backend();
    let server = b.redis.as_ref().unwrap();
    b.store.put(APP, &token("t1"), t()).unwrap();
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
    let error = store.get(APP, t()).unwrap_err();
    assert!(!error.0.contains("hunter22pw"), "{error}");
    assert!(error.0.starts_with("redis store: "), "{error}");
    // A server that is gone.
    let plain = redis_store(&server.url());
    plain.put(APP, &token("t1"), t()).unwrap();
    server.stop();
    assert!(plain.get(APP, t()).is_err(), "stopped");
    let gone = redis_store(&format!("redis://:hunter22pw@127.0.0.1:{port}/0"));
    let error = gone.get(APP, t()).unwrap_err();
    assert!(!error.0.contains("hunter22pw"), "{error}");
}

#[test]
fn a_directory_that_cannot_be_made_is_a_store_error() {
    let dir = temp_dir("not-a-dir");
    let file = dir.join("file");
    std::fs::write(&file, "x").unwrap();
    let store = FileStore::new(&file.join("tokens"));
    assert!(store.put(APP, &token("t1"), t()).is_err());
    assert!(store.try_lock(APP, Duration::from_secs(1), t()).is_err());
    assert!(store.reserve(APP, "GET /x", &AnHourAhead, t()).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A back end that always fails, to watch the pause.
struct Broken;

impl TokenStore for Broken {
    fn kind(&self) -> &'static str {
        "broken"
    }

    fn get(&self, _: &str, _: Deadline) -> StoreResult<Option<StoredToken>> {
        Err(StoreError("broken".into()))
    }
    fn put(&self, _: &str, _: &StoredToken, _: Deadline) -> StoreResult<()> {
        Err(StoreError("broken".into()))
    }
    fn remove_if(&self, _: &str, _: &str, _: Deadline) -> StoreResult<bool> {
        Err(StoreError("broken".into()))
    }
    fn try_lock(&self, _: &str, _: Duration, _: Deadline) -> StoreResult<Option<Box<dyn Held>>> {
        Err(StoreError("broken".into()))
    }
}

impl RateStore for Broken {
    fn reserve(&self, _: &str, _: &str, _: &dyn RateRule, _: Deadline) -> StoreResult<Reservation> {
        Err(StoreError("broken".into()))
    }
}

impl MarkStore for Broken {
    fn put_if_absent(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: Duration,
        _: Deadline,
    ) -> StoreResult<Option<String>> {
        Err(StoreError("broken".into()))
    }
    fn replace_if(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: Option<&str>,
        _: Duration,
        _: Deadline,
    ) -> StoreResult<bool> {
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
        store.call(t(), |s, t| s.get(APP, t)),
        Err(Unusable::Failed { .. })
    ));
    // Paused now: not tried (and so not counted) again at once.
    assert!(matches!(
        store.call(t(), |s, t| s.get(APP, t)),
        Err(Unusable::Paused)
    ));
    // A call with no time left does not try either.
    let fine = Store::new(Box::new(Memory::default()), true);
    assert!(matches!(
        fine.call(Deadline::after(Duration::ZERO), |s, t| s.get(APP, t)),
        Err(Unusable::Paused)
    ));
    assert!(fine.call(t(), |s, t| s.get(APP, t)).is_ok());
}

#[test]
fn a_store_failing_the_same_way_is_news_once_until_it_works_again() {
    use std::sync::atomic::Ordering;
    let news = |u: Result<Option<StoredToken>, Unusable>| match u {
        Err(Unusable::Failed { news, .. }) => news,
        other => panic!("expected a failure, got {other:?}"),
    };
    let store = broken_store();
    let again = |store: &Store| {
        // As if the pause after the last failure were over.
        store.paused_until_ms.store(0, Ordering::Relaxed);
        store.call(t(), |s, t| s.get(APP, t))
    };
    assert!(news(again(&store)), "the first failure is news");
    assert!(!news(again(&store)), "the same failure again is not");
    assert!(!news(again(&store)));
    // Another cause is news; so is the old one after it.
    assert!(news(Err(store.failed(StoreError("other".into())))));
    assert!(news(again(&store)));
    // Once an operation worked, the same failure is news again.
    store.paused_until_ms.store(0, Ordering::Relaxed);
    assert!(store.call(t(), |_, _| Ok(())).is_ok());
    assert!(news(again(&store)));
}
