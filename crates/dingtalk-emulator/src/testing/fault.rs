//! Typed faults for `POST /_emulator/faults`.

use std::time::Duration;

use serde_json::{json, Map, Value};

/// One scripted misbehaviour, for the next request(s) whose path starts with `path`.
/// The builder only assembles the JSON; the emulator checks it (a bad combination
/// makes [`super::Control::faults`] fail with the emulator's reason).
///
/// ```
/// use std::time::Duration;
/// use dingtalk_emulator::testing::Fault;
///
/// Fault::errcode("/topapi/workrecord/add", -1).count(2);
/// Fault::status("/gettoken", 502).body("<html>Bad Gateway</html>");
/// Fault::v1("/v1.0/todo/", 403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi");
/// Fault::delay("/topapi/", Duration::from_secs(3));
/// Fault::drop("/v1.0/todo/").with_delay(Duration::from_millis(50));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Fault {
    spec: Map<String, Value>,
}

impl Fault {
    fn new(path: &str) -> Fault {
        let mut spec = Map::new();
        spec.insert("path".to_owned(), json!(path));
        Fault { spec }
    }

    fn with(mut self, key: &str, value: Value) -> Fault {
        self.spec.insert(key.to_owned(), value);
        self
    }

    /// An oapi error, HTTP 200 `{"errcode", "errmsg", "request_id"}` (errmsg 系统繁忙 for -1).
    pub fn errcode(path: &str, errcode: i64) -> Fault {
        Fault::new(path).with("errcode", json!(errcode))
    }

    /// Exactly this status, with an empty body unless [`Fault::body`] gives one.
    pub fn status(path: &str, status: u16) -> Fault {
        Fault::new(path).with("status", json!(status))
    }

    /// A v1.0 error: this status with `{"code", "message", "requestid"}`.
    pub fn v1(path: &str, status: u16, code: &str) -> Fault {
        Fault::status(path, status).with("code", json!(code))
    }

    /// Answered normally, `delay` late.
    pub fn delay(path: &str, delay: Duration) -> Fault {
        Fault::new(path).with_delay(delay)
    }

    /// The connection is closed without an answer.
    pub fn drop(path: &str) -> Fault {
        Fault::new(path).with("drop", json!(true))
    }

    /// Any fault the emulator accepts, as JSON (e.g. a kind this builder has no
    /// method for yet).
    pub fn custom(spec: Map<String, Value>) -> Fault {
        Fault { spec }
    }

    /// Applies to the next `count` matching requests (default 1).
    pub fn count(self, count: u32) -> Fault {
        self.with("count", json!(count))
    }

    /// Waits `delay` before the fault's answer (or drop).
    pub fn with_delay(self, delay: Duration) -> Fault {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.with("delay_ms", json!(ms))
    }

    /// The errmsg of an [`Fault::errcode`] fault.
    pub fn errmsg(self, errmsg: &str) -> Fault {
        self.with("errmsg", json!(errmsg))
    }

    /// `sub_code` of an [`Fault::errcode`] fault (errcode 88's reason).
    pub fn sub_code(self, sub_code: &str) -> Fault {
        self.with("sub_code", json!(sub_code))
    }

    /// `sub_msg` of an [`Fault::errcode`] fault.
    pub fn sub_msg(self, sub_msg: &str) -> Fault {
        self.with("sub_msg", json!(sub_msg))
    }

    /// The body of a [`Fault::status`] fault, sent as JSON if it parses as JSON, else HTML.
    pub fn body(self, body: &str) -> Fault {
        self.with("body", json!(body))
    }

    /// The `Content-Type` of a [`Fault::status`] fault.
    pub fn content_type(self, content_type: &str) -> Fault {
        self.with("content_type", json!(content_type))
    }

    /// The `message` of a [`Fault::v1`] fault.
    pub fn message(self, message: &str) -> Fault {
        self.with("message", json!(message))
    }

    /// Adds `"accessdenieddetail": {"requiredScopes": [...]}` to a [`Fault::v1`] fault.
    pub fn required_scopes(self, scopes: &[&str]) -> Fault {
        self.with("required_scopes", json!(scopes))
    }

    /// The request is handled first (a message sent, a record stored), then answered by the
    /// fault: an answer lost after the work was done.
    pub fn processed(self) -> Fault {
        self.with("processed", json!(true))
    }

    /// The JSON posted for this fault.
    pub fn to_json(&self) -> Value {
        Value::Object(self.spec.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_documented_json() {
        assert_eq!(
            Fault::errcode("/topapi/", -1).count(2).to_json(),
            json!({"path": "/topapi/", "errcode": -1, "count": 2})
        );
        assert_eq!(
            Fault::v1(
                "/v1.0/",
                403,
                "Forbidden.AccessDenied.AccessTokenPermissionDenied"
            )
            .message("no")
            .required_scopes(&["Todo.Todo.Write"])
            .to_json(),
            json!({"path": "/v1.0/", "status": 403,
                   "code": "Forbidden.AccessDenied.AccessTokenPermissionDenied",
                   "message": "no", "required_scopes": ["Todo.Todo.Write"]})
        );
        assert_eq!(
            Fault::drop("/x")
                .with_delay(Duration::from_millis(50))
                .to_json(),
            json!({"path": "/x", "drop": true, "delay_ms": 50})
        );
        assert_eq!(
            Fault::delay("/x", Duration::from_secs(3)).to_json(),
            json!({"path": "/x", "delay_ms": 3000})
        );
    }
}
