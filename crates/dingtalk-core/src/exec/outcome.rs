//! What one call is given (a deadline) and what a failed call hands back (a [`Failure`]).

use std::time::{Duration, Instant};

use crate::error::{Error, TransportError, TransportErrorKind};

/// The time budget of one whole call, created once by the public method that the caller
/// called (so every page of an `all()` and every step of a recovery share it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub(crate) fn after(budget: Duration) -> Self {
        Deadline {
            at: Instant::now() + budget,
            budget,
        }
    }

    /// The time left, or a timeout error naming `path`.
    pub(crate) fn remaining(&self, path: &str) -> Result<Duration, Error> {
        let left = self.at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(TransportError::new(
                path,
                TransportErrorKind::Timeout,
                format!(
                    "time budget of {:.3} s used up (options[timeout])",
                    self.budget.as_secs_f64()
                ),
            )
            .into());
        }
        Ok(left)
    }

    /// Whether a pause of `pause` would end at or after the deadline.
    pub(crate) fn passed_by(&self, pause: Duration) -> bool {
        Instant::now() + pause >= self.at
    }
}

/// A failed call: the last error, and what is known about whether DingTalk acted on it.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// An attempt failed after it may have reached DingTalk's business logic.
    pub(crate) maybe_delivered: bool,
}

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        failure.error
    }
}
