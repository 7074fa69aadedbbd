//! Scripted faults: a queue of misbehaviours for the next matching requests.
//!
//! Each queued fault applies to the next `count` requests whose path starts with its
//! `path`; the first matching fault in the queue is the one consumed. A fault answers
//! in either family's shape: `errcode` (oapi, HTTP 200) or `status` with `code`
//! (v1.0, `{code, message, requestid}`), or a raw `status` and `body`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::http::StatusCode;
use serde::Deserialize;

use crate::raw_body::{RawBody, Text, MIN_PADDED};
use crate::sync::lock;

/// One fault as posted to `/_emulator/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    path: String,
    count: Option<u32>,
    errcode: Option<i64>,
    errmsg: Option<String>,
    sub_code: Option<String>,
    sub_msg: Option<String>,
    request_id: Option<String>,
    status: Option<u16>,
    body: Option<String>,
    content_type: Option<String>,
    /// With `status`: a v1.0 error `{code, message, requestid}`.
    code: Option<String>,
    message: Option<String>,
    required_scopes: Option<Vec<String>>,
    delay_ms: Option<u64>,
    drop: Option<bool>,
    // A hostile server's answers (see raw_body.rs) and a lost answer.
    redirect: Option<String>,
    body_bytes: Option<u64>,
    gzip: Option<bool>,
    trickle_ms: Option<u64>,
    processed: Option<bool>,
}

/// What happens to a faulted request (after its delay, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer normally.
    Pass,
    /// A DingTalk error body, HTTP 200.
    /// Its texts may hold `{query}`, filled with the request's raw query.
    Error {
        errcode: i64,
        errmsg: String,
        sub_code: Option<String>,
        sub_msg: Option<String>,
        request_id: Option<String>,
    },
    /// A v1.0 error body with this status.
    V1Error {
        status: StatusCode,
        code: String,
        message: String,
        required_scopes: Option<Vec<String>>,
    },
    /// This status and body, as they are (and a `Location` for a redirect).
    Raw {
        status: StatusCode,
        body: RawBody,
        content_type: String,
        location: Option<String>,
    },
    /// Close the connection without answering.
    Drop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub delay: Option<Duration>,
    /// The request is handled first (its effects stay), then answered by the fault: an answer
    /// lost after the work was done.
    pub processed: bool,
    pub action: FaultAction,
}

#[derive(Debug)]
struct Queued {
    path: String,
    remaining: u32,
    fault: Fault,
}

#[derive(Default)]
pub struct FaultQueue {
    /// Mirrors the queue's length so the common case (no faults) takes no lock.
    len: AtomicUsize,
    queue: Mutex<VecDeque<Queued>>,
}

/// Paths of the control API, which faults never touch.
pub fn is_control_path(path: &str) -> bool {
    path == "/_emulator" || path.starts_with("/_emulator/")
}

fn default_errmsg(errcode: i64) -> String {
    if errcode == -1 {
        "系统繁忙".to_owned()
    } else {
        format!("injected fault {errcode}")
    }
}

