//! A local DingTalk server for tests, demos and benchmarks.
//!
//! It speaks the parts of DingTalk's server API this project uses (access tokens,
//! legacy work records, the identity calls, the v1.0 to-do API, and messages over work
//! notifications, group webhooks and the app robot) with DingTalk's field names, limits and
//! error codes, keeps everything in memory, and adds a control API under `/_emulator/` to
//! script faults, expire tokens and inspect what was stored and delivered. See the crate README. With the `testing` feature, module `testing` holds a
//! client for that control API.
//!
//! ```
//! let emulator = dingtalk_emulator::spawn(dingtalk_emulator::Config::default()).unwrap();
//! let url = format!("{}/gettoken?appkey=demo_app_key&appsecret=demo_app_secret", emulator.base_url());
//! # let _ = url;
//! emulator.stop();
//! ```

#![warn(missing_docs)]

// First, so that every module below can use it.
#[macro_use]
mod or_refuse;

mod api;
mod auth;
mod clock;
mod config;
mod connection;
mod control;
mod family;
mod faults;
mod ids;
mod params;
mod push;
mod routes;
mod server;
mod spawn;
mod state;
mod stats;
mod stream;
mod sync;
#[cfg(feature = "testing")]
pub mod testing;
mod tls;

pub use api::todo::events::{TodoEvent, TodoEventKind};
pub use config::{
    Config, PushConfig, StreamConfig, WebhookConfig, BODY_LIMIT, DEMO_APP_KEY, DEMO_APP_SECRET,
};
pub use server::{serve, Emulator};
pub use spawn::{spawn, RunningEmulator};
