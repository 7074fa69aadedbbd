//! Which failures are retried, how, and how long to wait: DingTalk's rules in one place.
//!
//! Codes are matched as sets, not one by one, because DingTalk has changed over the years which
//! code it sends for an expired token.

use std::time::Duration;

use crate::error::{Error, ErrorKind, TransportErrorKind};
use crate::options::Backoff;

/// Codes that mean the token we sent is no longer good: drop it, fetch a new one, retry once.
const TOKEN_CODES: [i64; 3] = [40014, 42001, 40001];
/// `sub_code`s of errcode 88 that mean the same.
const TOKEN_SUB_CODES: [&str; 2] = ["40014", "42001"];
/// Bad app key or secret: final.
const CREDENTIAL_CODES: [i64; 2] = [40089, 40096];
/// Throttling that a pause cures.
const THROTTLE_CODES: [i64; 3] = [90018, 90002, 90006];
/// "System busy".
const BUSY: i64 = -1;

/// Whether an API error means the token must be renewed.
pub fn is_token_error(errcode: i64, sub_code: Option<&str>) -> bool {
    TOKEN_CODES.contains(&errcode)
        || (errcode == 88 && sub_code.is_some_and(|s| TOKEN_SUB_CODES.contains(&s)))
}

/// Whether an errcode means the app is throttled or banned for a while.
pub fn is_rate_limit(errcode: i64) -> bool {
    THROTTLE_CODES.contains(&errcode) || errcode == 90001 || (90003..=90014).contains(&errcode)
}

/// The class of an API error, as the PHP exceptions expose it.
pub fn classify(errcode: i64, sub_code: Option<&str>) -> ErrorKind {
    if CREDENTIAL_CODES.contains(&errcode) || is_token_error(errcode, sub_code) {
        ErrorKind::Authentication
    } else if is_rate_limit(errcode) {
        ErrorKind::RateLimit
    } else {
        ErrorKind::Other
    }
}

/// Whether a request may be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Sending it twice does no harm (reads, marking done, an add that carries a `biz_id`).
    Safe,
    /// Sending it twice could do it twice: retried only when the first attempt surely did not
    /// reach DingTalk's business logic.
    Unsafe,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Drop the cached token, fetch a new one, send again.
    RefreshToken,
    /// Wait (the base delay, doubled per retry, jittered) and send again.
    Backoff(Duration),
    /// Give up with this error.
    Fail,
}

/// Decides about a failure. `refreshed` says whether the token was already renewed once in this
/// call; `request_sent` whether the failure came after the API request itself was sent (a token
/// fetch that fails never reached the API, so even an unsafe request may retry).
pub fn decide(
    error: &Error,
    idempotency: Idempotency,
    request_sent: bool,
    refreshed: bool,
    backoff: &Backoff,
) -> Decision {
    let may_repeat = idempotency == Idempotency::Safe || !request_sent;
    match error {
        Error::Api(api) => {
            let errcode = &api.errcode;
            if is_token_error(*errcode, api.sub_code.as_deref()) {
                // Refused before it was processed: safe to resend, but only once.
                if refreshed {
                    Decision::Fail
                } else {
                    Decision::RefreshToken
                }
            } else if THROTTLE_CODES.contains(errcode) {
                // Throttling rejects the call before it is processed.
                Decision::Backoff(backoff.throttled)
            } else if *errcode == BUSY && may_repeat {
                Decision::Backoff(backoff.transient)
            } else {
                Decision::Fail
            }
        }
        Error::Transport(t) => match t.kind {
            // Nothing was sent.
            TransportErrorKind::Connect => Decision::Backoff(backoff.transient),
            TransportErrorKind::Status(status) if status >= 500 && may_repeat => {
                Decision::Backoff(backoff.transient)
            }
            TransportErrorKind::Request if may_repeat => Decision::Backoff(backoff.transient),
            _ => Decision::Fail,
        },
        Error::InvalidArgument { .. } | Error::Internal(_) => Decision::Fail,
    }
}