/// Checks one posted fault; the error names what is wrong with it.
fn validate(spec: FaultSpec) -> Result<Queued, String> {
    if !spec.path.starts_with('/') {
        return Err(format!("path must start with '/': {:?}", spec.path));
    }
    if is_control_path(&spec.path) {
        return Err("faults cannot target /_emulator/ paths".to_owned());
    }
    let count = spec.count.unwrap_or(1);
    if count == 0 {
        return Err("count must be at least 1".to_owned());
    }
    let drop = spec.drop.unwrap_or(false);
    // A redirect is a raw answer with a 3xx status (302 unless given).
    let status = match (&spec.redirect, spec.status) {
        (Some(_), None) => Some(302),
        (Some(_), Some(s)) if !(300..400).contains(&s) => {
            return Err(format!("a redirect needs a 3xx status, not {s}"));
        }
        (_, status) => status,
    };
    let kinds =
        usize::from(drop) + usize::from(status.is_some()) + usize::from(spec.errcode.is_some());
    if kinds > 1 {
        return Err("use only one of errcode, status and drop in a fault".to_owned());
    }
    if kinds == 0 && spec.delay_ms.is_none() {
        return Err("a fault needs errcode, status, drop or delay_ms".to_owned());
    }
    if spec.errcode.is_none()
        && (spec.errmsg.is_some()
            || spec.sub_code.is_some()
            || spec.sub_msg.is_some()
            || spec.request_id.is_some())
    {
        return Err("errmsg, sub_code, sub_msg and request_id need errcode".to_owned());
    }
    let shaped = spec.body.is_some()
        || spec.content_type.is_some()
        || spec.body_bytes.is_some()
        || spec.gzip.is_some()
        || spec.trickle_ms.is_some();
    if status.is_none() && shaped {
        return Err("body, body_bytes, content_type, gzip and trickle_ms need status".to_owned());
    }
    if spec.body.is_some() && spec.body_bytes.is_some() {
        return Err("use only one of body and body_bytes".to_owned());
    }
    if spec.body_bytes.is_some_and(|n| n < MIN_PADDED) {
        return Err(format!("body_bytes must be at least {MIN_PADDED}"));
    }
    let processed = spec.processed.unwrap_or(false);
    if processed && kinds == 0 {
        return Err("processed needs errcode, status or drop".to_owned());
    }
    if spec.code.is_none() && (spec.message.is_some() || spec.required_scopes.is_some()) {
        return Err("message and required_scopes need code".to_owned());
    }
    if spec.code.is_some() && (shaped || spec.redirect.is_some()) {
        return Err(
            "code (a v1.0 error) excludes body, body_bytes, content_type, gzip, trickle_ms and redirect"
                .to_owned(),
        );
    }
    let action = if drop {
        FaultAction::Drop
    } else if let Some(errcode) = spec.errcode {
        FaultAction::Error {
            errcode,
            errmsg: spec.errmsg.unwrap_or_else(|| default_errmsg(errcode)),
            sub_code: spec.sub_code,
            sub_msg: spec.sub_msg,
            request_id: spec.request_id,
        }
    } else if let (Some(status), Some(code)) = (status, spec.code) {
        // A v1.0 error is always an HTTP error.
        let status = StatusCode::from_u16(status)
            .ok()
            .filter(|s| (400..=599).contains(&s.as_u16()))
            .ok_or_else(|| format!("a fault with code needs status 400 to 599, not {status}"))?;
        FaultAction::V1Error {
            status,
            message: spec
                .message
                .unwrap_or_else(|| format!("injected fault {code}")),
            code,
            required_scopes: spec.required_scopes,
        }
    } else if let Some(status) = status {
        let status = StatusCode::from_u16(status)
            .ok()
            .filter(|s| (200..=599).contains(&s.as_u16()))
            .ok_or_else(|| format!("status must be between 200 and 599, not {status}"))?;
        let text = match spec.body_bytes {
            Some(n) => Text::Padded(n),
            None => Text::Given(spec.body.unwrap_or_default()),
        };
        let content_type = spec.content_type.unwrap_or_else(|| match &text {
            Text::Given(body) => guess_content_type(body).to_owned(),
            Text::Padded(_) => guess_content_type("{}").to_owned(),
        });
        FaultAction::Raw {
            status,
            body: RawBody {
                text,
                gzip: spec.gzip.unwrap_or(false),
                trickle: spec.trickle_ms.map(Duration::from_millis),
            },
            content_type,
            location: spec.redirect,
        }
    } else {
        FaultAction::Pass
    };
    Ok(Queued {
        path: spec.path,
        remaining: count,
        fault: Fault {
            delay: spec.delay_ms.map(Duration::from_millis),
            processed,
            action,
        },
    })
}

/// A raw body that parses as JSON is sent as JSON, anything else as HTML.
fn guess_content_type(body: &str) -> &'static str {
    if serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok() {
        "application/json;charset=utf-8"
    } else {
        "text/html;charset=utf-8"
    }
}

