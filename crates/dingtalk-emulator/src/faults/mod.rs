//! Scripted faults and the QPS limit: what makes the emulator misbehave on purpose, the way
//! DingTalk, a gateway or the network sometimes does.
//!
//! - [`spec`]: a fault as a test posts it to `/_emulator/faults`, checked.
//! - [`fault`]: what a fault does to a request; [`answer`]: the answer it makes instead;
//!   [`raw_body`]: the bodies of a hostile server (padded, gzip bombs, trickled).
//! - [`queue`]: the faults waiting for their requests.
//! - [`qps_limit`]: `--qps-limit`, DingTalk's per-app, per-API calls per second.

pub mod answer;
pub mod fault;
pub mod qps_limit;
pub mod queue;
pub mod raw_body;
pub mod spec;

/// Paths of the control API, which faults never touch (and the stats never count).
pub fn is_control_path(path: &str) -> bool {
    path == "/_emulator" || path.starts_with("/_emulator/")
}
