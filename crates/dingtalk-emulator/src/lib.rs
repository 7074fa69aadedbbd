//! A local DingTalk server for tests, demos and benchmarks.
//!
//! It speaks the parts of DingTalk's server API this project uses (access tokens,
//! legacy work records) with DingTalk's field names, limits and error codes, keeps
//! everything in memory, and adds a control API under `/_emulator/` to script
//! faults, expire tokens and inspect what was stored. See the crate README.
//!
//! ```
//! let emulator = dingtalk_emulator::spawn(dingtalk_emulator::Config::default()).unwrap();
//! let url = format!("{}/gettoken?appkey=demo_app_key&appsecret=demo_app_secret", emulator.base_url());
//! # let _ = url;
//! emulator.stop();
//! ```

#![warn(missing_docs)]

mod config;
mod connection;
mod control;
mod errors;
mod faults;
mod ids;
mod params;
mod push;
mod qps;
mod record_store;
mod routes;
mod server;
mod spawn;
mod state;
mod stats;
mod tls;
mod token;
mod token_store;
mod workrecord;

pub use config::{Config, PushConfig, DEMO_APP_KEY, DEMO_APP_SECRET};
pub use server::{serve, Emulator};
pub use spawn::{spawn, RunningEmulator};

/// Largest request body accepted; larger ones are refused with HTTP 413.
pub const BODY_LIMIT: usize = 1024 * 1024;
