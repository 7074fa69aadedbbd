//! Deduplication (`dedupe`): a message already handled within the window is acknowledged
//! without reaching the handler again — across every worker that shares the client's
//! `token_store` (memory: this process; file: this host; Redis: every host).
//!
//! Each message is known by its kind, topic and id (an event's `eventId`, a bot message's
//! `msgId`, another callback's `messageId`: what stays the same when DingTalk delivers it
//! again), hashed into a key. The worker about to handle it claims the key in the store with a
//! set-if-absent that expires after the window: a value `pending <owner>`, replaced by `handled`
//! once the handler succeeded, removed if it did not (so the next delivery is handled). A
//! message acknowledged before it is handled (`ack` `early`) is claimed as `handled` at once.
//! Whoever finds the key taken learns which: `handled` is acknowledged as handled; another
//! worker's `pending` (it is at it, or died at it and the claim runs out with the window) is
//! answered as not handled, so that DingTalk delivers it again later; its own `pending` (a
//! message it was given and did not acknowledge) is its own to handle again.
//!
//! The cost: one store operation (one round trip to Redis, one locked file on a host) per
//! message, and a second one after a message handled when acknowledged after the handler. Like
//! every store operation it ends within 0.5 s; a store that fails is left alone for a while and
//! this process's own marks serve meanwhile (counted in `store_errors`): deduplication then
//! holds per process only, and delivery goes on.

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::frame::Event;
use crate::counters::Counters;
use crate::deadline::Deadline;
use crate::observe::Observe;
use crate::random;
use crate::store::{marks, memory, Store, STORE_TIMEOUT};

/// The value of a message handled.
const HANDLED: &str = "handled";

/// What the marks say of a message.
#[derive(Debug, PartialEq)]
pub(crate) enum Verdict {
    /// Nobody had it: this worker has it now.
    New(Option<Claim>),
    /// Handled already.
    Handled,
    /// Another worker is handling it, or died at it.
    Busy,
}

/// A claim on a message, settled once its handler returned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Claim {
    key: String,
    value: String,
    /// Made in this process's marks (the store could not be used).
    here: bool,
}

pub(crate) struct Dedupe {
    window: Duration,
    store: Arc<Store>,
    /// The app's name in the store.
    app: String,
    counters: Arc<Counters>,
    /// Where a store failure is told.
    observe: Observe,
    /// This worker's claims' value.
    pending: String,
}

/// A random owner value: the pid and 16 random bytes (a claim's holder is not guessed).
fn owner() -> String {
    format!("pending {}-{}", std::process::id(), random::id_hex(16))
}

/// The key of `event`: a hash of its kind, topic and id (of its delivery when it has no id).
fn key(event: &Event) -> String {
    let id = if event.id.is_empty() {
        &event.message_id
    } else {
        &event.id
    };
    let mut hash = Sha256::new();
    for part in [format!("{:?}", event.kind).as_str(), &event.topic, id] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    crate::hex::lower(&hash.finalize()[..16])
}

impl Dedupe {
    /// Claims for `window` in `store`, as `app`; failures of the store counted in `counters`
    /// and told to `observe`.
    pub(crate) fn new(
        window: Duration,
        store: Arc<Store>,
        app: String,
        (counters, observe): (Arc<Counters>, Observe),
    ) -> Self {
        Dedupe {
            window,
            store,
            app,
            counters,
            observe,
            pending: owner(),
        }
    }

    /// Claims `event`: as `handled` at once with `settled` (its acknowledgement goes before the
    /// handler), else as pending, to settle.
    pub(crate) fn claim(&self, event: &Event, settled: bool) -> Verdict {
        let key = key(event);
        let value = if settled { HANDLED } else { &self.pending };
        let window = self.window;
        let deadline = Deadline::after(STORE_TIMEOUT);
        let shared = self.store.call(deadline, |s, d| {
            s.put_if_absent(&self.app, &key, value, window, d)
        });
        let (held, here) = match shared {
            Ok(held) => (held, false),
            Err(unusable) => {
                unusable.count(&self.counters, &self.observe);
                let mark = memory::mark_key(&self.app, &key);
                (marks::here().put_if_absent(&mark, value, window), true)
            }
        };
        match held {
            None if settled => Verdict::New(None),
            None => Verdict::New(Some(Claim {
                key,
                value: value.to_owned(),
                here,
            })),
            // This worker's own claim, never settled (the message was not acknowledged): its
            // delivery again is this worker's to handle.
            Some(held) if held == self.pending => Verdict::New(Some(Claim {
                key,
                value: held,
                here,
            })),
            Some(held) if held == HANDLED => Verdict::Handled,
            Some(_) => Verdict::Busy,
        }
    }

