//! Test support (feature `testing`): a client for the control API under
//! `/_emulator/`, shared by every Rust test suite, and typed [`Fault`]s.
//!
//! ```
//! use dingtalk_emulator::testing::{Control, Fault};
//! use dingtalk_emulator::{spawn, Config};
//!
//! let emulator = spawn(Config::default()).unwrap();
//! let control = Control::new(&emulator);
//! control.faults([Fault::errcode("/topapi/workrecord/add", -1).count(2)]);
//! assert_eq!(control.pending_faults(), [("/topapi/workrecord/add".to_owned(), 2)]);
//! assert_eq!(control.stats().count("/gettoken"), 0);
//! ```
//!
//! The methods are test helpers: when the emulator cannot be reached or refuses a
//! call, they panic with the reason, failing the test that used them.

mod fault;
mod http;
mod messages;
mod stream;

use serde_json::Value;

pub use fault::Fault;
pub use messages::WebhookRobot;

/// Calls and counts, as `GET /_emulator/stats` reports them.
pub use crate::stats::Stats;

use crate::RunningEmulator;
use http::Http;

/// A client for one emulator's control API.
pub struct Control {
    http: Http,
}

fn query(name: &str, value: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish()
}

impl Control {
    /// The control API of an emulator started with [`crate::spawn`] (HTTP or HTTPS).
    #[track_caller]
    pub fn new(emulator: &RunningEmulator) -> Control {
        Control::connect(emulator.base_url(), emulator.cert_pem())
            .unwrap_or_else(|e| panic!("emulator control client: {e}"))
    }

    /// The control API of an emulator at `base_url` (e.g. a `dingtalk-emulator` process);
    /// `cert_pem` is the certificate to trust when it serves HTTPS.
    pub fn connect(base_url: &str, cert_pem: Option<&str>) -> std::io::Result<Control> {
        Ok(Control {
            http: Http::new(base_url, cert_pem)?,
        })
    }

    /// Any call of the control API: the status and the JSON answer. For the checks of
    /// the control API itself; everything else has its own method.
    #[track_caller]
    pub fn call(&self, method: &str, target: &str, body: Option<&[u8]>) -> (u16, Value) {
        let answer = self
            .http
            .request(method, target, body)
            .unwrap_or_else(|e| panic!("{method} {target}: {e}"));
        let value = serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
            panic!(
                "{method} {target}: answer is not JSON ({e}): {}",
                String::from_utf8_lossy(&answer.body)
            )
        });
        (answer.status, value)
    }

    /// A call that must succeed (HTTP 200).
    #[track_caller]
    pub(crate) fn ok(&self, method: &str, target: &str, body: Option<&[u8]>) -> Value {
        let (status, value) = self.call(method, target, body);
        assert_eq!(status, 200, "{method} {target}: {value}");
        value
    }

    /// Queues faults, all or none; panics with the emulator's reason if one is refused.
    /// Returns how many were queued.
    #[track_caller]
    pub fn faults(&self, faults: impl IntoIterator<Item = Fault>) -> usize {
        let list: Vec<Value> = faults.into_iter().map(|f| f.to_json()).collect();
        match self.try_faults(&Value::Array(list)) {
            Ok(queued) => queued,
            Err(reason) => panic!("faults refused: {reason}"),
        }
    }

    /// Posts `body` to `/_emulator/faults` as it is: the number queued, or the reason
    /// the emulator gave for refusing it.
    #[track_caller]
    pub fn try_faults(&self, body: &Value) -> Result<usize, String> {
        let body = body.to_string();
        let (status, answer) = self.call("POST", "/_emulator/faults", Some(body.as_bytes()));
        match (status, answer["queued"].as_u64()) {
            (200, Some(queued)) => Ok(usize::try_from(queued).unwrap_or(usize::MAX)),
            _ => Err(answer["error"]
                .as_str()
                .map_or_else(|| answer.to_string(), str::to_owned)),
        }
    }

    /// What is still queued: `(path, remaining)` in queue order.
    #[track_caller]
    pub fn pending_faults(&self) -> Vec<(String, u64)> {
        let answer = self.ok("GET", "/_emulator/faults", None);
        answer["faults"]
            .as_array()
            .map(|faults| {
                faults
                    .iter()
                    .map(|f| {
                        let path = f["path"].as_str().unwrap_or_default().to_owned();
                        (path, f["remaining"].as_u64().unwrap_or(0))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Drops every queued fault.
    #[track_caller]
    pub fn clear_faults(&self) {
        self.ok("DELETE", "/_emulator/faults", None);
    }

    /// Every token issued so far is expired from now.
    #[track_caller]
    pub fn expire_tokens(&self) {
        self.ok("POST", "/_emulator/expire-tokens", None);
    }

    /// The counts so far.
    #[track_caller]
    pub fn stats(&self) -> Stats {
        let answer = self.ok("GET", "/_emulator/stats", None);
        serde_json::from_value(answer)
            .unwrap_or_else(|e| panic!("GET /_emulator/stats answered something else: {e}"))
    }

    /// How often `path` was requested.
    #[track_caller]
    pub fn count(&self, path: &str) -> u64 {
        self.stats().count(path)
    }

    /// How many token calls (`/gettoken` and `/v1.0/oauth2/accessToken`) were made.
    #[track_caller]
    pub fn gettoken_calls(&self) -> u64 {
        self.stats().gettoken
    }

    /// Back to the state at start: records, to-dos, messages, webhook robots, groups, tokens,
    /// faults, stats, QPS windows.
    #[track_caller]
    pub fn reset(&self) {
        self.ok("POST", "/_emulator/reset", None);
    }

    /// Every work record stored for `userid`, in the order added.
    #[track_caller]
    pub fn records(&self, userid: &str) -> Vec<Value> {
        let target = format!("/_emulator/records?{}", query("userid", userid));
        list(self.ok("GET", &target, None), "records")
    }

    /// Every to-do task `union_id` takes part in, deleted ones included (`"deleted": true`).
    #[track_caller]
    pub fn todos(&self, union_id: &str) -> Vec<Value> {
        let target = format!("/_emulator/todos?{}", query("unionId", union_id));
        list(self.ok("GET", &target, None), "todos")
    }

    /// Raises an event now (`POST /_emulator/push`, `{"type", "data"}`): pushed to the push
    /// URL, if any, and delivered to every open Stream connection. The answer holds its push
    /// log `id` (`null` without a push URL) and `eventId`.
    #[track_caller]
    pub fn push(&self, event: &Value) -> Value {
        let body = event.to_string();
        self.ok("POST", "/_emulator/push", Some(body.as_bytes()))
    }

    /// What was pushed (`GET /_emulator/events`), after waiting up to `wait_secs` for the
    /// deliveries in flight to settle.
    #[track_caller]
    pub fn events(&self, wait_secs: u64) -> Value {
        self.ok("GET", &format!("/_emulator/events?wait={wait_secs}"), None)
    }

    /// Every to-do task stored, deleted ones included.
    #[track_caller]
    pub fn all_todos(&self) -> Vec<Value> {
        list(self.ok("GET", "/_emulator/todos", None), "todos")
    }
}

/// Reads `key` of `answer` as a list (empty when it is not one).
fn list(mut answer: Value, key: &str) -> Vec<Value> {
    match answer.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}