/// The pause before retry number `retry` (0 for the first retry): `base · 2^retry`, jittered to
/// 50–100 % so that workers that failed together do not come back together.
pub fn delay(base: Duration, retry: u32) -> Duration {
    let full = base.saturating_mul(1u32 << retry.min(16));
    full.mul_f64(0.5 + fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, TransportError};

    fn api(errcode: i64, sub_code: Option<&str>) -> Error {
        Error::from(ApiError {
            path: "/x".into(),
            errcode,
            errmsg: String::new(),
            request_id: None,
            sub_code: sub_code.map(str::to_owned),
            sub_msg: None,
            kind: classify(errcode, sub_code),
        })
    }

    fn transport(kind: TransportErrorKind) -> Error {
        Error::Transport(TransportError::new("/x", kind, "boom"))
    }

    const B: Backoff = Backoff {
        transient: Duration::from_millis(1),
        throttled: Duration::from_millis(2),
    };

    #[test]
    fn token_errors_refresh_once() {
        for (code, sub) in [
            (40014, None),
            (42001, None),
            (40001, None),
            (88, Some("42001")),
            (88, Some("40014")),
        ] {
            let e = api(code, sub);
            assert_eq!(
                decide(&e, Idempotency::Unsafe, true, false, &B),
                Decision::RefreshToken,
                "{code}"
            );
            assert_eq!(
                decide(&e, Idempotency::Unsafe, true, true, &B),
                Decision::Fail,
                "{code}"
            );
        }
        assert_eq!(
            decide(&api(88, Some("60011")), Idempotency::Safe, true, false, &B),
            Decision::Fail
        );
    }

    #[test]
    fn throttling_and_busy_back_off() {
        for code in [90018, 90002, 90006] {
            assert_eq!(
                decide(&api(code, None), Idempotency::Unsafe, true, false, &B),
                Decision::Backoff(B.throttled)
            );
        }
        assert_eq!(
            decide(&api(-1, None), Idempotency::Safe, true, false, &B),
            Decision::Backoff(B.transient)
        );
        // "busy" may have half-done an unsafe request.
        assert_eq!(
            decide(&api(-1, None), Idempotency::Unsafe, true, false, &B),
            Decision::Fail
        );
    }

    #[test]
    fn final_codes_fail_at_once() {
        for code in [40089, 40096, 60011, 90020, 41001, 40035, 90001, 90010] {
            assert_eq!(
                decide(&api(code, None), Idempotency::Safe, true, false, &B),
                Decision::Fail,
                "{code}"
            );
        }
    }

    #[test]
    fn transport_failures_retry_only_when_safe() {
        let t = TransportErrorKind::Status(502);
        assert_eq!(
            decide(&transport(t), Idempotency::Safe, true, false, &B),
            Decision::Backoff(B.transient)
        );
        assert_eq!(
            decide(&transport(t), Idempotency::Unsafe, true, false, &B),
            Decision::Fail
        );
        assert_eq!(
            decide(&transport(t), Idempotency::Unsafe, false, false, &B),
            Decision::Backoff(B.transient)
        );
        let connect = transport(TransportErrorKind::Connect);
        assert_eq!(
            decide(&connect, Idempotency::Unsafe, true, false, &B),
            Decision::Backoff(B.transient)
        );
        let dropped = transport(TransportErrorKind::Request);
        assert_eq!(
            decide(&dropped, Idempotency::Unsafe, true, false, &B),
            Decision::Fail
        );
        assert_eq!(
            decide(&dropped, Idempotency::Safe, true, false, &B),
            Decision::Backoff(B.transient)
        );
        for kind in [
            TransportErrorKind::Timeout,
            TransportErrorKind::Decode,
            TransportErrorKind::Status(404),
        ] {
            assert_eq!(
                decide(&transport(kind), Idempotency::Safe, true, false, &B),
                Decision::Fail
            );
        }
    }

    #[test]
    fn classifies_codes() {
        assert_eq!(classify(40096, None), ErrorKind::Authentication);
        assert_eq!(classify(40089, None), ErrorKind::Authentication);
        assert_eq!(classify(88, Some("42001")), ErrorKind::Authentication);
        assert_eq!(classify(88, Some("60011")), ErrorKind::Other);
        assert_eq!(classify(90018, None), ErrorKind::RateLimit);
        assert_eq!(classify(90014, None), ErrorKind::RateLimit);
        assert_eq!(classify(90020, None), ErrorKind::Other);
        assert_eq!(classify(-1, None), ErrorKind::Other);
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