impl FaultQueue {
    /// Parses a JSON list of faults (or a single one) and queues them all, or none.
    /// Returns how many were queued.
    pub fn push_json(&self, body: &[u8]) -> Result<usize, String> {
        let specs: Vec<FaultSpec> = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    serde_json::from_value(item).map_err(|e| format!("fault {i}: {e}"))
                })
                .collect::<Result<_, _>>()?,
            Ok(item @ serde_json::Value::Object(_)) => {
                vec![serde_json::from_value(item).map_err(|e| format!("fault 0: {e}"))?]
            }
            Ok(_) => return Err("expected a JSON list of faults".to_owned()),
            Err(e) => return Err(format!("body is not valid JSON: {e}")),
        };
        let queued = specs
            .into_iter()
            .enumerate()
            .map(|(i, spec)| validate(spec).map_err(|e| format!("fault {i}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let n = queued.len();
        let mut queue = lock(&self.queue);
        queue.extend(queued);
        self.len.store(queue.len(), Ordering::Release);
        Ok(n)
    }

    /// Consumes one use of the first queued fault matching `path`.
    pub fn take(&self, path: &str) -> Option<Fault> {
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut queue = lock(&self.queue);
        let position = queue.iter().position(|q| path.starts_with(&q.path))?;
        let queued = queue.get_mut(position)?;
        queued.remaining = queued.remaining.saturating_sub(1);
        let fault = queued.fault.clone();
        if queued.remaining == 0 {
            queue.remove(position);
            self.len.store(queue.len(), Ordering::Release);
        }
        Some(fault)
    }

    /// What is still queued, as `[{"path", "remaining"}]`.
    pub fn pending(&self) -> Vec<(String, u32)> {
        lock(&self.queue)
            .iter()
            .map(|q| (q.path.clone(), q.remaining))
            .collect()
    }

    pub fn clear(&self) {
        let mut queue = lock(&self.queue);
        queue.clear();
        self.len.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_fault_is_consumed_count_times() {
        let q = FaultQueue::default();
        let n = q
            .push_json(
                br#"[{"path":"/topapi/","errcode":-1,"count":2},{"path":"/gettoken","status":502,"body":"<html>bad gateway</html>"}]"#,
            )
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(q.take("/other"), None);
        let raw = q.take("/gettoken").unwrap();
        assert!(
            matches!(raw.action, FaultAction::Raw { ref content_type, .. } if content_type.starts_with("text/html"))
        );
        let first = q.take("/topapi/workrecord/add").unwrap();
        assert!(
            matches!(first.action, FaultAction::Error { errcode: -1, ref errmsg, .. } if errmsg == "系统繁忙")
        );
        assert!(q.take("/topapi/workrecord/add").is_some());
        assert_eq!(q.take("/topapi/workrecord/add"), None);
        assert!(q.pending().is_empty());
    }

    #[test]
    fn a_v1_fault_is_a_status_with_a_code() {
        let q = FaultQueue::default();
        q.push_json(
            br#"{"path":"/v1.0/","status":403,"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","required_scopes":["Todo.Todo.Write"]}"#,
        )
        .unwrap();
        let fault = q.take("/v1.0/todo/users/u/tasks").unwrap();
        assert_eq!(
            fault.action,
            FaultAction::V1Error {
                status: StatusCode::FORBIDDEN,
                code: "Forbidden.AccessDenied.AccessTokenPermissionDenied".to_owned(),
                message: "injected fault Forbidden.AccessDenied.AccessTokenPermissionDenied"
                    .to_owned(),
                required_scopes: Some(vec!["Todo.Todo.Write".to_owned()]),
            }
        );
    }

    #[test]
    fn bad_faults_are_refused_whole() {
        let q = FaultQueue::default();
        for bad in [
            &br#"not json"#[..],
            br#"[{"path":"/a"}]"#,
            br#"[{"path":"a","errcode":1}]"#,
            br#"[{"path":"/a","errcode":1,"drop":true}]"#,
            br#"[{"path":"/a","status":42}]"#,
            br#"[{"path":"/a","status":500,"count":0}]"#,
            br#"[{"path":"/a","delay":5}]"#,
            br#"[{"path":"/_emulator/stats","errcode":1}]"#,
            br#"[{"path":"/a","errcode":1},{"path":"/b"}]"#,
            br#"[{"path":"/a","redirect":"http://x/","status":200}]"#,
            br#"[{"path":"/a","body_bytes":100}]"#,
            br#"[{"path":"/a","status":200,"body":"x","body_bytes":100}]"#,
            br#"[{"path":"/a","status":200,"body_bytes":3}]"#,
            br#"[{"path":"/a","processed":true}]"#,
            br#"[{"path":"/a","status":502,"request_id":"r"}]"#,
            br#"[{"path":"/a","code":"x"}]"#,
            br#"[{"path":"/a","status":200,"code":"x"}]"#,
            br#"[{"path":"/a","status":403,"code":"x","body":"b"}]"#,
            br#"[{"path":"/a","status":403,"message":"m"}]"#,
            br#"42"#,
        ] {
            assert!(
                q.push_json(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(q.pending().is_empty());
    }
}