    /// Settles `claim`: marked `handled` for the window, or released so that the next delivery
    /// is handled.
    pub(crate) fn settle(&self, claim: &Claim, handled: bool) {
        let to = handled.then_some(HANDLED);
        let window = self.window;
        if claim.here {
            let mark = memory::mark_key(&self.app, &claim.key);
            marks::here().replace_if(&mark, &claim.value, to, window);
            return;
        }
        let deadline = Deadline::after(STORE_TIMEOUT);
        let settled = self.store.call(deadline, |s, d| {
            s.replace_if(&self.app, &claim.key, &claim.value, to, window, d)
        });
        // Unsettled, the claim runs out with the window: later deliveries wait until then.
        if let Err(unusable) = settled {
            unusable.count(&self.counters, &self.observe);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame::{self, Incoming};
    use super::*;
    use crate::store::memory::Memory;
    use crate::store::tests::broken_store;

    fn event(id: &str) -> Event {
        let text = format!(
            r#"{{"type":"EVENT","headers":{{"topic":"*","messageId":"m-{id}","eventId":"{id}"}},"data":"{{}}"}}"#
        );
        match frame::parse(&text) {
            Incoming::Message(event) => *event,
            other => panic!("not a message: {other:?}"),
        }
    }

    fn worker(store: &Arc<Store>, counters: &Arc<Counters>) -> Dedupe {
        let window = Duration::from_secs(60);
        let watched = (Arc::clone(counters), Observe::default());
        Dedupe::new(window, Arc::clone(store), "app.k".into(), watched)
    }

    /// Two workers on one store: the first claims, the second waits while it handles, then
    /// only acknowledges; a message not handled is free again.
    #[test]
    fn a_message_is_handled_once_by_whoever_claims_it_first() {
        let store = Arc::new(Store::new(Box::new(Memory::default()), true));
        let counters = Arc::new(Counters::default());
        let (one, two) = (worker(&store, &counters), worker(&store, &counters));
        let Verdict::New(Some(claim)) = one.claim(&event("e1"), false) else {
            panic!("the first claims it")
        };
        assert_eq!(two.claim(&event("e1"), false), Verdict::Busy);
        // Its own claim, not settled yet: the first gets it again.
        assert_eq!(
            one.claim(&event("e1"), false),
            Verdict::New(Some(claim.clone()))
        );
        one.settle(&claim, true);
        assert_eq!(two.claim(&event("e1"), false), Verdict::Handled);
        // Not handled: released, the next delivery is handled.
        let Verdict::New(Some(claim)) = two.claim(&event("e2"), false) else {
            panic!("a new message")
        };
        two.settle(&claim, false);
        assert!(matches!(
            one.claim(&event("e2"), false),
            Verdict::New(Some(_))
        ));
        // Acknowledged before the handler: handled at once, nothing to settle.
        assert_eq!(one.claim(&event("e3"), true), Verdict::New(None));
        assert_eq!(two.claim(&event("e3"), false), Verdict::Handled);
        assert_eq!(counters.snapshot().store_errors, 0);
    }

    /// A store that fails is no single point of failure: this process's marks serve, and the
    /// failure is counted (once: the store is then left alone for a while).
    #[test]
    fn a_failing_store_falls_back_to_this_processs_marks() {
        let store = Arc::new(broken_store());
        let counters = Arc::new(Counters::default());
        let one = worker(&store, &counters);
        let id = format!("fallback-{}", fastrand::u64(..));
        let Verdict::New(Some(claim)) = one.claim(&event(&id), false) else {
            panic!("claimed here")
        };
        let other = worker(&store, &counters);
        assert_eq!(other.claim(&event(&id), false), Verdict::Busy);
        one.settle(&claim, true);
        assert_eq!(one.claim(&event(&id), false), Verdict::Handled);
        assert_eq!(counters.snapshot().store_errors, 1);
    }
}
