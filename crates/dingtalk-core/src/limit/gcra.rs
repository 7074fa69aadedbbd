//! The arithmetic of the rate limit: GCRA (the generic cell rate algorithm), kept apart from
//! any clock or storage so that every back end (this process, a host's files, a Redis script)
//! computes the same thing and the tests can run it on a made-up clock. It is written twice,
//! here side by side: [`reserve`] in Rust, for the back ends that lock the number while it runs,
//! and [`RESERVE`] in Lua, which Redis runs on its own clock. The store runs either ([`Gcra`]
//! is the rule it is given) and only keeps the number.
//!
//! The state of one (app, API) is one number, the *TAT* (theoretical arrival time): the moment
//! the next call may go. A call at `now` goes at `max(TAT, now)` and moves the TAT one interval
//! past that. Calls are spaced evenly, without bursts: DingTalk counts calls per second, and a
//! burst at the end of one second and another at the start of the next would pass a
//! per-second count of calls sent but not DingTalk's count of calls received.
//!
//! Times are microseconds; the caller's clock decides their origin.

use std::sync::LazyLock;
use std::time::Duration;

use crate::store::redis::Script;
use crate::store::{RateRule, Reservation};
use crate::time::micros;

/// A fraction of the interval kept back for the network: DingTalk counts calls when they
/// arrive, and a call delayed on its way can land in the same second as one sent a second
/// after it. 5 % lets such a pair differ by 50 ms in transit at any rate.
pub(crate) const SPACING_MARGIN: f64 = 0.05;

/// The longest a call may wait for its slot: its whole time budget, at most a day. A TAT is
/// never further ahead than that and one interval; one that is (a clock that jumped back) is
/// not believed, and the state starts again from now.
const MAX_WAIT_US: i64 = 86_400 * 1_000_000;

/// The spacing between two calls, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interval(pub(crate) i64);

impl Interval {
    /// The spacing of `per_second` calls a second, [`SPACING_MARGIN`] included.
    pub(crate) fn for_rate(per_second: f64) -> Interval {
        let micros = (1_000_000.0 * (1.0 + SPACING_MARGIN) / per_second).ceil();
        // `per_second` is checked to be in [0.00001, 100000] (`rate_limit`'s range): the
        // interval is 11 µs to 1.05e11 µs (29 hours), exact in an i64 and in Lua's doubles.
        Interval((micros as i64).max(1))
    }
}

/// The slot of a call made at `now` when the state is `tat` (`None`: no call yet), if it comes
/// within `max_wait_us`; and the new state to store (`None`: unchanged).
pub(crate) fn reserve(
    tat: Option<i64>,
    now: i64,
    interval: Interval,
    max_wait_us: i64,
) -> (Reservation, Option<i64>) {
    let start = match tat {
        Some(tat) if tat > now && tat - now <= MAX_WAIT_US.saturating_add(interval.0) => tat,
        _ => now,
    };
    let wait_us = start - now;
    if wait_us > max_wait_us {
        return (Reservation::Refused { wait_us }, None);
    }
    (
        Reservation::Granted { wait_us },
        Some(start.saturating_add(interval.0)),
    )
}

/// [`reserve`] on Redis's clock: ARGV[1] the interval and ARGV[2] the longest wait, both in
/// microseconds ([`MAX_WAIT_US`] is written out in it). Returns {granted (0/1), wait in µs};
/// the TAT expires a second after it passed. Times are formatted with "%.0f": Lua 5.1 would
/// print a large number as 1.8e+15.
const RESERVE: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat <= now or tat - now > 86400000000 + tonumber(ARGV[1]) then tat = now end
local wait = tat - now
if wait > tonumber(ARGV[2]) then return {0, wait} end
local next = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.ceil((next - now) / 1000) + 1000)
return {1, wait}";

/// The script, hashed once.
static RESERVE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RESERVE));

/// One call's request for a slot, as the rule a store runs on the (app, API)'s TAT.
pub(crate) struct Gcra {
    interval: Interval,
    max_wait_us: i64,
}

impl Gcra {
    /// Slots `interval` apart, for a call that may wait `max_wait` for its own.
    pub(crate) fn new(interval: Interval, max_wait: Duration) -> Self {
        Gcra {
            interval,
            max_wait_us: micros(max_wait),
        }
    }
}

