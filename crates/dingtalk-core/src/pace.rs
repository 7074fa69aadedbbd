//! The pace of a bulk call: how many of its attempts may be in flight, and how far apart they
//! start. It starts unpaced (the batch's concurrency, no spacing) and slows down when DingTalk
//! throttles, so that a batch sent without `rate_limit` to a server that limits calls per
//! second still gets every item through within its time, instead of spending each item's
//! retries in the same crowded second.
//!
//! On a throttled answer the attempts in flight are halved, and starts are spaced to a little
//! under the rate the server accepted in the last second (the successes seen in it), or, with
//! no success to go by, twice as far apart as before. The attempts already in flight when the
//! pace slowed down do not slow it down again when they come back throttled too. Each success
//! then speeds it up a little, so that a pause caused by someone else's burst does not slow
//! the rest of the batch for good. Attempts get their turns in the order they asked for them,
//! so that no item waits while later ones go first.

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// What the successes of the last second are counted over.
const WINDOW: Duration = Duration::from_secs(1);
/// Starts are spaced to this share of the rate the server accepted.
const MARGIN: f64 = 0.8;
/// The spacing after a throttled answer with no success to estimate the server's rate from.
const FIRST_SPACING: Duration = Duration::from_millis(50);
/// The widest spacing.
const MAX_SPACING: Duration = Duration::from_secs(5);
/// How much each success shortens the spacing.
const SPEED_UP: f64 = 0.99;
/// Below this, starts are not spaced at all.
const MIN_SPACING: Duration = Duration::from_millis(1);
/// The most successes remembered (a second's worth at any rate DingTalk allows).
const MAX_REMEMBERED: usize = 512;

/// The shared pace of one bulk call.
#[derive(Debug)]
pub(crate) struct Pace {
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Debug)]
struct State {
    /// The batch's concurrency: the most attempts ever in flight.
    most: usize,
    /// Attempts allowed in flight now.
    allowed: usize,
    in_flight: usize,
    /// Successes since `allowed` last grew.
    grown: usize,
    /// The next ticket to hand out, and the ticket whose turn comes next.
    tickets: u64,
    serving: u64,
    /// Tickets of attempts that stopped waiting before their turn.
    abandoned: BTreeSet<u64>,
    /// Between two starts; zero: not spaced.
    spacing: Duration,
    /// The earliest start of the next attempt.
    next_start: Instant,
    /// When the pace last slowed down.
    slowed_at: Option<Instant>,
    /// When the recent attempts succeeded.
    successes: VecDeque<Instant>,
}

impl State {
    /// Serves the next ticket still waiting.
    fn next_in_line(&mut self) {
        self.serving += 1;
        while self.abandoned.remove(&self.serving) {
            self.serving += 1;
        }
    }
}

/// An attempt that has its turn; it leaves the flight when dropped.
pub(crate) struct Turn<'a> {
    pace: &'a Pace,
    started: Instant,
}

