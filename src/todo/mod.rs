//! `DingTalk\Todo`: the v1.0 to-do API.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

mod input;
mod output;

use dingtalk_core::Todos;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use serde_json::Value;

use crate::batch;
use crate::client::Client;
use crate::exceptions::OrThrow;
use crate::php::args::{ArrayArg, PhpStr};
use crate::php::json::{json_to_zval, php_bytes};
use output::{page_array, task_array, tasks_array};

/// The to-do (待办) API of one app.
#[php_class]
#[php(name = "DingTalk\\Todo")]
pub struct Todo {
    api: Todos,
}

impl Todo {
    pub(crate) fn of(client: &dingtalk_core::Client) -> Self {
        Todo {
            api: client.todos(),
        }
    }
}

#[php_impl]
impl Todo {
    /// Low priority.
    pub const PRIORITY_LOW: i64 = 10;
    /// Normal priority.
    pub const PRIORITY_NORMAL: i64 = 20;
    /// High priority.
    pub const PRIORITY_HIGH: i64 = 30;
    /// Urgent.
    pub const PRIORITY_URGENT: i64 = 40;

    /// `new Todo(Client $client)`.
    pub fn __construct(client: &Client) -> Self {
        Todo::of(&client.core)
    }

    /// Creates a task for `$unionId` (its creator); returns the task, whose id is `$task['id']`.
    pub fn create(
        &self,
        unionId: PhpStr,
        task: ArrayArg,
        operatorId: Option<PhpStr>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let unionId = unionId.arg("unionId")?;
        let task = input::task(&task.copy("task")?, "task")?;
        let operatorId = PhpStr::optional(operatorId.as_ref(), "operatorId")?;
        task_array(self.api.create(unionId, &task, operatorId).or_throw()?)
    }

    /// Creates many tasks for `$unionId`, several at a time: `['ok' => true, 'id' => taskId,
    /// 'task' => task]` or `['ok' => false, 'error' => DingTalk\Exception]` per task, under its
    /// key, in order.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn create_many(
        &self,
        unionId: PhpStr,
        tasks: ArrayArg,
        options: ArrayArg,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let unionId = unionId.arg("unionId")?;
        let tasks = tasks.copy("tasks")?;
        let (keys, new) = batch::items(&tasks, "tasks", input::task)?;
        let mut operator = None;
        let batch = batch::options(&options.copy("options")?, &["operator_id"], |_, v| {
            operator = Some(v.string("options[operator_id]")?.to_owned());
            Ok(())
        })?;
        let results: Vec<_> = self
            .api
            .create_many(unionId, &new, operator.as_deref(), &batch)
            .or_throw()?
            .into_iter()
            .map(|result| result.map(Value::Object))
            .collect();
        // The tasks are copied into PHP: checked against memory_limit with the rest.
        let bytes = results
            .iter()
            .flatten()
            .map(php_bytes)
            .fold(0, usize::saturating_add);
        batch::results(&keys, results, bytes, |entry, task| {
            // A created task always has its id (the core checks it).
            let id = task.get("id").and_then(Value::as_str).unwrap_or_default();
            entry.insert("id", id)?;
            entry.insert("task", json_to_zval(&task))?;
            Ok(())
        })
    }

    /// The task, or `null` when it does not exist (or was deleted).
    pub fn get(&self, unionId: PhpStr, taskId: PhpStr) -> PhpResult<Option<ZBox<ZendHashTable>>> {
        let unionId = unionId.arg("unionId")?;
        let taskId = taskId.arg("taskId")?;
        self.api
            .get(unionId, taskId)
            .or_throw()?
            .map(task_array)
            .transpose()
    }

    /// The task with this sourceId, or `null`.
    pub fn find_by_source_id(
        &self,
        unionId: PhpStr,
        sourceId: PhpStr,
    ) -> PhpResult<Option<ZBox<ZendHashTable>>> {
        let unionId = unionId.arg("unionId")?;
        let sourceId = sourceId.arg("sourceId")?;
        self.api
            .find_by_source_id(unionId, sourceId)
            .or_throw()?
            .map(task_array)
            .transpose()
    }

    /// Changes a task.
    pub fn update(
        &self,
        unionId: PhpStr,
        taskId: PhpStr,
        changes: ArrayArg,
        operatorId: Option<PhpStr>,
    ) -> PhpResult<bool> {
        let unionId = unionId.arg("unionId")?;
        let taskId = taskId.arg("taskId")?;
        let changes = input::changes(&changes.copy("changes")?)?;
        let operatorId = PhpStr::optional(operatorId.as_ref(), "operatorId")?;
        self.api
            .update(unionId, taskId, &changes, operatorId)
            .or_throw()
    }

    /// Marks a task done (or, with `$done = false`, not done) for everyone.
    #[php(defaults(done = true))]
    pub fn complete(
        &self,
        unionId: PhpStr,
        taskId: PhpStr,
        done: bool,
        operatorId: Option<PhpStr>,
    ) -> PhpResult<bool> {
        let unionId = unionId.arg("unionId")?;
        let taskId = taskId.arg("taskId")?;
        let operatorId = PhpStr::optional(operatorId.as_ref(), "operatorId")?;
        self.api
            .complete(unionId, taskId, done, operatorId)
            .or_throw()
    }

    /// Marks the task done or not done for some of its executors: `[executorUnionId => bool]`.
    pub fn set_executor_status(
        &self,
        unionId: PhpStr,
        taskId: PhpStr,
        done: ArrayArg,
        operatorId: Option<PhpStr>,
    ) -> PhpResult<bool> {
        let unionId = unionId.arg("unionId")?;
        let taskId = taskId.arg("taskId")?;
        let done = input::executor_status(&done.copy("done")?)?;
        let operatorId = PhpStr::optional(operatorId.as_ref(), "operatorId")?;
        self.api
            .set_executor_status(unionId, taskId, &done, operatorId)
            .or_throw()
    }

    /// Deletes a task.
    pub fn delete(
        &self,
        unionId: PhpStr,
        taskId: PhpStr,
        operatorId: Option<PhpStr>,
    ) -> PhpResult<bool> {
        let unionId = unionId.arg("unionId")?;
        let taskId = taskId.arg("taskId")?;
        let operatorId = PhpStr::optional(operatorId.as_ref(), "operatorId")?;
        self.api.delete(unionId, taskId, operatorId).or_throw()
    }

    /// One page: `['next_token' => ?string, 'tasks' => list of cards]`.
    #[php(defaults(done = false, roles = ArrayArg::Empty))]
    pub fn list(
        &self,
        unionId: PhpStr,
        done: bool,
        nextToken: Option<PhpStr>,
        roles: ArrayArg,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let unionId = unionId.arg("unionId")?;
        let nextToken = PhpStr::optional(nextToken.as_ref(), "nextToken")?;
        let roles = input::roles(&roles.copy("roles")?)?;
        page_array(self.api.list(unionId, done, nextToken, &roles).or_throw()?)
    }

    /// Every page: a list of cards.
    #[php(defaults(done = false, roles = ArrayArg::Empty))]
    pub fn all(
        &self,
        unionId: PhpStr,
        done: bool,
        roles: ArrayArg,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let unionId = unionId.arg("unionId")?;
        let roles = input::roles(&roles.copy("roles")?)?;
        tasks_array(self.api.all(unionId, done, &roles).or_throw()?)
    }
}
