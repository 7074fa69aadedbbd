//! Whether and how a failed attempt is tried again. Knows no DingTalk code: the dialects turn
//! codes into an [`ErrorClass`], and this decides from the class and the attempt alone.

use std::time::Duration;

use super::request::Repeat;
use crate::config::Backoff;
use crate::error::ErrorClass;

/// What is known about the attempt that failed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempt {
    /// Retries already made in this call.
    pub(crate) retries: u32,
    /// Retries the options allow.
    pub(crate) max_retries: u32,
    /// Whether the API request itself was sent (a failed token fetch never reached the API).
    pub(crate) sent: bool,
    /// Whether the token was already renewed once in this call.
    pub(crate) token_refreshed: bool,
    pub(crate) repeat: Repeat,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Fetch a new token (the refused one is already dropped) and send again.
    RefreshToken,
    /// Wait (the base delay, doubled per retry, jittered) and send again.
    Backoff(Duration),
    /// Give up with this error.
    Fail,
}

/// Decides about a failure of class `class`.
pub(crate) fn decide(class: ErrorClass, attempt: &Attempt, backoff: &Backoff) -> Decision {
    if class == ErrorClass::TokenRejected {
        // Refused before it was processed: resent once with a new token, whatever `retries`
        // allows (renewing a token is not retrying a failure).
        return if attempt.token_refreshed {
            Decision::Fail
        } else {
            Decision::RefreshToken
        };
    }
    if attempt.retries >= attempt.max_retries {
        return Decision::Fail;
    }
    let may_repeat = attempt.repeat == Repeat::Safe || !attempt.sent;
    match class {
        // Throttling rejects the call before it is processed.
        ErrorClass::Throttled => Decision::Backoff(backoff.throttled),
        ErrorClass::Unsent => Decision::Backoff(backoff.transient),
        ErrorClass::Busy if may_repeat => Decision::Backoff(backoff.transient),
        _ => Decision::Fail,
    }
}

/// The pause before retry number `retry` (0 for the first retry): `base · 2^retry`, jittered to
/// 50–100 % so that workers that failed together do not come back together.
pub(crate) fn delay(base: Duration, retry: u32) -> Duration {
    jitter(doubled(base, retry))
}

/// `base · 2^times`, saturating.
pub(crate) fn doubled(base: Duration, times: u32) -> Duration {
    base.saturating_mul(1u32 << times.min(16))
}

/// 50–100 % of `full`, at random.
pub(crate) fn jitter(full: Duration) -> Duration {
    full.mul_f64(0.5 + fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        transient: Duration::from_millis(1),
        throttled: Duration::from_millis(2),
    };

    fn attempt(repeat: Repeat, sent: bool, token_refreshed: bool) -> Attempt {
        Attempt {
            retries: 0,
            max_retries: 2,
            sent,
            token_refreshed,
            repeat,
        }
    }

    /// Every class × call kind: what happens after a first failure.
    #[test]
    fn the_retry_matrix() {
        use Decision::*;
        use ErrorClass::*;
        use Repeat::*;
        let matrix = [
            // class, repeat, sent, token already refreshed → decision
            (TokenRejected, Unsafe, true, false, RefreshToken),
            (TokenRejected, Unsafe, true, true, Fail),
            (BadCredentials, Safe, false, false, Fail),
            (Throttled, Unsafe, true, false, Backoff(B.throttled)),
            (Banned, Safe, true, false, Fail),
            (QuotaExhausted, Safe, true, false, Fail),
            (Busy, Safe, true, false, Backoff(B.transient)),
            (Busy, Unsafe, true, false, Fail),
            (Busy, Unsafe, false, false, Backoff(B.transient)),
            (Unsent, Unsafe, true, false, Backoff(B.transient)),
            (Final, Safe, true, false, Fail),
        ];
        for (class, repeat, sent, refreshed, expected) in matrix {
            assert_eq!(
                decide(class, &attempt(repeat, sent, refreshed), &B),
                expected,
                "{class:?} {repeat:?} sent={sent} refreshed={refreshed}"
            );
        }
    }

    #[test]
    fn no_retry_past_the_allowed_count() {
        let mut spent = attempt(Repeat::Safe, true, false);
        spent.retries = 2;
        assert_eq!(
            decide(ErrorClass::Busy, &spent, &B),
            Decision::Fail,
            "retries used up"
        );
        assert_eq!(
            decide(ErrorClass::TokenRejected, &spent, &B),
            Decision::RefreshToken,
            "a token is renewed once whatever retries allows"
        );
    }

    #[test]
    fn delay_doubles_and_jitters() {
        let base = Duration::from_millis(100);
        for retry in 0..4 {
            let d = delay(base, retry);
            let full = base * (1 << retry);
            assert!(d >= full / 2 && d <= full, "{d:?} for retry {retry}");
        }
        assert_eq!(delay(Duration::ZERO, 3), Duration::ZERO);
    }
}