impl RateRule for Gcra {
    fn apply(&self, kept: Option<i64>, now_us: i64) -> (Reservation, Option<i64>) {
        reserve(kept, now_us, self.interval, self.max_wait_us)
    }

    fn script(&self) -> &Script {
        &RESERVE_SCRIPT
    }

    fn args(&self) -> [i64; 2] {
        [self.interval.0, self.max_wait_us]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000;

    #[test]
    fn the_interval_keeps_its_margin() {
        assert_eq!(Interval::for_rate(20.0), Interval(52_500));
        assert_eq!(Interval::for_rate(1.0), Interval(1_050_000));
        assert_eq!(Interval::for_rate(0.5), Interval(2_100_000));
        assert_eq!(Interval::for_rate(100_000.0), Interval(11));
    }

    /// Callers that come all at once are spaced one interval apart, in the order they came.
    #[test]
    fn a_crowd_is_spaced_evenly() {
        let interval = Interval(50_000);
        let mut tat = None;
        let mut waits = Vec::new();
        for _ in 0..5 {
            let (reservation, next) = reserve(tat, 0, interval, SECOND);
            let Reservation::Granted { wait_us } = reservation else {
                panic!("refused: {reservation:?}");
            };
            waits.push(wait_us);
            tat = next;
        }
        assert_eq!(waits, [0, 50_000, 100_000, 150_000, 200_000]);
        assert_eq!(tat, Some(250_000));
    }

    /// However calls come, no two slots are closer than one interval, and no window of one
    /// second holds more than `rate` slots.
    #[test]
    fn no_second_holds_more_than_the_rate() {
        let rate = 20.0;
        let interval = Interval::for_rate(rate);
        let mut tat = None;
        let mut slots = Vec::new();
        // Arrivals: bursts, pauses and trickles on a made-up clock.
        let mut now = 0;
        for step in 0..400 {
            now += [0, 1_000, 0, 0, 120_000, 7, 0, 51_000][step % 8];
            if let (Reservation::Granted { wait_us }, next) = reserve(tat, now, interval, SECOND) {
                slots.push(now + wait_us);
                tat = next;
            }
        }
        assert!(slots.windows(2).all(|w| w[1] - w[0] >= interval.0));
        for (i, first) in slots.iter().enumerate() {
            let in_window = slots[i..]
                .iter()
                .take_while(|s| **s < first + SECOND)
                .count();
            assert!(in_window as f64 <= rate, "{in_window} slots in a second");
        }
    }

    #[test]
    fn a_slot_past_the_callers_wait_is_refused_and_not_taken() {
        let interval = Interval(SECOND);
        let (first, tat) = reserve(None, 0, interval, 0);
        assert_eq!(first, Reservation::Granted { wait_us: 0 });
        let (second, unchanged) = reserve(tat, 100_000, interval, 500_000);
        assert_eq!(second, Reservation::Refused { wait_us: 900_000 });
        assert_eq!(unchanged, None);
        // The slot was not taken: a caller that may wait gets it, not the one after it.
        let (third, _) = reserve(tat, 100_000, interval, 900_000);
        assert_eq!(third, Reservation::Granted { wait_us: 900_000 });
    }

    #[test]
    fn an_old_or_unbelievable_state_starts_from_now() {
        let interval = Interval(10);
        assert_eq!(
            reserve(Some(5), 1_000, interval, 0),
            (Reservation::Granted { wait_us: 0 }, Some(1_010))
        );
        assert_eq!(
            reserve(Some(1_000 + MAX_WAIT_US + 11), 1_000, interval, 0),
            (Reservation::Granted { wait_us: 0 }, Some(1_010))
        );
    }

    /// The longest interval `rate_limit` allows (a call every 29 hours) is enforced like any
    /// other: its TAT is believed, however far ahead.
    #[test]
    fn the_longest_interval_holds() {
        let interval = Interval::for_rate(0.00001);
        assert_eq!(interval, Interval(105_000_000_000));
        let now = 1_700_000_000_000_000;
        let (first, tat) = reserve(None, now, interval, SECOND);
        assert_eq!(first, Reservation::Granted { wait_us: 0 });
        let (second, unchanged) = reserve(tat, now + SECOND, interval, MAX_WAIT_US);
        assert_eq!(
            second,
            Reservation::Refused {
                wait_us: interval.0 - SECOND
            }
        );
        assert_eq!(unchanged, None);
    }
}
