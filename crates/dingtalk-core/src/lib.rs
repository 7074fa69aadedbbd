//! A client for DingTalk's server API, above all its work records (待办).
//!
//! The pieces, each in its own module:
//! - [`Options`]: validated settings of a client.
//! - `token`: the process-wide access-token cache (single-flight, renewed with a margin).
//! - `transport`: one pooled HTTP client per process and configuration, rebuilt after a fork.
//! - [`retry`]: which failures are retried, how, and how long to wait.
//! - [`Client`]: composes them into one call; [`WorkRecords`] is the typed work-record API.
//! - [`Error`]: the one error type, whose messages never hold the app secret or a token.

mod answer;
mod ca;
mod call;
pub mod callback;
mod client;
pub mod error;
mod new_record;
mod options;
mod record;
mod redact;
pub mod retry;
mod stats;
mod token;
mod transport;
pub mod workrecord;

pub use callback::{Callback, CallbackError};
pub use client::Client;
pub use error::{ApiError, Error, ErrorKind, Result, TransportError, TransportErrorKind};
pub use new_record::NewRecord;
pub use options::{Backoff, Options};
pub use record::{FormItem, Record, RecordPage, RecordStatus};
pub use stats::Stats;
pub use workrecord::WorkRecords;

/// The version reported in the default `User-Agent`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
