//! The token cache over each store. A "process" here is a cache with a slot of its own:
//! processes share nothing but the store.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::error::{Error, TransportErrorKind};
use crate::store::memory::Memory;
use crate::store::tests::{broken_store, file_backend, redis_backend, Backend};
use crate::store::{Store, StoredToken};

const MARGIN: Duration = Duration::from_secs(600);
const KEY: &str = "app.00112233";

fn budget() -> Budget {
    Budget::new(Duration::from_secs(10), 1 << 20)
}

/// A process of its own on `store`.
fn process(store: &Arc<Store>) -> TokenCache {
    TokenCache::with_slot(
        Arc::new(TokenSlot::default()),
        Arc::clone(store),
        KEY,
        Arc::new(Counters::default()),
    )
}

/// The back ends processes can share, each as a `Store`.
fn shared_stores() -> Vec<(Backend, Arc<Store>)> {
    let memory = Backend {
        name: "memory",
        store: Box::new(Memory::default()),
        redis: None,
        dir: None,
    };
    [memory, file_backend(), redis_backend()]
        .into_iter()
        .map(|mut b| {
            let backend = std::mem::replace(&mut b.store, Box::new(Memory::default()));
            (b, Arc::new(Store::new(backend, true)))
        })
        .collect()
}

fn counting(fetches: &AtomicU32, token: &str) -> Result<Fetched> {
    fetches.fetch_add(1, Ordering::SeqCst);
    Ok((token.to_owned(), Duration::from_secs(7200)))
}

fn stored(lifetime_s: i64) -> StoredToken {
    StoredToken {
        token: "t".into(),
        issued_at_ms: 0,
        expires_at_ms: lifetime_s * 1000,
    }
}

#[test]
fn renews_with_margin_but_never_before_half_life() {
    assert!(stored(7200).fresh(6_599_999, MARGIN));
    assert!(!stored(7200).fresh(6_600_000, MARGIN));
    // A margin longer than the lifetime renews at half of it.
    assert!(stored(7200).fresh(3_599_999, Duration::from_secs(7200)));
    assert!(!stored(7200).fresh(3_600_000, Duration::from_secs(7200)));
    assert!(stored(7200).fresh(7_199_999, Duration::ZERO));
    assert!(!stored(0).fresh(0, Duration::ZERO));
}

#[test]
fn caches_until_renewal_and_honours_force_and_invalidate() {
    let memory = Arc::new(Store::new(Box::new(Memory::default()), false));
    let cache = process(&memory);
    let fetches = AtomicU32::new(0);
    let b = budget();
    let fetch = || {
        counting(
            &fetches,
            &format!("t{}", fetches.load(Ordering::SeqCst) + 1),
        )
    };
    assert_eq!(cache.token(false, MARGIN, &b, fetch).unwrap(), "t1");
    assert_eq!(cache.token(false, MARGIN, &b, fetch).unwrap(), "t1");
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(cache.token(true, MARGIN, &b, fetch).unwrap(), "t2");
    cache.invalidate("t1", &b); // stale token: the newer one stays
    assert_eq!(cache.token(false, MARGIN, &b, fetch).unwrap(), "t2");
    cache.invalidate("t2", &b);
    assert_eq!(cache.token(false, MARGIN, &b, fetch).unwrap(), "t3");
    assert_eq!(fetches.load(Ordering::SeqCst), 3);
}

#[test]
fn a_token_inside_its_margin_is_renewed() {
    let memory = Arc::new(Store::new(Box::new(Memory::default()), false));
    let cache = process(&memory);
    let fetches = AtomicU32::new(0);
    let fetch = || {
        fetches.fetch_add(1, Ordering::SeqCst);
        Ok(("t".to_owned(), Duration::ZERO))
    };
    cache
        .token(false, Duration::ZERO, &budget(), fetch)
        .unwrap();
    cache
        .token(false, Duration::ZERO, &budget(), fetch)
        .unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[test]
fn concurrent_callers_of_a_process_share_one_fetch() {
    let memory = Arc::new(Store::new(Box::new(Memory::default()), false));
    let cache = process(&memory);
    let fetches = AtomicU32::new(0);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                let token = cache.token(false, MARGIN, &budget(), || {
                    std::thread::sleep(Duration::from_millis(50));
                    counting(&fetches, "shared")
                });
                assert_eq!(token.unwrap(), "shared");
            });
        }
    });
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[test]
fn processes_sharing_a_store_make_one_fetch() {
    for (backend, store) in shared_stores() {
        let fetches = AtomicU32::new(0);
        let processes: Vec<_> = (0..8).map(|_| process(&store)).collect();
        std::thread::scope(|s| {
            for cache in &processes {
                s.spawn(|| {
                    let token = cache.token(false, MARGIN, &budget(), || {
                        std::thread::sleep(Duration::from_millis(50));
                        counting(&fetches, "shared")
                    });
                    assert_eq!(token.unwrap(), "shared");
                });
            }
        });
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "{}", backend.name);
    }
}

#[test]
fn a_refused_token_is_fetched_again_once_for_all() {
    for (backend, store) in shared_stores() {
        let name = backend.name;
        let processes: Vec<_> = (0..4).map(|_| process(&store)).collect();
        let first = AtomicU32::new(0);
        for cache in &processes {
            let token = cache.token(false, MARGIN, &budget(), || counting(&first, "old"));
            assert_eq!(token.unwrap(), "old");
        }
        assert_eq!(first.load(Ordering::SeqCst), 1, "{name}");
        // DingTalk refuses "old" to everyone at about the same time.
        let again = AtomicU32::new(0);
        std::thread::scope(|s| {
            for cache in &processes {
                s.spawn(|| {
                    cache.invalidate("old", &budget());
                    let token = cache.token(false, MARGIN, &budget(), || {
                        std::thread::sleep(Duration::from_millis(20));
                        counting(&again, "new")
                    });
                    assert_eq!(token.unwrap(), "new");
                });
            }
        });
        assert_eq!(again.load(Ordering::SeqCst), 1, "{name}");
    }
}

