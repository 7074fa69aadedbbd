//! The bodies of the work-notice calls. DingTalk's gateway reads them like form parameters, so a
//! number may come as a JSON number or a string of digits, and a boolean as `true` or `"true"`;
//! the lists are comma-separated strings (`"user1,user2"`), not JSON lists.

use serde_json::{Map, Value};

use crate::api::message::shape;
use crate::params::present;

/// Users one send may name (DingTalk: 5,000 for an internal app).
pub const MAX_USERS: usize = 5000;
/// Departments one send may name.
pub const MAX_DEPTS: usize = 500;
/// The largest `msg`, in bytes of compact JSON.
pub const MAX_MSG_BYTES: usize = 2048;

/// A checked `asyncsend_v2` body.
#[derive(Debug)]
pub struct SendRequest {
    pub agent_id: i64,
    /// Without repeats, in the order given.
    pub users: Vec<String>,
    pub depts: Vec<i64>,
    pub to_all: bool,
    /// The message in the one shape.
    pub message: Value,
}

/// A checked `getsendprogress` / `getsendresult` / `recall` body.
#[derive(Debug, Clone, Copy)]
pub struct TaskQuery {
    pub agent_id: i64,
    pub task_id: u64,
}

/// An integer sent as a number or a string of digits.
fn integer(object: &Map<String, Value>, name: &str) -> Result<Option<i64>, String> {
    let bad = || format!("invalid parameter {name}: must be an integer");
    match present(object, name) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => text.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

fn positive(object: &Map<String, Value>, name: &str) -> Result<i64, String> {
    match integer(object, name)? {
        Some(n) if n > 0 => Ok(n),
        Some(n) => Err(format!(
            "invalid parameter {name}: must be positive, got {n}"
        )),
        None => Err(format!("missing parameter {name}")),
    }
}

fn boolean(object: &Map<String, Value>, name: &str) -> Result<bool, String> {
    match present(object, name) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(text)) if text == "true" || text == "false" => Ok(text == "true"),
        Some(_) => Err(format!("invalid parameter {name}: must be true or false")),
    }
}

/// A comma-separated list (`"a,b"`), without empty items or repeats.
fn comma_list(object: &Map<String, Value>, name: &str) -> Result<Vec<String>, String> {
    let text = match present(object, name) {
        None => return Ok(Vec::new()),
        Some(Value::String(text)) => text,
        Some(_) => {
            return Err(format!(
                "invalid parameter {name}: must be a comma-separated string such as \"a,b\""
            ))
        }
    };
    let mut items: Vec<String> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !items.iter().any(|seen| seen == item) {
            items.push(item.to_owned());
        }
    }
    Ok(items)
}

fn at_most<T>(items: Vec<T>, name: &str, max: usize) -> Result<Vec<T>, String> {
    if items.len() > max {
        return Err(format!(
            "invalid parameter {name}: at most {max} entries, got {}",
            items.len()
        ));
    }
    Ok(items)
}

/// An `asyncsend_v2` body: `agent_id`, recipients (`userid_list`, `dept_id_list`,
/// `to_all_user`) and `msg`.
pub fn send_request(object: &Map<String, Value>) -> Result<SendRequest, String> {
    let agent_id = positive(object, "agent_id")?;
    let users = at_most(comma_list(object, "userid_list")?, "userid_list", MAX_USERS)?;
    let depts = at_most(
        comma_list(object, "dept_id_list")?,
        "dept_id_list",
        MAX_DEPTS,
    )?
    .iter()
    .map(|dept| {
        dept.parse::<i64>()
            .map_err(|_| format!("invalid parameter dept_id_list: {dept:?} is not a department id"))
    })
    .collect::<Result<Vec<_>, _>>()?;
    let to_all = boolean(object, "to_all_user")?;
    let message = match present(object, "msg") {
        None => return Err("missing parameter msg".to_owned()),
        Some(Value::Object(msg)) => msg,
        Some(_) => return Err("invalid parameter msg: must be a JSON object".to_owned()),
    };
    let bytes = Value::Object(message.clone()).to_string().len();
    if bytes > MAX_MSG_BYTES {
        return Err(format!(
            "invalid parameter msg: at most {MAX_MSG_BYTES} bytes, got {bytes}"
        ));
    }
    Ok(SendRequest {
        agent_id,
        users,
        depts,
        to_all,
        message: shape::checked(message, "msg")?,
    })
}

