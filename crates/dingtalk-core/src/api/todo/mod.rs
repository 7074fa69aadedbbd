//! The v1.0 to-do (待办) API: tasks of a user named by unionId, on `api_base_url`.
//!
//! Tasks and list cards come back as DingTalk sends them (a task's id is `id`, a card's is
//! `taskId`), so fields DingTalk adds later reach the caller.
//!
//! Here: the handle, the paths, and reading one task. The other calls: `create` (with the
//! sourceId recovery), `update` (changes, done states, delete), `list` (pages). What the caller
//! sends is read from its arrays by `task` (a new task), `changes` (a change) and `fields` (the
//! fields both share).

mod changes;
mod create;
mod fields;
mod list;
mod task;
mod update;

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Map, Value};

pub use changes::{TaskChanges, CHANGE_KEYS};
pub use fields::{
    ContentField, DetailUrl, MAX_DESCRIPTION_CHARS, MAX_PEOPLE_CREATE, MAX_PEOPLE_UPDATE,
    MAX_SUBJECT_CHARS, MAX_URL_BYTES, PRIORITIES,
};
pub use list::{Role, TaskPage};
pub use task::{NewTask, TASK_KEYS};

use crate::budget::Budget;
use crate::dialect::Family;
use crate::error::{Code, Error, Result};
use crate::exec::{ApiRequest, Executor, Repeat};
use crate::validate::{path_segment, require};

/// A task or a list card, with DingTalk's field names.
pub type Task = Map<String, Value>;

/// The to-do API of one app.
#[derive(Clone)]
pub struct Todos {
    exec: Arc<Executor>,
}

impl std::fmt::Debug for Todos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Todos").finish_non_exhaustive()
    }
}

/// The to-do APIs as the rate limit counts them: one per path template (and method).
const TASKS: &str = "/v1.0/todo/users/{unionId}/tasks";
const TASK: &str = "/v1.0/todo/users/{unionId}/tasks/{taskId}";
const TASK_BY_SOURCE: &str = "/v1.0/todo/users/{unionId}/tasks/sources/{sourceId}";
const EXECUTOR_STATUS: &str = "/v1.0/todo/users/{unionId}/tasks/{taskId}/executorStatus";
const QUERY: &str = "/v1.0/todo/users/{unionId}/org/tasks/query";

/// `/v1.0/todo/users/{unionId}/tasks`, the unionId encoded.
fn tasks_path(union_id: &str) -> Result<String> {
    Ok(format!(
        "/v1.0/todo/users/{}/tasks",
        path_segment("unionId", union_id)?
    ))
}

/// `.../tasks/{taskId}`.
fn task_path(union_id: &str, task_id: &str) -> Result<String> {
    Ok(format!(
        "{}/{}",
        tasks_path(union_id)?,
        path_segment("taskId", task_id)?
    ))
}

/// `/v1.0/todo/users/{unionId}/org/tasks/query`.
fn query_path(union_id: &str) -> Result<String> {
    Ok(format!(
        "/v1.0/todo/users/{}/org/tasks/query",
        path_segment("unionId", union_id)?
    ))
}

/// The `operatorId` query parameter, when given.
fn operator(operator_id: Option<&str>) -> Result<Vec<(String, String)>> {
    match operator_id {
        None => Ok(Vec::new()),
        Some(id) => {
            require("operatorId", id)?;
            Ok(vec![("operatorId".to_owned(), id.to_owned())])
        }
    }
}

/// Whether DingTalk said the task does not exist (a missing or deleted task: HTTP 400, a
/// `paramError` code, a "not exist" message).
fn is_not_exist(error: &Error) -> bool {
    matches!(error, Error::Api(api)
        if api.http_status == 400
            && matches!(&api.code, Code::Text(code) if code.ends_with("paramError"))
            && api.message.to_ascii_lowercase().contains("not exist"))
}

impl Todos {
    pub(crate) fn new(exec: Arc<Executor>) -> Self {
        Todos { exec }
    }

    /// The task `task_id` of the user; `None` when it does not exist (or was deleted).
    pub fn get(&self, union_id: &str, task_id: &str) -> Result<Option<Task>> {
        let path = task_path(union_id, task_id)?;
        self.get_optional(&path, TASK, &self.exec.budget())
    }

    /// The user's task with this sourceId; `None` when there is none.
    pub fn find_by_source_id(&self, union_id: &str, source_id: &str) -> Result<Option<Task>> {
        self.by_source_id(union_id, source_id, &self.exec.budget())
    }

    fn by_source_id(
        &self,
        union_id: &str,
        source_id: &str,
        budget: &Budget,
    ) -> Result<Option<Task>> {
        let path = format!(
            "{}/sources/{}",
            tasks_path(union_id)?,
            path_segment("sourceId", source_id)?
        );
        self.get_optional(&path, TASK_BY_SOURCE, budget)
    }

    fn get_optional(
        &self,
        path: &str,
        template: &'static str,
        budget: &Budget,
    ) -> Result<Option<Task>> {
        let request = ApiRequest::new(Family::V1, Method::GET, path, Repeat::Safe).api(template);
        match self.exec.execute::<Task>(&request, budget) {
            Ok(task) => Ok(Some(task)),
            Err(failure) if is_not_exist(&failure.error) => Ok(None),
            Err(failure) => Err(failure.error),
        }
    }
}
