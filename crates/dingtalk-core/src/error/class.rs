//! What a failure means, whichever API family reported it.
//!
//! Each dialect maps its own codes to an [`ErrorClass`] when it judges an answer; the retry
//! decision and the PHP exception class both follow from the class alone, so neither knows a
//! single DingTalk code.

/// The meaning of a failure, independent of the API family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The token sent is no longer good (expired, invalid): drop it, fetch a new one, resend once.
    /// DingTalk refused before doing anything, so any call may be resent.
    TokenRejected,
    /// The app key or secret is wrong: final.
    BadCredentials,
    /// Throttled for a moment (per-app or per-API QPS): a pause of about a second cures it.
    /// Refused before processing, so any call may be resent.
    Throttled,
    /// Banned for a while: retrying makes it worse. Final.
    Banned,
    /// The monthly call quota is used up: final.
    QuotaExhausted,
    /// DingTalk was busy or failed after it may have started the work (system busy, HTTP 5xx,
    /// a connection that broke after sending): resent only when the call is safe to repeat.
    Busy,
    /// The request never left this process (no connection could be made): resent.
    Unsent,
    /// Anything else: the caller's mistake, a missing permission, an unexpected answer. Final.
    Final,
}
