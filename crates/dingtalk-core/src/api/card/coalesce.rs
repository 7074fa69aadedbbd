//! Streaming into a card, coalesced: a tiny state machine per card.
//!
//! ```text
//!   idle ──stream()──▶ in_flight ──stream()──▶ in_flight + pending
//!    ▲                    │  ▲                        │
//!    └── nothing pending ─┘  └─ sent; take pending ───┘   (a newer stream() replaces pending)
//! ```
//!
//! PHP has one thread, and an AI answer arrives token by token, faster than DingTalk takes
//! updates. So `stream()` never waits for the network: it puts the content into `pending`
//! (one entry per key, the newest replacing the older) and returns. A sender thread of the card,
//! started when the card leaves `idle` and ended when it is back there, sends what is pending:
//! one update at a time (at most one in flight per card), at most one per `interval` (measured
//! from the start of the previous one), each under the client's `rate_limit` and retries. Content
//! that was replaced while it waited is never sent: 2,000 tokens become a few dozen updates.
//!
//! The final update of a key is never dropped: its `stream()` waits until it was sent (it does
//! not wait for the interval, and goes ahead of other keys' pending content, which keeps its
//! interval) and returns its result. So a card never sends more than 3 updates in any second
//! with the default interval of 0.5 s: two spaced ones and a final one. A failed update that was not final is
//! reported by the next `stream()` that is not final either (the final one supersedes it).
//!
//! The sender thread holds the card's state, not the PHP object: content still pending when the
//! object goes away is sent all the same. Only the end of the process loses it — which is why
//! the last update should be final. After `fork()` the child has no sender thread: the first
//! `stream()` there starts one.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result, TransportError, TransportErrorKind};

/// One update of one key: the key's whole content so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Update {
    pub(crate) key: String,
    pub(crate) content: String,
    /// The key's final update (`isFinalize`).
    pub(crate) last: bool,
    ticket: u64,
}

/// How an update is sent (an HTTP call in the card; a recording in tests).
pub(crate) type Sender = dyn Fn(&Update) -> Result<()> + Send + Sync;

/// The streaming state of one card.
pub(crate) struct Coalescer {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    send: Box<Sender>,
    interval: Duration,
    /// How long a final `stream()` waits at most: the update in flight and its own.
    patience: Duration,
    /// The path named in a timeout.
    path: &'static str,
}

#[derive(Default)]
struct State {
    /// Waiting to be sent, one per key, oldest key first.
    pending: Vec<Update>,
    /// The process whose sender thread runs; `None`: idle.
    sender: Option<u32>,
    /// The start of the last update sent.
    last_start: Option<Instant>,
    /// The failure of an update that was not final, for the next `stream()`.
    failure: Option<Error>,
    /// The results of final updates, for their `stream()`.
    finals: Vec<(u64, Result<()>)>,
    next_ticket: u64,
    /// Updates sent (tried), for tests and figures.
    sent: u64,
}

