//! Wall-clock time since the epoch (in DingTalk's unit, milliseconds, and in the rate limit's,
//! microseconds), and durations in those units.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time since the epoch, now (zero for a clock set before it).
fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    millis(since_epoch())
}

/// Microseconds since the epoch, now.
pub(crate) fn now_us() -> i64 {
    micros(since_epoch())
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// `us` microseconds as a duration (none when negative).
pub(crate) fn from_micros(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

/// A duration in whole microseconds, saturating.
pub(crate) fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}
