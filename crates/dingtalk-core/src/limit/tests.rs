//! The rate limit's arithmetic on this process's numbers and on every store back end.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::gcra::{Gcra, Interval};
use crate::deadline::Deadline;
use crate::store::file::FileStore;
use crate::store::memory::Numbers;
use crate::store::tests::{backends, file_backend, redis_backend};
use crate::store::{RateStore, Reservation, STORE_TIMEOUT};

/// The deadline of one store operation, from now.
fn t() -> Deadline {
    Deadline::after(STORE_TIMEOUT)
}
const APP: &str = "app-1.0123456789abcdef";

#[test]
fn keys_are_limited_apart_on_the_given_clock() {
    let now = Arc::new(AtomicI64::new(0));
    let clock = Arc::clone(&now);
    let local = Numbers::with_clock(Box::new(move || clock.load(Ordering::SeqCst)));
    let interval = Interval(100);
    let reserve = |key: &str, max_wait_us: u64| {
        local.reserve(
            key,
            &Gcra::new(interval, Duration::from_micros(max_wait_us)),
        )
    };
    let granted = |wait_us| Reservation::Granted { wait_us };
    assert_eq!(reserve("a", 1_000), granted(0));
    assert_eq!(reserve("a", 1_000), granted(100));
    assert_eq!(reserve("b", 1_000), granted(0), "another key");
    now.store(150, Ordering::SeqCst);
    assert_eq!(reserve("a", 1_000), granted(50));
    assert_eq!(reserve("a", 10), Reservation::Refused { wait_us: 150 });
    now.store(10_000, Ordering::SeqCst);
    assert_eq!(reserve("a", 0), granted(0), "idle: at once");
}

#[test]
fn reservations_are_spaced_shared_and_refused_without_taking_a_slot() {
    for b in backends() {
        let s = &b.store;
        let name = b.name;
        let interval = Interval(100_000);
        let api = format!("POST /topapi/workrecord/add {name}");
        let long = Duration::from_secs(10);
        let mut waits = Vec::new();
        let started = Instant::now();
        for _ in 0..4 {
            match s
                .reserve(APP, &api, &Gcra::new(interval, long), t())
                .unwrap()
            {
                Reservation::Granted { wait_us } => waits.push(wait_us),
                refused => panic!("{name}: {refused:?}"),
            }
        }
        let spent = i64::try_from(started.elapsed().as_micros()).unwrap();
        // Each wait is its slot's distance from now: k intervals, less the time gone by.
        for (k, wait) in waits.iter().enumerate() {
            let slot = k as i64 * interval.0;
            assert!(
                *wait <= slot && *wait >= slot - spent,
                "{name}: wait {k} is {wait} µs"
            );
        }
        // A caller that cannot wait 300 ms does not get (or use up) the slot 400 ms away.
        let Reservation::Refused { wait_us } = s
            .reserve(
                APP,
                &api,
                &Gcra::new(interval, Duration::from_millis(300)),
                t(),
            )
            .unwrap()
        else {
            panic!("{name}: granted too far ahead");
        };
        assert!(wait_us > 300_000, "{name}: {wait_us}");
        let Reservation::Granted { wait_us: next } = s
            .reserve(APP, &api, &Gcra::new(interval, long), t())
            .unwrap()
        else {
            panic!("{name}: refused");
        };
        assert!(
            (wait_us - 20_000..=wait_us).contains(&next),
            "{name}: {next} after {wait_us}"
        );
        // Another API of the same app has its own slots.
        assert_eq!(
            s.reserve(APP, "GET /other", &Gcra::new(interval, long), t())
                .unwrap(),
            Reservation::Granted { wait_us: 0 },
            "{name}"
        );
    }
}

/// However many APIs are called, the state kept is what still means something: a number whose
/// moment passed is forgotten (this process's numbers, a file store's files, Redis's keys).
#[test]
fn old_state_is_forgotten_on_every_store() {
    let now = Arc::new(AtomicI64::new(0));
    let clock = Arc::clone(&now);
    let local = Numbers::with_clock(Box::new(move || clock.load(Ordering::SeqCst)));
    let rule = Gcra::new(Interval(100), Duration::ZERO);
    for round in 0..10 {
        now.store(round * 1_000, Ordering::SeqCst);
        for api in 0..1_000 {
            local.reserve(&format!("GET /v1.0/x/{round}/{api}"), &rule);
        }
    }
    assert!(local.len() <= 2_000, "{} numbers kept", local.len());

    // Files: one process calls 200 APIs once each; the next one to sweep removes their files.
    let b = file_backend();
    let quick = Gcra::new(Interval(1), Duration::ZERO);
    for api in 0..200 {
        b.store
            .reserve(APP, &format!("GET /api/{api}"), &quick, t())
            .unwrap();
    }
    let dir = b.dir.clone().unwrap().join("tokens");
    let files = || std::fs::read_dir(&dir).unwrap().count();
    assert!(files() >= 199, "{} files", files());
    let next = FileStore::new(&dir);
    // The sweep goes on within its call's deadline: a long one here, however loaded the host.
    let patient = Deadline::after(Duration::from_secs(60));
    next.reserve(APP, "GET /api/next", &quick, patient).unwrap();
    assert_eq!(files(), 1, "only the newest state is left");

    // Redis keys expire on their own a second after their moment.
    let b = redis_backend();
    b.store.reserve(APP, "GET /x", &quick, t()).unwrap();
    let mut con = ::redis::Client::open(b.redis.as_ref().unwrap().url())
        .and_then(|c| c.get_connection())
        .unwrap();
    let ttl: i64 = ::redis::cmd("PTTL")
        .arg(format!("dingtalk:rate:{APP}:GET /x"))
        .query(&mut con)
        .unwrap();
    assert!((1..=1_001).contains(&ttl), "{ttl}");
}