impl Coalescer {
    /// A card's streaming state: updates go out through `send`, one at a time, at most one per
    /// `interval`; a final `stream()` waits `patience` at most.
    pub(crate) fn new(
        send: Box<Sender>,
        interval: Duration,
        patience: Duration,
        path: &'static str,
    ) -> Self {
        Coalescer {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                changed: Condvar::new(),
                send,
                interval,
                patience,
                path,
            }),
        }
    }

    /// Puts `content` as `key`'s newest content. Returns at once unless `last`: then when the
    /// final update was sent, with its result.
    pub(crate) fn stream(&self, key: &str, content: &str, last: bool) -> Result<()> {
        let shared = &self.shared;
        let mut state = shared.lock();
        if state.sender.is_some_and(|pid| pid != std::process::id()) {
            // Forked: the sender thread is the parent's.
            state.sender = None;
        }
        if last {
            state.failure = None;
        } else if let Some(failure) = state.failure.take() {
            return Err(failure);
        }
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        let update = Update {
            key: key.to_owned(),
            content: content.to_owned(),
            last,
            ticket,
        };
        match state.pending.iter_mut().find(|u| u.key == key) {
            Some(older) => *older = update,
            None => state.pending.push(update),
        }
        if state.sender.is_none() {
            state.sender = Some(std::process::id());
            let worker = Arc::clone(shared);
            let started = std::thread::Builder::new()
                .name("dingtalk-card".into())
                .spawn(move || worker.run());
            if let Err(e) = started {
                state.sender = None;
                state.pending.retain(|u| u.ticket != ticket);
                return Err(Error::Internal(format!("no thread to stream with: {e}")));
            }
        } else {
            // A sender waiting out its interval sends a final update at once.
            shared.changed.notify_all();
        }
        if !last {
            return Ok(());
        }
        shared.wait_for(state, ticket)
    }

    /// Updates sent so far (each send tried, whatever its result).
    #[cfg(test)]
    pub(crate) fn sent(&self) -> u64 {
        self.shared.lock().sent
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent at every unlock: a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the result of the final update `ticket`.
    fn wait_for(&self, mut state: MutexGuard<'_, State>, ticket: u64) -> Result<()> {
        let deadline = Instant::now() + self.patience;
        loop {
            if let Some(at) = state.finals.iter().position(|(t, _)| *t == ticket) {
                return state.finals.swap_remove(at).1;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let detail = format!(
                    "the final streaming update was not sent within {} ms",
                    self.patience.as_millis()
                );
                return Err(
                    TransportError::new(self.path, TransportErrorKind::Timeout, detail).into(),
                );
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// The sender thread: sends what is pending until nothing is.
    fn run(&self) {
        while let Some(update) = self.next() {
            let sent =
                catch_unwind(AssertUnwindSafe(|| (self.send)(&update))).unwrap_or_else(|_| {
                    Err(Error::Internal(
                        "a streaming update failed unexpectedly".into(),
                    ))
                });
            let mut state = self.lock();
            state.sent += 1;
            match (update.last, sent) {
                (true, result) => state.finals.push((update.ticket, result)),
                (false, Err(error)) => state.failure = Some(error),
                (false, Ok(())) => {}
            }
            self.changed.notify_all();
        }
    }

    /// The next update to send: a final one at once, any other once the interval passed;
    /// `None` when nothing is pending, the card then idle.
    fn next(&self) -> Option<Update> {
        let mut state = self.lock();
        loop {
            if state.pending.is_empty() {
                state.sender = None;
                self.changed.notify_all();
                return None;
            }
            let due = state.last_start.map(|start| start + self.interval);
            let wait = due.map_or(Duration::ZERO, |d| {
                d.saturating_duration_since(Instant::now())
            });
            // A final update goes at once, ahead of the others, which keep their interval.
            let next = match state.pending.iter().position(|u| u.last) {
                Some(last) => Some(last),
                None => wait.is_zero().then_some(0),
            };
            if let Some(next) = next {
                state.last_start = Some(Instant::now());
                return Some(state.pending.remove(next));
            }
            state = self
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    /// A sender that records each update and holds it "in flight" until the test releases it.
    fn gated() -> (
        Box<Sender>,
        mpsc::Receiver<Update>,
        mpsc::Sender<Result<()>>,
    ) {
        let (seen_tx, seen_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<Result<()>>();
        let release_rx = Mutex::new(release_rx);
        let send = move |update: &Update| {
            seen_tx.send(update.clone()).unwrap();
            release_rx.lock().unwrap().recv().unwrap()
        };
        (Box::new(send), seen_rx, release_tx)
    }

    const PATIENCE: Duration = Duration::from_secs(10);

    #[test]
    fn while_one_update_is_in_flight_only_the_newest_content_waits() {
        let (send, seen, release) = gated();
        let card = Arc::new(Coalescer::new(send, Duration::ZERO, PATIENCE, "/s"));
        card.stream("content", "t1", false).unwrap();
        let first = seen.recv().unwrap();
        assert_eq!(first.content, "t1");
        // In flight: a thousand more tokens only replace what is pending.
        let mut text = String::from("t1");
        for n in 2..=1000 {
            text.push_str(&format!(" t{n}"));
            card.stream("content", &text, false).unwrap();
        }
        let last = {
            let card = Arc::clone(&card);
            let text = format!("{text} end");
            std::thread::spawn(move || card.stream("content", &text, true))
        };
        // The final content is pending before the update in flight ends.
        while !card.shared.lock().pending.iter().any(|u| u.last) {
            std::thread::yield_now();
        }
        release.send(Ok(())).unwrap();
        let second = seen.recv().unwrap();
        assert!(
            second.last,
            "the pending content was replaced by the final one"
        );
        assert!(second.content.ends_with("t1000 end"));
        release.send(Ok(())).unwrap();
        last.join().unwrap().unwrap();
        assert_eq!(card.sent(), 2);
        assert!(seen.try_recv().is_err());
    }

    #[test]
    fn keys_keep_their_own_newest_content() {
        let (send, seen, release) = gated();
        let card = Coalescer::new(send, Duration::ZERO, PATIENCE, "/s");
        card.stream("a", "a1", false).unwrap();
        assert_eq!(seen.recv().unwrap().content, "a1");
        card.stream("b", "b1", false).unwrap();
        card.stream("a", "a2", false).unwrap();
        card.stream("b", "b2", false).unwrap();
        for _ in 0..3 {
            release.send(Ok(())).unwrap();
        }
        let (b, a) = (seen.recv().unwrap(), seen.recv().unwrap());
        assert_eq!((b.key.as_str(), b.content.as_str()), ("b", "b2"));
        assert_eq!((a.key.as_str(), a.content.as_str()), ("a", "a2"));
    }

    /// Waits until the card's sender thread went idle.
    fn idle(card: &Coalescer) {
        while card.shared.lock().sender.is_some() {
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_failure_is_told_once_and_a_final_update_reports_its_own() {
        let (send, seen, release) = gated();
        let card = Coalescer::new(send, Duration::ZERO, PATIENCE, "/s");
        card.stream("k", "1", false).unwrap();
        seen.recv().unwrap();
        let refused = Error::invalid("key", "is unknown");
        release.send(Err(refused.clone())).unwrap();
        idle(&card);
        assert_eq!(card.stream("k", "2", false), Err(refused.clone()));
        assert_eq!(card.sent(), 1, "what failed to be told is not queued");
        card.stream("k", "3", false).unwrap();
        seen.recv().unwrap();
        release.send(Err(refused)).unwrap();
        idle(&card);
        release.send(Ok(())).unwrap();
        assert_eq!(
            card.stream("k", "4", true),
            Ok(()),
            "the final update supersedes"
        );
        assert_eq!(seen.recv().unwrap().content, "4");
    }

    /// A card whose updates are recorded and sent at once, an interval far longer than
    /// PATIENCE (a final update held for it would time out), its first update sent already;
    /// what was sent.
    fn spaced_after(key: &str, content: &str) -> (Coalescer, Arc<Mutex<Vec<String>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&sent);
        let send = move |update: &Update| {
            record.lock().unwrap().push(update.content.clone());
            Ok(())
        };
        let card = Coalescer::new(Box::new(send), Duration::from_secs(600), PATIENCE, "/s");
        card.stream(key, content, false).unwrap();
        while card.sent() == 0 {
            std::thread::yield_now();
        }
        (card, sent)
    }

    #[test]
    fn updates_are_spaced_by_the_interval_but_a_final_one_is_not_held() {
        let (card, sent) = spaced_after("k", "1");
        card.stream("k", "2", false).unwrap();
        card.stream("k", "3", false).unwrap();
        assert_eq!(card.sent(), 1, "held by the interval");
        card.stream("k", "4", true).unwrap();
        assert_eq!(*sent.lock().unwrap(), ["1", "4"]);
    }

    #[test]
    fn a_final_update_goes_ahead_of_the_others_which_keep_their_interval() {
        let (card, sent) = spaced_after("a", "a1");
        card.stream("a", "a2", false).unwrap();
        card.stream("b", "b1", true).unwrap();
        assert_eq!(
            *sent.lock().unwrap(),
            ["a1", "b1"],
            "a2 still waits for its interval"
        );
    }

    #[test]
    fn a_final_update_that_cannot_be_sent_in_time_fails_with_a_timeout() {
        let (send, seen, release) = gated();
        let card = Coalescer::new(send, Duration::ZERO, Duration::from_millis(50), "/s");
        card.stream("k", "1", false).unwrap();
        seen.recv().unwrap();
        let error = card.stream("k", "2", true).unwrap_err();
        assert!(
            matches!(&error, Error::Transport(t) if t.kind == TransportErrorKind::Timeout),
            "{error:?}"
        );
        release.send(Ok(())).unwrap();
        release.send(Ok(())).unwrap();
    }
}
