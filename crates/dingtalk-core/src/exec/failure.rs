//! What a failed call hands back: a [`Failure`].

use crate::error::Error;

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