impl Pace {
    /// The pace of a batch sent `concurrency` items at a time.
    pub(crate) fn new(concurrency: usize) -> Self {
        let most = concurrency.max(1);
        Pace {
            state: Mutex::new(State {
                most,
                allowed: most,
                in_flight: 0,
                grown: 0,
                tickets: 0,
                serving: 0,
                abandoned: BTreeSet::new(),
                spacing: Duration::ZERO,
                next_start: Instant::now(),
                slowed_at: None,
                successes: VecDeque::new(),
            }),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change is a few assignments that cannot panic half-way.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the turn of one attempt, after those that asked before it; `None` when it
    /// would come after `left` from now.
    pub(crate) fn turn(&self, left: Duration) -> Option<Turn<'_>> {
        let deadline = Instant::now() + left;
        let mut state = self.lock();
        let ticket = state.tickets;
        state.tickets += 1;
        loop {
            let now = Instant::now();
            let first = state.serving == ticket;
            let room = first && state.in_flight < state.allowed;
            if room && state.next_start <= now {
                state.in_flight += 1;
                state.next_in_line();
                state.next_start = now + state.spacing;
                drop(state);
                // The next in line may go now (or start waiting for its time).
                self.freed.notify_all();
                return Some(Turn {
                    pace: self,
                    started: now,
                });
            }
            let until = if room { state.next_start } else { deadline };
            if until > deadline || now >= deadline {
                // Out of line: the next ticket is served in its stead.
                if first {
                    state.next_in_line();
                } else {
                    state.abandoned.insert(ticket);
                }
                drop(state);
                self.freed.notify_all();
                return None;
            }
            state = self
                .freed
                .wait_timeout(state, until - now)
                .map(|(state, _)| state)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
    }
}

impl Turn<'_> {
    /// The attempt succeeded: the pace speeds up a little.
    pub(crate) fn succeeded(self) {
        let now = Instant::now();
        let mut state = self.pace.lock();
        if state.successes.len() >= MAX_REMEMBERED {
            state.successes.pop_front();
        }
        state.successes.push_back(now);
        state.spacing = state.spacing.mul_f64(SPEED_UP);
        if state.spacing < MIN_SPACING {
            state.spacing = Duration::ZERO;
        }
        state.grown += 1;
        if state.grown >= state.allowed && state.allowed < state.most {
            state.allowed += 1;
            state.grown = 0;
        }
    }

    /// DingTalk throttled the attempt: the pace slows down, unless it already did after this
    /// attempt started.
    pub(crate) fn throttled(self) {
        let now = Instant::now();
        let mut state = self.pace.lock();
        if state.slowed_at.is_some_and(|at| self.started < at) {
            return;
        }
        while state
            .successes
            .front()
            .is_some_and(|at| now.duration_since(*at) > WINDOW)
        {
            state.successes.pop_front();
        }
        let accepted = state.successes.len();
        let estimate = if accepted == 0 {
            (state.spacing * 2).max(FIRST_SPACING)
        } else {
            // One start per accepted call, at a little under the rate the server accepted.
            WINDOW.div_f64(accepted as f64 * MARGIN)
        };
        state.spacing = estimate.max(state.spacing.mul_f64(1.5)).min(MAX_SPACING);
        state.allowed = (state.allowed / 2).max(1);
        state.grown = 0;
        state.slowed_at = Some(now);
        state.next_start = state.next_start.max(now + state.spacing);
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut state = self.pace.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        drop(state);
        self.pace.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spacing(pace: &Pace) -> Duration {
        pace.lock().spacing
    }

    #[test]
    fn unthrottled_it_lets_the_whole_concurrency_through_at_once() {
        let pace = Pace::new(3);
        let turns: Vec<_> = (0..3).map(|_| pace.turn(Duration::ZERO)).collect();
        assert!(turns.iter().all(Option::is_some));
        assert!(pace.turn(Duration::ZERO).is_none(), "a fourth waits");
        drop(turns);
        assert!(pace.turn(Duration::ZERO).is_some(), "room again");
    }

    #[test]
    fn a_throttle_halves_the_flight_and_spaces_starts_under_the_accepted_rate() {
        let pace = Pace::new(8);
        for _ in 0..10 {
            pace.turn(Duration::ZERO).unwrap().succeeded();
        }
        let in_flight: Vec<_> = (0..8).map(|_| pace.turn(Duration::ZERO).unwrap()).collect();
        let mut in_flight = in_flight.into_iter();
        in_flight.next().unwrap().throttled();
        // 10 accepted in the last second: one start every 125 ms.
        assert_eq!(spacing(&pace), Duration::from_millis(125));
        assert_eq!(pace.lock().allowed, 4);
        // The others were in flight before the pace slowed: no second slow-down.
        for turn in in_flight {
            turn.throttled();
        }
        assert_eq!(spacing(&pace), Duration::from_millis(125));
        assert_eq!(pace.lock().allowed, 4);
        assert!(
            pace.turn(Duration::from_millis(20)).is_none(),
            "the next start is a spacing away"
        );
        let next = pace.turn(Duration::from_secs(1)).unwrap();
        next.throttled();
        assert_eq!(
            spacing(&pace),
            Duration::from_millis(187) + Duration::from_micros(500)
        );
        assert_eq!(pace.lock().allowed, 2);
    }

    #[test]
    fn turns_come_in_the_order_they_were_asked_for() {
        let pace = std::sync::Arc::new(Pace::new(1));
        let first = pace.turn(Duration::ZERO).unwrap();
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let waiters: Vec<_> = (0..4)
            .map(|i| {
                let (shared, order) = (pace.clone(), order.clone());
                let waiter = std::thread::spawn(move || {
                    let turn = shared.turn(Duration::from_secs(5)).unwrap();
                    order.lock().unwrap().push(i);
                    drop(turn);
                });
                // Each asks after the one before it.
                while pace.lock().tickets < i + 2 {
                    std::thread::yield_now();
                }
                waiter
            })
            .collect();
        // One that gives up leaves its place to the next.
        assert!(pace.turn(Duration::from_millis(1)).is_none());
        drop(first);
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
        assert!(
            pace.turn(Duration::ZERO).is_some(),
            "the line is empty again"
        );
    }

    #[test]
    fn successes_speed_it_up_again() {
        let pace = Pace::new(4);
        pace.turn(Duration::ZERO).unwrap().throttled();
        assert_eq!(spacing(&pace), FIRST_SPACING);
        assert_eq!(pace.lock().allowed, 2);
        for _ in 0..500 {
            let turn = pace.turn(Duration::from_secs(1)).unwrap();
            // Skip the wait: only the arithmetic is under test.
            pace.lock().next_start = Instant::now();
            turn.succeeded();
        }
        assert_eq!(spacing(&pace), Duration::ZERO);
        assert_eq!(pace.lock().allowed, 4);
    }
}
