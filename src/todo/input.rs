//! `DingTalk\Todo` arguments → the core's types: `$task` and `$changes` go to the core as JSON
//! (which checks DingTalk's fields and limits and names the field at fault, `task[subject]`),
//! `$done` and `$roles` are read here. What only PHP has (invalid UTF-8, NAN, a
//! `\DateTimeInterface` for a time) is handled on the way to JSON.

use dingtalk_core::{NewTask, Role, TaskChanges};
use ext_php_rs::exception::PhpResult;
use serde_json::Value;

use crate::exceptions::OrThrow;
use crate::php::arg_error::ArgError;
use crate::php::args::{PhpArray, PhpValue};
use crate::php::json::array_to_json;

/// `$task` (or `$changes`) as the JSON object the core reads; an empty PHP array is `{}`.
fn object(array: &PhpArray, name: &str) -> PhpResult<Value> {
    match array_to_json(array, name).or_throw()? {
        Value::Array(items) if items.is_empty() => Ok(Value::Object(Default::default())),
        other => Ok(other),
    }
}

/// `$task` of `create()`.
pub fn task(array: &PhpArray) -> PhpResult<NewTask> {
    named_task(array, "task")
}

/// A task named `name` in errors (`task`, `tasks[3]`, which give `tasks[3][subject]`).
pub fn named_task(array: &PhpArray, name: &str) -> PhpResult<NewTask> {
    NewTask::from_json(name, &object(array, name)?).or_throw()
}

/// `$changes` of `update()`.
pub fn changes(array: &PhpArray) -> PhpResult<TaskChanges> {
    TaskChanges::from_json("changes", &object(array, "changes")?).or_throw()
}

/// `$done` of `setExecutorStatus()`: `[executorUnionId => bool]`.
pub fn executor_status(array: &PhpArray) -> PhpResult<Vec<(String, bool)>> {
    array
        .0
        .iter()
        .map(|(key, value)| {
            let union_id = key.text("done")?;
            match value {
                PhpValue::Bool(done) => Ok((union_id, *done)),
                other => Err(ArgError::value(
                    format!("done[{union_id}]"),
                    format!("must be true or false, {} given", other.type_name()),
                )),
            }
        })
        .collect::<Result<_, _>>()
        .or_throw()
}

/// `$roles` of `list()`/`all()`: a list of `'executor'`, `'creator'`, `'participant'`.
pub fn roles(array: &PhpArray) -> PhpResult<Vec<Role>> {
    let mut roles = Vec::with_capacity(array.0.len());
    for (i, (_, value)) in array.0.iter().enumerate() {
        let name = format!("roles[{i}]");
        let text = match value {
            PhpValue::Str(_) => value.string(&name).or_throw()?,
            other => {
                let reason = format!(
                    "must be \"executor\", \"creator\" or \"participant\", {} given",
                    other.type_name()
                );
                return Err(ArgError::value(name, reason)).or_throw();
            }
        };
        roles.push(Role::parse(&name, text).or_throw()?);
    }
    Ok(roles)
}
