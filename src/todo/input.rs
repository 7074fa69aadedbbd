//! `DingTalk\Todo` arguments → the core's types: `$task` and `$changes` go to the core as JSON
//! (which checks DingTalk's fields and limits and names the field at fault, `task[subject]`),
//! `$done` and `$roles` are read here. What only PHP has (invalid UTF-8, NAN, a
//! `\DateTimeInterface` for a time) is handled on the way to JSON.

use dingtalk_core::{NewTask, Role, TaskChanges};
use ext_php_rs::exception::PhpResult;

use crate::exceptions::OrThrow;
use crate::php::arg_error::ArgError;
use crate::php::json::object_to_json;
use crate::php::value::{PhpArray, PhpValue};

/// A task named `name` in errors: `$task` of `create()` (`task`, whose fields give
/// `task[subject]`), an item of `createMany()`'s `$tasks` (`tasks[3]`).
pub fn task(array: &PhpArray, name: &str) -> PhpResult<NewTask> {
    NewTask::from_json(name, &object_to_json(array, name)?).or_throw()
}

/// `$changes` of `update()`.
pub fn changes(array: &PhpArray) -> PhpResult<TaskChanges> {
    TaskChanges::from_json("changes", &object_to_json(array, "changes")?).or_throw()
}

/// `$done` of `setExecutorStatus()`: `[executorUnionId => bool]`.
pub fn executor_status(array: &PhpArray) -> Result<Vec<(String, bool)>, ArgError> {
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
        .collect()
}

/// `$roles` of `list()`/`all()`: a list of `'executor'`, `'creator'`, `'participant'`.
pub fn roles(array: &PhpArray) -> PhpResult<Vec<Role>> {
    let mut roles = Vec::with_capacity(array.0.len());
    for (i, (_, value)) in array.0.iter().enumerate() {
        let name = format!("roles[{i}]");
        let text = match value {
            PhpValue::Str(_) => value.string(&name)?,
            other => {
                let reason = format!(
                    "must be \"executor\", \"creator\" or \"participant\", {} given",
                    other.type_name()
                );
                return Err(ArgError::value(name, reason).into());
            }
        };
        roles.push(Role::parse(&name, text).or_throw()?);
    }
    Ok(roles)
}