#[test]
fn a_late_refusal_keeps_the_newer_token_in_the_store() {
    for (backend, store) in shared_stores() {
        let name = backend.name;
        let (a, b) = (process(&store), process(&store));
        let fetches = AtomicU32::new(0);
        assert_eq!(
            a.token(false, MARGIN, &budget(), || counting(&fetches, "t1"))
                .unwrap(),
            "t1"
        );
        // b is refused t1 first and stores t2.
        b.invalidate("t1", &budget());
        assert_eq!(
            b.token(false, MARGIN, &budget(), || counting(&fetches, "t2"))
                .unwrap(),
            "t2"
        );
        // a is refused t1 later: t2 stays, and a takes it from the store.
        a.invalidate("t1", &budget());
        let token = a.token(false, MARGIN, &budget(), || counting(&fetches, "t3"));
        assert_eq!(token.unwrap(), "t2", "{name}");
        assert_eq!(fetches.load(Ordering::SeqCst), 2, "{name}");
    }
}

#[test]
fn a_stored_token_that_was_refused_here_is_not_believed() {
    let store = Arc::new(Store::new(Box::new(Memory::default()), true));
    let (a, b) = (process(&store), process(&store));
    let fetches = AtomicU32::new(0);
    a.token(false, MARGIN, &budget(), || counting(&fetches, "t1"))
        .unwrap();
    // b was refused t1; the store still offers it (say its removal raced with a's write).
    b.slot.lock().refused = Some("t1".to_owned());
    let token = b.token(false, MARGIN, &budget(), || counting(&fetches, "t2"));
    assert_eq!(token.unwrap(), "t2");
}

#[test]
fn a_stored_value_that_is_no_token_is_not_sent() {
    let store = Arc::new(Store::new(Box::new(Memory::default()), true));
    for bad in ["", "line\nbreak", "with space", &"x".repeat(1025)] {
        let planted = StoredToken::new(
            bad.to_owned(),
            crate::time::now_ms(),
            Duration::from_secs(7200),
        );
        store
            .call(Deadline::after(Duration::from_secs(1)), |s, t| {
                s.put(KEY, &planted, t)
            })
            .unwrap();
        let fetches = AtomicU32::new(0);
        let token = process(&store).token(false, MARGIN, &budget(), || counting(&fetches, "real"));
        assert_eq!(token.unwrap(), "real", "{bad:?}");
    }
}

#[test]
fn a_waiting_process_takes_the_token_the_holder_stores() {
    for (backend, store) in shared_stores() {
        let name = backend.name;
        let holder = store
            .call(Deadline::after(Duration::from_secs(1)), |s, t| {
                s.try_lock(KEY, Duration::from_secs(30), t)
            })
            .unwrap()
            .expect("free");
        let waiter = process(&store);
        let fetches = AtomicU32::new(0);
        std::thread::scope(|s| {
            let waiting =
                s.spawn(|| waiter.token(false, MARGIN, &budget(), || counting(&fetches, "mine")));
            std::thread::sleep(Duration::from_millis(100));
            let token = StoredToken::new(
                "holders".to_owned(),
                crate::time::now_ms(),
                Duration::from_secs(7200),
            );
            store
                .call(Deadline::after(Duration::from_secs(1)), |s, t| {
                    s.put(KEY, &token, t)
                })
                .unwrap();
            holder.release().unwrap();
            assert_eq!(waiting.join().unwrap().unwrap(), "holders", "{name}");
        });
        assert_eq!(fetches.load(Ordering::SeqCst), 0, "{name}");
    }
}

#[test]
fn waiting_for_a_holder_ends_with_the_budget() {
    let store = Arc::new(Store::new(Box::new(Memory::default()), true));
    let _holder = store
        .call(Deadline::after(Duration::from_secs(1)), |s, t| {
            s.try_lock(KEY, Duration::from_secs(60), t)
        })
        .unwrap()
        .expect("free");
    let cache = process(&store);
    let short = Budget::new(Duration::from_millis(200), 1 << 20);
    let error = cache
        .token(false, MARGIN, &short, || {
            Ok(("never".into(), Duration::ZERO))
        })
        .unwrap_err();
    let Error::Transport(transport) = error else {
        panic!("{error:?}");
    };
    assert_eq!(transport.kind, TransportErrorKind::Timeout);
    assert_eq!(transport.path, fetch::TOKEN_PATH);
}

#[test]
fn a_failing_store_is_counted_and_the_token_fetched_directly() {
    let store = Arc::new(broken_store());
    let counters = Arc::new(Counters::default());
    let cache = TokenCache::with_slot(
        Arc::new(TokenSlot::default()),
        Arc::clone(&store),
        KEY,
        Arc::clone(&counters),
    );
    let fetches = AtomicU32::new(0);
    let token = cache.token(false, MARGIN, &budget(), || counting(&fetches, "direct"));
    assert_eq!(token.unwrap(), "direct");
    cache.invalidate("direct", &budget());
    let token = cache.token(false, MARGIN, &budget(), || counting(&fetches, "again"));
    assert_eq!(token.unwrap(), "again");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    // Failed once, then left alone for a while: one error counted.
    assert_eq!(counters.snapshot().store_errors, 1);
}
