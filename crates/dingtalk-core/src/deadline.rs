//! A [`Deadline`]: the moment by which an operation with a peer must end, whatever the peer
//! does. Every operation that talks to a peer takes one (an HTTP call through its budget, a
//! store operation, the Stream gateway's ticket and handshake) and gives each read and write
//! only the time [`Deadline::remaining`]: a peer that trickles one byte just within a per-read
//! timeout would otherwise hold the caller for as long as it liked.

use std::io;
use std::time::{Duration, Instant};

/// Far enough to mean "never", near enough that `Instant` arithmetic cannot overflow.
const NEVER: Duration = Duration::from_secs(100 * 365 * 86_400);

/// The moment an operation must end by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    /// `time` from now (a century at most).
    pub(crate) fn after(time: Duration) -> Deadline {
        Deadline(Instant::now() + time.min(NEVER))
    }

    /// At `instant`.
    pub(crate) fn at(instant: Instant) -> Deadline {
        Deadline(instant)
    }

    /// The moment itself.
    pub(crate) fn instant(self) -> Instant {
        self.0
    }

    /// The time left, zero once the deadline passed.
    pub(crate) fn left(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// Whether it passed.
    pub(crate) fn passed(self) -> bool {
        self.left().is_zero()
    }

    /// The time one more read or write may take: all that is left, or a `TimedOut` error once
    /// nothing is. Never zero (a socket takes a zero timeout as "block for ever").
    pub(crate) fn remaining(self) -> io::Result<Duration> {
        let left = self.left();
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the deadline passed",
            ));
        }
        Ok(left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_left_shrinks_to_an_error() {
        let soon = Deadline::after(Duration::from_millis(30));
        assert!(soon.remaining().unwrap() <= Duration::from_millis(30));
        assert!(!soon.passed());
        std::thread::sleep(Duration::from_millis(40));
        assert!(soon.passed());
        assert_eq!(soon.left(), Duration::ZERO);
        assert_eq!(
            soon.remaining().unwrap_err().kind(),
            io::ErrorKind::TimedOut
        );
        // The sooner of two, and "never" without overflow.
        let never = Deadline::after(Duration::MAX);
        assert_eq!(soon.min(never), soon);
        assert!(never.left() > Duration::from_secs(86_400));
    }
}
