//! A client for DingTalk's server API: the legacy "oapi" family (work records) and the v1.0
//! family (to-dos), behind one call pipeline.
//!
//! Dependencies point one way: `api → exec → {auth, http, dialect} → error`.
//! - [`Client`] (`client.rs`): an app's credentials and options; hands out the APIs.
//! - `api/`: the typed APIs ([`WorkRecords`], [`Todos`]), identity, the raw calls, and
//!   paging written once.
//! - `exec/`: the executor, which owns the pipeline (rate limit → token → send → judge →
//!   classify → retry) within one deadline; `exec::retry` decides from an [`ErrorClass`]
//!   alone; `exec::batch` sends many calls concurrently ([`Batch`]).
//! - `dialect/`: what differs per family (how the token is attached, how an answer is judged
//!   and its codes classified): `oapi.rs`, `v1.rs` (v1.0).
//! - `auth/`: the token cache (this process's slot per app in front, single-flight, one token
//!   per app for both families) over a shared store (`auth/store/`: memory, file, Redis).
//! - `limit/`: the client-side rate limit (GCRA), its state kept by the same store.
//! - `http/`: the fork-aware client pool, sending one request, redaction of secrets.
//! - `stream/`: Stream mode, DingTalk's events over an outbound WebSocket ([`Stream`]).
//! - `config/`: validated [`Options`]. [`Error`]: the one error type, whose messages never hold
//!   the app secret or a token.
//! - [`process_stats`] (`process_stats.rs`): read-only counts of this process's state (apps with a
//!   cached token, pooled HTTP clients, requests, token fetches, retries).

mod api;
mod app_id;
mod auth;
mod budget;
pub mod callback;
mod client;
pub mod config;
mod counters;
mod dialect;
pub mod error;
mod exec;
mod fork_safe;
mod http;
mod limit;
mod process_stats;
mod redact;
mod store;
mod stream;
mod time;
mod validate;

#[cfg(test)]
mod test_support;

pub use api::todo::{
    ContentField, DetailUrl, NewTask, Role, Task, TaskChanges, TaskPage, Todos, CHANGE_KEYS,
    MAX_DESCRIPTION_CHARS, MAX_PEOPLE_CREATE, MAX_PEOPLE_UPDATE, MAX_SUBJECT_CHARS, MAX_URL_BYTES,
    PRIORITIES, TASK_KEYS,
};
pub use api::workrecord::{
    FormItem, NewRecord, Record, RecordPage, RecordStatus, WorkRecords, DUPLICATE_BIZ_ID,
    MAX_FORMS, MAX_LIMIT, MAX_TITLE_CHARS,
};
pub use callback::{Callback, CallbackError};
pub use client::Client;
pub use config::{Backoff, Options};
pub use counters::Stats;
pub use dialect::Family;
pub use error::{
    ApiError, Code, Conflict, Error, ErrorClass, RateLimited, Result, TransportError,
    TransportErrorKind,
};
pub use exec::batch::{Batch, DEFAULT_BATCH_TIMEOUT, DEFAULT_CONCURRENCY, MAX_CONCURRENCY};
pub use exec::Repeat;
pub use process_stats::{process_stats, ProcessStats};
pub use stream::{Ack, Event, Stream, StreamOptions, StreamStats};

/// The version reported in the default `User-Agent`.
pub const VERSION: &str = config::VERSION;
