//! The scripted faults waiting for their requests.
//!
//! Each queued fault applies to the next `count` requests whose path starts with its `path`;
//! the first matching fault in the queue is the one consumed.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::fault::Fault;
use super::spec::{self, Scripted};
use crate::sync::lock;

#[derive(Default)]
pub struct FaultQueue {
    /// Mirrors the queue's length so the common case (no faults) takes no lock.
    len: AtomicUsize,
    queue: Mutex<VecDeque<Scripted>>,
}

impl FaultQueue {
    /// Parses a JSON list of faults (or a single one) and queues them all, or none.
    /// Returns how many were queued.
    pub fn push_json(&self, body: &[u8]) -> Result<usize, String> {
        let scripted = spec::parse(body)?;
        let n = scripted.len();
        let mut queue = lock(&self.queue);
        queue.extend(scripted);
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

    /// What is still queued, as `[(path, remaining)]`.
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
    use crate::faults::fault::FaultAction;
    use axum::http::StatusCode;

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
