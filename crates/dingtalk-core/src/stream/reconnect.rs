//! When to connect again: the reconnection policy of a Stream worker, on its own so that
//! whatever owns connections (an active one, and those draining beside it) asks the same
//! questions of it.
//!
//! - A failed attempt or a connection that died waits `reconnect_delay`, doubled with each
//!   failure in a row up to `max_reconnect_delay`, jittered to 50–100 % so that workers that
//!   failed together do not come back together.
//! - The gateway's `disconnect` is honoured at once [`FREE_DISCONNECTS`] times in a row; past
//!   those it waits like a failure (a gateway that disconnects every connection at once would
//!   otherwise have the worker ask for a ticket, with the app secret, in a busy loop). It never
//!   shortens the pause a failure set.
//! - Only a connection that proved itself — it delivered a message, or stayed open
//!   [`PROVEN_AFTER`] — starts the count again.
//! - Failures in a row ([`Reconnect::failures`], for `max_failures`) count the attempts that
//!   failed and the connections that ended before proving themselves (disconnects past the
//!   free ones included): a connection that worked and then died starts a new count.

use std::time::{Duration, Instant};

use crate::exec::retry;

/// Disconnects in a row honoured at once.
pub(crate) const FREE_DISCONNECTS: u32 = 3;

/// A connection open this long worked, whatever ends it.
pub(crate) const PROVEN_AFTER: Duration = Duration::from_secs(60);

/// The reconnection policy's state.
#[derive(Debug)]
pub(crate) struct Reconnect {
    first: Duration,
    longest: Duration,
    /// Pauses in a row (failures, and disconnects past the free ones): the next one doubles.
    pauses: u32,
    /// Disconnects since the last proven connection.
    disconnects: u32,
    /// Failures in a row (see the module docs).
    failures: u32,
    /// No attempt before this.
    not_before: Option<Instant>,
}

/// Whether a connection opened at `opened` that delivered a message (`delivered`) worked.
fn worked(opened: Instant, delivered: bool) -> bool {
    delivered || opened.elapsed() >= PROVEN_AFTER
}

impl Reconnect {
    /// Pauses from `first` up to `longest` (at least `first`).
    pub(crate) fn new(first: Duration, longest: Duration) -> Self {
        Reconnect {
            first,
            longest: longest.max(first),
            pauses: 0,
            disconnects: 0,
            failures: 0,
            not_before: None,
        }
    }

    /// Sets the next pause.
    fn pause(&mut self) {
        let full = retry::doubled(self.first, self.pauses).min(self.longest);
        self.pauses = self.pauses.saturating_add(1);
        self.not_before = Some(Instant::now() + retry::jitter(full));
    }

    /// A connection attempt failed.
    pub(crate) fn failed(&mut self) {
        self.failures = self.failures.saturating_add(1);
        self.pause();
    }

    /// The connection opened at `opened` died (`delivered`: it had delivered a message).
    pub(crate) fn lost(&mut self, opened: Instant, delivered: bool) {
        if worked(opened, delivered) {
            self.proven();
        } else {
            self.failures = self.failures.saturating_add(1);
        }
        self.pause();
    }

    /// The gateway asked the worker to connect again, over the connection opened at
    /// `opened`.
    pub(crate) fn disconnected(&mut self, opened: Instant, delivered: bool) {
        if worked(opened, delivered) {
            self.proven();
        }
        self.disconnects = self.disconnects.saturating_add(1);
        if self.disconnects > FREE_DISCONNECTS {
            self.failed();
        }
    }

    /// A connection proved that connecting works: trouble starts from the first pause again.
    pub(crate) fn proven(&mut self) {
        self.pauses = 0;
        self.disconnects = 0;
        self.failures = 0;
    }

    /// Failures in a row.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    /// The number of the next attempt since the last connection that worked, from 1.
    pub(crate) fn attempt(&self) -> u32 {
        self.failures.saturating_add(1)
    }

    /// When the next attempt may start (`None`: now).
    pub(crate) fn not_before(&self) -> Option<Instant> {
        self.not_before
    }

    /// The pause left before the next attempt.
    pub(crate) fn pause_left(&self) -> Duration {
        self.not_before.map_or(Duration::ZERO, |at| {
            at.saturating_duration_since(Instant::now())
        })
    }

    /// The pause is over (an attempt starts).
    pub(crate) fn waited(&mut self) {
        self.not_before = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pause(r: &Reconnect) -> Duration {
        r.not_before().map_or(Duration::ZERO, |at| {
            at.saturating_duration_since(Instant::now())
        })
    }

    #[test]
    fn failures_double_the_pause_up_to_the_longest() {
        let mut r = Reconnect::new(Duration::from_secs(1), Duration::from_secs(4));
        let mut fulls = Vec::new();
        for _ in 0..5 {
            r.failed();
            // Jittered to 50–100 %: the full pause is within [p, 2p].
            fulls.push(pause(&r).as_secs_f64());
            r.waited();
        }
        let bounds = [1.0, 2.0, 4.0, 4.0, 4.0];
        for (got, full) in fulls.iter().zip(bounds) {
            assert!(*got <= full && *got >= full / 2.0 - 0.01, "{fulls:?}");
        }
        r.proven();
        r.failed();
        assert!(pause(&r) <= Duration::from_secs(1));
    }

    #[test]
    fn disconnects_past_the_free_ones_wait_and_never_reset_the_pause() {
        let mut r = Reconnect::new(Duration::from_secs(1), Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..FREE_DISCONNECTS {
            r.disconnected(now, false);
            assert_eq!(r.not_before(), None, "honoured at once");
        }
        r.disconnected(now, false);
        assert!(
            pause(&r) >= Duration::from_millis(490),
            "then like a failure"
        );
        r.waited();
        r.disconnected(now, false);
        assert!(pause(&r) >= Duration::from_millis(990), "doubling");
        r.waited();
        // A failure after them goes on doubling: the disconnects reset nothing.
        r.failed();
        assert!(pause(&r) >= Duration::from_millis(1990));
        r.waited();
        assert_eq!(
            r.failures(),
            3,
            "the disconnects past the free ones, and the failure"
        );
        // A connection that lived long enough starts everything again.
        r.disconnected(Instant::now() - PROVEN_AFTER, false);
        assert_eq!(r.not_before(), None);
        assert_eq!((r.failures(), r.attempt()), (0, 1));
        r.failed();
        assert!(pause(&r) <= Duration::from_secs(1));
    }

    /// Failures in a row count attempts and connections that never worked; a connection that
    /// worked and then died starts a new count.
    #[test]
    fn failures_count_what_never_worked() {
        let mut r = Reconnect::new(Duration::ZERO, Duration::ZERO);
        r.failed();
        r.lost(Instant::now(), false);
        assert_eq!((r.failures(), r.attempt()), (2, 3));
        r.lost(Instant::now(), true);
        assert_eq!((r.failures(), r.attempt()), (0, 1));
        r.failed();
        r.lost(Instant::now() - PROVEN_AFTER, false);
        assert_eq!(r.failures(), 0, "open long enough: it worked");
    }
}
