//! Tasks → PHP arrays, as DingTalk sends them (a task's id is `id`, a list card's `taskId`),
//! decoded like `json_decode($json, true)`; a `TransportException` when they would not fit
//! under `memory_limit`.

use dingtalk_core::{Task, TaskPage};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::ZendHashTable;
use serde_json::{Map, Value};

use crate::php::json::answer_array;

/// A task as a PHP array.
pub fn task_array(task: Task) -> PhpResult<ZBox<ZendHashTable>> {
    Ok(answer_array(&Value::Object(task))?)
}

/// A list of cards as a PHP list.
pub fn tasks_array(tasks: Vec<Task>) -> PhpResult<ZBox<ZendHashTable>> {
    let list = Value::Array(tasks.into_iter().map(Value::Object).collect());
    Ok(answer_array(&list)?)
}

/// `['next_token' => ?string, 'tasks' => list]`.
pub fn page_array(page: TaskPage) -> PhpResult<ZBox<ZendHashTable>> {
    let mut array = Map::new();
    array.insert("next_token".to_owned(), Value::from(page.next_token));
    array.insert(
        "tasks".to_owned(),
        Value::Array(page.tasks.into_iter().map(Value::Object).collect()),
    );
    Ok(answer_array(&Value::Object(array))?)
}
