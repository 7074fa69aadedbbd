//! A client for DingTalk's server API: the legacy "oapi" family (work records) and the v1.0
//! family (to-dos), behind one call pipeline.
//!
//! The module map, one floor a line from the top down: a module imports only modules on the
//! floors below its own, never one beside it or above it (no import circle).
//! - [`Client`] (`client.rs`): an app's credentials and options; hands out the APIs and Stream.
//! - `api/`: the typed APIs ([`WorkRecords`], [`Todos`], and `message/`: one [`Message`] shape
//!   over three channels, [`WorkNotices`], [`Webhook`], [`Bot`], whose replies to a bot message
//!   go through its session webhook or the robot; `card/`: interactive [`Card`]s, streamed into
//!   coalesced; `conversation.rs`: where a bot message came from), identity (`user.rs`), the raw
//!   calls (`raw.rs`), paging written once (`page.rs`) and the readers of a caller's fields
//!   (`fields.rs`). `stream/`: Stream mode, DingTalk's events, bot messages and card callbacks
//!   over an outbound WebSocket ([`Stream`]): its topics (`topics.rs`), its connections, active
//!   and draining (`supervisor.rs`), when to connect again (`reconnect.rs`), a message handled
//!   once through the store (`dedupe.rs`), the changes told to the caller (`state.rs`). Both
//!   send their calls through `exec/`.
//! - `exec/`: the executor, which owns the pipeline (rate limit → token → send → judge →
//!   classify → retry) within one budget; `exec::retry` decides from an [`ErrorClass`] alone;
//!   `exec::batch` sends many calls concurrently ([`Batch`]). `process_stats.rs`:
//!   [`process_stats`], read-only counts of this process's state (apps with a cached token,
//!   pooled HTTP clients, requests, token fetches, retries).
//! - `auth/`: the token cache (this process's slot per app in front, single-flight, one token
//!   per app for both families, the shared store below) and the token fetch (`fetch.rs`).
//! - `dialect/`: what differs per family (how the token is attached, how an answer is judged
//!   and its codes classified): `oapi.rs`, `v1.rs`, `webhook.rs` (a group's webhook robot, and
//!   its signature). `limit/`: the client-side rate limit and its GCRA arithmetic (`gcra.rs`,
//!   in Rust and in Lua for Redis).
//! - `http/`: the fork-aware HTTP client pool and sending one request. `store/`: the stores of
//!   `token_store` (memory, file, Redis), which keep tokens, the rate limit's numbers and
//!   marks that expire atomically for `auth/`, `limit/` and `stream/` alike.
//! - `config/`: validated [`Options`]. `budget.rs`: what one call may spend (time until its
//!   deadline, answer bytes, a bulk call's pace). `counters.rs`: an app's counters in this
//!   process ([`Stats`]). `validate.rs`: checks of caller arguments. `net/`: sockets whose every
//!   read and write ends by a deadline (TCP, TLS, a host name's lookup), waited for with `poll(2)`, for the peers the
//!   HTTP client does not reach: the Stream gateway's WebSocket, its proxy, Redis.
//! - The ground, which imports nothing of the crate: [`Error`] (`error/`), the one error type,
//!   whose messages never hold the app secret or a token; `redact.rs`, removing secrets from
//!   texts that came from the network; `deadline.rs`, the moment by which an operation with
//!   a peer must end, which every such operation takes; `fork_safe.rs`, values rebuilt after
//!   `fork()`; `app_id.rs`, which app a piece of process-wide state belongs to; `time.rs`,
//!   wall-clock time and durations in ms and µs; `random.rs`, random ids; `hex.rs`, bytes as
//!   lowercase hex (the one module that `app_id.rs` and `random.rs` import); `observe.rs`, the
//!   typed events an [`Observer`] receives (a logger); `pace.rs`, a bulk call's pace, slowed down by
//!   throttling. `callback/`: DingTalk's HTTP push (verify, decrypt, seal), on its own.

mod api;
mod app_id;
mod auth;
mod budget;
pub mod callback;
mod client;
pub mod config;
mod counters;
mod deadline;
mod dialect;
pub mod error;
mod exec;
mod fork_safe;
mod hex;
mod http;
mod limit;
mod net;
pub mod observe;
mod pace;
mod process_stats;
mod random;
mod redact;
mod store;
mod stream;
mod time;
mod validate;

#[cfg(test)]
mod test_support;

pub use api::card::{Card, CardOptions, CardTo, DEFAULT_STREAM_INTERVAL, MAX_STREAM_INTERVAL};
pub use api::message::{
    Bot, Message, NoticeOptions, ReplyRoute, UsersSent, Webhook, WorkNotices, DEFAULT_PER_MINUTE,
    MAX_NOTICE_BYTES, MAX_NOTICE_DEPTS, MAX_NOTICE_USERS, MAX_OA_HEAD_CHARS, MAX_PER_MINUTE,
    MAX_ROBOT_PARAM_BYTES, MAX_ROBOT_USERS, MAX_VOICE_SECONDS, MAX_WEBHOOK_BYTES, MSGTYPES,
    RESULT_LISTS, SESSION_MARGIN_MS,
};
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
    ApiError, Code, Conflict, Duplicate, Error, ErrorClass, RateLimited, Result, TransportError,
    TransportErrorKind,
};
pub use exec::batch::{Batch, DEFAULT_BATCH_TIMEOUT, DEFAULT_CONCURRENCY, MAX_CONCURRENCY};
pub use exec::Repeat;
pub use observe::Observer;
pub use process_stats::{process_stats, ProcessStats};
pub use stream::{
    Ack, AckMode, Event, Kind, Stream, StreamOptions, StreamState, StreamStats, Topic,
    BOT_MESSAGES, CARD_CALLBACKS,
};

/// The version reported in the default `User-Agent`.
pub const VERSION: &str = config::VERSION;