/// `{agent_id, task_id}` (`task_field` names the task: `task_id`, or recall's `msg_task_id`).
pub fn task_query(object: &Map<String, Value>, task_field: &str) -> Result<TaskQuery, String> {
    let agent_id = positive(object, "agent_id")?;
    let task_id = positive(object, task_field)?;
    Ok(TaskQuery {
        agent_id,
        task_id: u64::try_from(task_id).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(body: Value) -> Result<SendRequest, String> {
        send_request(body.as_object().unwrap())
    }

    const TEXT: &str = r#"{"msgtype":"text","text":{"content":"hi"}}"#;

    #[test]
    fn numbers_and_booleans_may_come_as_strings() {
        let msg: Value = serde_json::from_str(TEXT).unwrap();
        let request = read(json!({"agent_id": "123", "userid_list": " a,b,,a ",
                                  "dept_id_list": "1,2", "to_all_user": "false", "msg": msg}))
        .unwrap();
        assert_eq!(request.agent_id, 123);
        assert_eq!(request.users, ["a", "b"]);
        assert_eq!(request.depts, [1, 2]);
        assert!(!request.to_all);
        assert_eq!(request.message, msg);
    }

    #[test]
    fn refusals_name_the_field() {
        let msg: Value = serde_json::from_str(TEXT).unwrap();
        let many = vec!["u"; MAX_USERS + 1]
            .iter()
            .enumerate()
            .map(|(i, u)| format!("{u}{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let big = json!({"msgtype": "text", "text": {"content": "x".repeat(MAX_MSG_BYTES)}});
        let cases = [
            (
                json!({"userid_list": "a", "msg": msg}),
                "missing parameter agent_id",
            ),
            (
                json!({"agent_id": 0, "userid_list": "a", "msg": msg}),
                "agent_id: must be positive",
            ),
            (
                json!({"agent_id": "x1", "msg": msg}),
                "agent_id: must be an integer",
            ),
            (
                json!({"agent_id": 1, "userid_list": ["a"], "msg": msg}),
                "userid_list: must be a comma-separated string",
            ),
            (
                json!({"agent_id": 1, "userid_list": many, "msg": msg}),
                "userid_list: at most 5000 entries",
            ),
            (
                json!({"agent_id": 1, "dept_id_list": "1,x", "msg": msg}),
                "dept_id_list: \"x\"",
            ),
            (
                json!({"agent_id": 1, "to_all_user": 1, "msg": msg}),
                "to_all_user: must be true or false",
            ),
            (
                json!({"agent_id": 1, "userid_list": "a"}),
                "missing parameter msg",
            ),
            (
                json!({"agent_id": 1, "userid_list": "a", "msg": TEXT}),
                "msg: must be a JSON object",
            ),
            (
                json!({"agent_id": 1, "userid_list": "a", "msg": big}),
                "msg: at most 2048 bytes",
            ),
            (
                json!({"agent_id": 1, "userid_list": "a", "msg": {"msgtype": "text"}}),
                "missing parameter msg.text",
            ),
        ];
        for (body, expected) in cases {
            let error = read(body).unwrap_err();
            assert!(
                error.contains(expected),
                "{error:?} should contain {expected:?}"
            );
        }
        let query = task_query(
            json!({"agent_id": 5, "msg_task_id": "77"})
                .as_object()
                .unwrap(),
            "msg_task_id",
        );
        assert_eq!(query.map(|q| (q.agent_id, q.task_id)), Ok((5, 77)));
    }
}
