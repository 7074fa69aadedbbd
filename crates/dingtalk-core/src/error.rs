//! The one error type of the crate.
//!
//! Every message names what failed (the API path, the errcode, DingTalk's errmsg). None holds the
//! app secret or an access token: transport errors are built from reqwest errors with their URL
//! stripped, and every text that came from outside passes through [`crate::redact`].

use std::fmt;

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An argument was refused before any request was sent.
    #[error("{name} {reason}")]
    InvalidArgument {
        /// The argument's name, as the caller knows it (`title`, `options[timeout]`).
        name: String,
        /// What is wrong with it, phrased to follow the name.
        reason: String,
    },
    /// DingTalk answered with an error code (boxed: it is the largest variant by far).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// No usable answer: connection, TLS, timeout, HTTP status without a DingTalk body, bad JSON.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Internal state could not be used (a lock poisoned by an earlier panic).
    #[error("dingtalk internal error: {0}")]
    Internal(String),
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

impl Error {
    pub(crate) fn invalid(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }
}

/// How an API error should be treated by a caller that wants to tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad app key or secret, or a token still refused after a refresh.
    Authentication,
    /// Throttled or banned (90018, 90002, 90006, 90001, 90003..90014), after the retries.
    RateLimit,
    /// A retried create was answered "duplicate `biz_id`" and the record that holds the
    /// `biz_id` cannot be proven to be the one this call's earlier attempt created: whether
    /// that attempt landed is unknown.
    Conflict,
    /// Any other error code.
    Other,
}

/// What a [`ErrorKind::Conflict`] message adds to DingTalk's answer: what is unknown, and what
/// the caller can do about it.
const CONFLICT_ADVICE: &str = "outcome unknown: this create was retried after its first \
     attempt's answer was lost, and DingTalk already holds a record with this biz_id, but that \
     record cannot be proven to be the one the first attempt created. The biz_id is taken either \
     way: look for the record among the user's pending records (all()) before creating it again \
     under another biz_id; complete() accepts the biz_id";

/// DingTalk's error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ApiError {
    /// The API path that answered, without its query.
    pub path: String,
    /// DingTalk's `errcode` (never 0 here).
    pub errcode: i64,
    /// DingTalk's `errmsg` (may be empty).
    pub errmsg: String,
    /// DingTalk's `request_id`, when the answer had one.
    pub request_id: Option<String>,
    /// `sub_code` of an errcode 88 answer.
    pub sub_code: Option<String>,
    /// `sub_msg` of an errcode 88 answer.
    pub sub_msg: Option<String>,
    /// The class of error, derived from the codes by [`crate::retry::classify`].
    pub kind: ErrorKind,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DingTalk {} failed: errcode {}", self.path, self.errcode)?;
        if !self.errmsg.is_empty() {
            write!(f, ", errmsg \"{}\"", self.errmsg)?;
        }
        if let Some(sub_code) = &self.sub_code {
            write!(f, ", sub_code {sub_code}")?;
        }
        if let Some(sub_msg) = &self.sub_msg {
            write!(f, " ({sub_msg})")?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " [request_id {request_id}]")?;
        }
        if self.kind == ErrorKind::Conflict {
            write!(f, ": {CONFLICT_ADVICE}")?;
        }
        Ok(())
    }
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, DNS, TLS handshake): the request was not sent.
    Connect,
    /// The call's time budget ran out.
    Timeout,
    /// An HTTP status without a DingTalk error body.
    Status(u16),
    /// An answer that is not the expected JSON.
    Decode,
    /// The connection failed after the request may have been sent.
    Request,
    /// The answer was larger than `max_answer_bytes` allows (decoded): not read further.
    TooLarge,
}

/// A failure below DingTalk's error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DingTalk {path} failed: {detail}")]
pub struct TransportError {
    /// The API path, without its query.
    pub path: String,
    /// The class of failure.
    pub kind: TransportErrorKind,
    /// What happened, secrets removed.
    pub detail: String,
}

impl TransportError {
    pub(crate) fn new(path: &str, kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        TransportError {
            path: path.to_owned(),
            kind,
            detail: detail.into(),
        }
    }
}
