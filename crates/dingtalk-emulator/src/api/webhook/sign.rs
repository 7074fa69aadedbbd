//! A webhook robot's signature ("加签"), written from DingTalk's page on custom robot security:
//! `sign = urlencode(base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)))`,
//! with `timestamp` in milliseconds and within an hour of DingTalk's clock. The query string
//! is percent-decoded before the comparison, so [`expected`] is the base64 text itself.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far `timestamp` may be from now: one hour, in milliseconds.
pub const MAX_SKEW_MS: u64 = 3600 * 1000;

/// Why a signed request was refused: DingTalk's errmsg for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `timestamp`, not a number of milliseconds, or more than an hour away.
    InvalidTimestamp,
    /// No `sign`, or not the one the secret makes.
    SignNotMatch,
}

impl Refusal {
    pub fn errmsg(self) -> &'static str {
        match self {
            Refusal::InvalidTimestamp => "invalid timestamp",
            Refusal::SignNotMatch => "sign not match",
        }
    }
}

/// The base64 signature of `timestamp` (as sent, in milliseconds) with `secret`.
pub fn expected(secret: &str, timestamp: &str) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.as_bytes());
    mac.update(b"\n");
    mac.update(secret.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a request's `timestamp` and `sign` (both percent-decoded) against `secret` at `now_ms`.
pub fn check(
    secret: &str,
    timestamp: Option<&str>,
    sign: Option<&str>,
    now_ms: u64,
) -> Result<(), Refusal> {
    let timestamp = timestamp.ok_or(Refusal::InvalidTimestamp)?;
    let millis: u64 = timestamp.parse().map_err(|_| Refusal::InvalidTimestamp)?;
    if millis.abs_diff(now_ms) > MAX_SKEW_MS {
        return Err(Refusal::InvalidTimestamp);
    }
    match sign {
        Some(sign) if sign == expected(secret, timestamp) => Ok(()),
        _ => Err(Refusal::SignNotMatch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?", as base64.
        // expected() appends "\n" + secret, so sign the data with the key "Jefe" by hand here.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_signature_computed_by_hand_checks() {
        // python3: base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc", sha256).digest())
        let sign = expected("SECabc", "1700000000000");
        assert_eq!(sign, "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM=");
        let now = 1_700_000_000_000;
        assert_eq!(
            check("SECabc", Some("1700000000000"), Some(&sign), now),
            Ok(())
        );
        assert_eq!(
            check(
                "SECabc",
                Some("1700000000000"),
                Some(&sign),
                now + MAX_SKEW_MS
            ),
            Ok(())
        );
        assert_eq!(
            check(
                "SECabc",
                Some("1700000000000"),
                Some(&sign),
                now + MAX_SKEW_MS + 1
            ),
            Err(Refusal::InvalidTimestamp)
        );
        assert_eq!(
            check("SECabc", None, Some(&sign), now),
            Err(Refusal::InvalidTimestamp)
        );
        assert_eq!(
            check("SECabc", Some("17e11"), Some(&sign), now),
            Err(Refusal::InvalidTimestamp)
        );
        assert_eq!(
            check("SECabc", Some("1700000000000"), None, now),
            Err(Refusal::SignNotMatch)
        );
        assert_eq!(
            check("SECxyz", Some("1700000000000"), Some(&sign), now),
            Err(Refusal::SignNotMatch)
        );
    }
}
