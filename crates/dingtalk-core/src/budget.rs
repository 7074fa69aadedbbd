//! What one call may spend: a [`Budget`] of time (until one [`Deadline`]) and of answer bytes.
//! It stands on the error type and the deadline alone, so that the executor, the token cache,
//! the rate limit and the APIs can all take the same budget without importing each other.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::deadline::Deadline;
use crate::error::{Error, TransportError, TransportErrorKind};

/// What one whole call may spend: time until its deadline (`options[timeout]`), and answer
/// bytes kept (`options[max_answer_bytes]`). Created once by the public method the caller
/// called, so every page of an `all()` and every step of a recovery share it.
#[derive(Debug)]
pub(crate) struct Budget {
    deadline: Deadline,
    time: Duration,
    bytes_left: Cell<usize>,
    bytes: usize,
}

impl Budget {
    /// A budget of `time` from now and `bytes` of answers.
    pub(crate) fn new(time: Duration, bytes: usize) -> Self {
        Budget::until(Deadline::after(time), time, bytes)
    }

    /// A budget that ends at `deadline` (`time` names its length in messages).
    pub(crate) fn until(deadline: Deadline, time: Duration, bytes: usize) -> Self {
        Budget {
            deadline,
            time,
            bytes_left: Cell::new(bytes),
            bytes,
        }
    }

    /// The time left, zero once the deadline passed.
    pub(crate) fn left(&self) -> Duration {
        self.deadline.left()
    }

    /// When the call must end: what every operation with a peer is bounded by.
    pub(crate) fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// The time left, or a timeout error naming `path`.
    pub(crate) fn remaining(&self, path: &str) -> Result<Duration, Error> {
        let left = self.left();
        if left.is_zero() {
            return Err(TransportError::new(
                path,
                TransportErrorKind::Timeout,
                format!(
                    "time budget of {:.3} s used up (options[timeout])",
                    self.time.as_secs_f64()
                ),
            )
            .into());
        }
        Ok(left)
    }

    /// Whether a pause of `pause` would end at or after the deadline.
    pub(crate) fn passed_by(&self, pause: Duration) -> bool {
        Instant::now() + pause >= self.deadline.instant()
    }

    /// The answer bytes still allowed, and the whole allowance.
    pub(crate) fn bytes(&self) -> (usize, usize) {
        (self.bytes_left.get(), self.bytes)
    }

    /// Uses `bytes` of the allowance (those of an answer the call keeps).
    pub(crate) fn charge(&self, bytes: usize) {
        self.bytes_left
            .set(self.bytes_left.get().saturating_sub(bytes));
    }
}
