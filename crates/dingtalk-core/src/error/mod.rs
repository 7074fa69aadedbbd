//! The one error type of the crate.
//!
//! Every message names what failed (the API path, DingTalk's code and message). None holds the
//! app secret or an access token: transport errors are built from reqwest errors with their URL
//! stripped, and every text that came from outside passes through the redaction (`redact.rs`)
//! before it gets here.

mod class;

use std::fmt;
use std::time::Duration;

pub use class::ErrorClass;

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
    /// DingTalk answered with an error (boxed: it is the largest variant by far).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A retried create was answered "duplicate", and the existing record or task cannot be
    /// proven to be this call's: the caller must look before creating again.
    #[error(transparent)]
    Conflict(Box<Conflict>),
    /// No usable answer: connection, TLS, timeout, HTTP status without a DingTalk body, bad JSON.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The client-side `rate_limit` had no slot for the call before its deadline: it was not
    /// sent.
    #[error(transparent)]
    RateLimited(RateLimited),
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

    /// The meaning of the failure, which decides retries and the exception class.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Api(api) => api.class,
            Error::Transport(t) => match t.kind {
                TransportErrorKind::Connect => ErrorClass::Unsent,
                TransportErrorKind::Request => ErrorClass::Busy,
                TransportErrorKind::Status(status) if status >= 500 => ErrorClass::Busy,
                _ => ErrorClass::Final,
            },
            Error::RateLimited(_) => ErrorClass::Throttled,
            Error::InvalidArgument { .. } | Error::Conflict(_) | Error::Internal(_) => {
                ErrorClass::Final
            }
        }
    }

    /// Whether DingTalk may have carried out the request although this error came back: a busy
    /// answer, a server error, a connection that broke after sending, a timeout.
    pub fn maybe_processed(&self) -> bool {
        match self {
            Error::Api(api) => api.class == ErrorClass::Busy,
            Error::Transport(t) => match t.kind {
                // A too large answer is still an answer: the request was processed.
                TransportErrorKind::Timeout
                | TransportErrorKind::Request
                | TransportErrorKind::TooLarge => true,
                // A redirect (3xx) was refused by whoever answered, before doing anything.
                TransportErrorKind::Status(status) => status >= 500,
                TransportErrorKind::Connect | TransportErrorKind::Decode => false,
            },
            _ => false,
        }
    }
}

/// DingTalk's code for an error: a number in the oapi family (`errcode`), a text in v1.0.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Code {
    /// An oapi `errcode` (never 0 here).
    Number(i64),
    /// A v1.0 `code`, such as `InvalidAuthentication`.
    Text(String),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Number(n) => write!(f, "{n}"),
            Code::Text(t) => f.write_str(t),
        }
    }
}

/// DingTalk's error answer, from either family.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ApiError {
    /// The API path that answered, without its query.
    pub path: String,
    /// The HTTP status of the answer (200 for oapi errors, which come in a 200).
    pub http_status: u16,
    /// DingTalk's code: oapi `errcode` or v1.0 `code`.
    pub code: Code,
    /// DingTalk's text: oapi `errmsg` or v1.0 `message` (may be empty).
    pub message: String,
    /// DingTalk's `request_id` / `requestid`, when the answer had one.
    pub request_id: Option<String>,
    /// `sub_code` of an oapi errcode 88 answer.
    pub sub_code: Option<String>,
    /// `sub_msg` of an oapi errcode 88 answer.
    pub sub_msg: Option<String>,
    /// The permissions a v1.0 "access denied" answer names (`accessdenieddetail.requiredScopes`).
    pub required_scopes: Vec<String>,
    /// What the error means, decided by the API family's dialect.
    pub class: ErrorClass,
}

impl ApiError {
    /// The oapi `errcode`, if this is an oapi error.
    pub fn errcode(&self) -> Option<i64> {
        match self.code {
            Code::Number(n) => Some(n),
            Code::Text(_) => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DingTalk {} failed: ", self.path)?;
        match &self.code {
            Code::Number(errcode) => write!(f, "errcode {errcode}")?,
            Code::Text(code) => write!(f, "HTTP {} {code}", self.http_status)?,
        }
        if !self.message.is_empty() {
            let label = match self.code {
                Code::Number(_) => "errmsg",
                Code::Text(_) => "message",
            };
            write!(f, ", {label} \"{}\"", self.message)?;
        }
        if let Some(sub_code) = &self.sub_code {
            write!(f, ", sub_code {sub_code}")?;
        }
        if let Some(sub_msg) = &self.sub_msg {
            write!(f, " ({sub_msg})")?;
        }
        if !self.required_scopes.is_empty() {
            write!(f, " (required scopes: {})", self.required_scopes.join(", "))?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " [request_id {request_id}]")?;
        }
        Ok(())
    }
}

/// A retried create met an existing record or task that it cannot prove is its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Conflict {
    /// DingTalk's "duplicate" answer to the retry.
    pub answer: ApiError,
    /// What is known, and what the caller should do.
    pub detail: String,
}

/// A call the client-side rate limit kept back: its slot would have come too late.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "DingTalk {path} was not sent: options[rate_limit] allows {per_second} calls per second of \
     this API, and its next free slot is {} ms away, past the call's deadline ({} ms left)",
    .wait.as_millis(),
    .left.as_millis()
)]
pub struct RateLimited {
    /// The API path, without its query.
    pub path: String,
    /// The limit, calls per second, as configured.
    pub per_second: String,
    /// How far away the next free slot was.
    pub wait: Duration,
    /// What was left of the call's time budget.
    pub left: Duration,
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
