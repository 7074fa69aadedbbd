//! The v1.0 to-do (待办) API: tasks of a user named by unionId, on `api_base_url`.
//!
//! Tasks and list cards come back as DingTalk sends them (a task's id is `id`, a card's is
//! `taskId`), so fields DingTalk adds later reach the caller.

mod changes;
mod fields;
mod task;

use std::sync::Arc;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use changes::{TaskChanges, CHANGE_KEYS};
pub use fields::{
    ContentField, DetailUrl, MAX_DESCRIPTION_CHARS, MAX_PEOPLE_CREATE, MAX_PEOPLE_UPDATE,
    MAX_SUBJECT_CHARS, MAX_URL_BYTES, PRIORITIES,
};
pub use task::{NewTask, TASK_KEYS};

use crate::api::page::{self, Page};
use crate::budget::Budget;
use crate::dialect::{missing, Family};
use crate::error::{ApiError, Code, Conflict, Error, Result};
use crate::exec::batch::{self, Batch};
use crate::exec::{ApiRequest, Executor, Failure, Repeat};
use crate::validate::{path_segment, require};

/// A task or a list card, with DingTalk's field names.
pub type Task = Map<String, Value>;

/// Whose tasks a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Tasks the user must do.
    Executor,
    /// Tasks the user created.
    Creator,
    /// Tasks the user takes part in.
    Participant,
}

impl Role {
    /// Every role, what an empty `roles` means.
    pub const ALL: [Role; 3] = [Role::Executor, Role::Creator, Role::Participant];

    /// The role DingTalk names `name`; an error naming `arg` otherwise.
    pub fn parse(arg: &str, name: &str) -> Result<Role> {
        match name {
            "executor" => Ok(Role::Executor),
            "creator" => Ok(Role::Creator),
            "participant" => Ok(Role::Participant),
            _ => Err(Error::invalid(
                arg,
                format!("must be \"executor\", \"creator\" or \"participant\", \"{name}\" given"),
            )),
        }
    }
}

/// One page of a user's tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskPage {
    /// The token of the next page; `None` on the last one.
    pub next_token: Option<String>,
    /// The list cards of this page (their id is `taskId`).
    pub tasks: Vec<Task>,
}

/// The list query's body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<&'a str>,
    is_done: bool,
    /// A list of lists: the outer one ORs, the inner one ANDs.
    role_types: Vec<[Role; 1]>,
}

#[derive(Deserialize)]
struct ListAnswer {
    #[serde(rename = "nextToken")]
    next_token: Option<String>,
    #[serde(rename = "todoCards")]
    todo_cards: Option<Vec<Task>>,
}

#[derive(Deserialize)]
struct ResultAnswer {
    result: Option<bool>,
}

#[derive(Serialize)]
struct ExecutorStatus<'a> {
    id: &'a str,
    #[serde(rename = "isDone")]
    is_done: bool,
}

#[derive(Serialize)]
struct ExecutorStatusBody<'a> {
    #[serde(rename = "executorStatusList")]
    executor_status_list: Vec<ExecutorStatus<'a>>,
}

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

/// Whether a create was refused because a task with its sourceId exists or is being created.
fn is_duplicate(api: &ApiError) -> bool {
    let Code::Text(code) = &api.code else {
        return false;
    };
    code.ends_with("lockError")
        || (code.ends_with("paramError") && api.message.to_ascii_lowercase().contains("task exist"))
}

impl Todos {
    pub(crate) fn new(exec: Arc<Executor>) -> Self {
        Todos { exec }
    }

    /// Creates `task` for the user `union_id` (its creator); returns the task DingTalk made.
    ///
    /// Without a `sourceId` a create that may have reached DingTalk is never resent. With one,
    /// it is; if such a retry is answered "task exist" (or `lockError`), the task is looked up
    /// by its sourceId and returned when it matches what was sent, otherwise the call fails
    /// with [`Error::Conflict`].
    pub fn create(
        &self,
        union_id: &str,
        task: &NewTask,
        operator_id: Option<&str>,
    ) -> Result<Task> {
        let path = tasks_path(union_id)?;
        let query = operator(operator_id)?;
        self.create_within(union_id, &path, task, &query, &self.exec.budget())
    }

    /// Creates many tasks for the user `union_id`, `batch`'s concurrency at a time; one
    /// result per task, in order, each as [`Todos::create`] would give it (retries and the
    /// sourceId recovery included). The arguments are checked before anything is sent.
    pub fn create_many(
        &self,
        union_id: &str,
        tasks: &[NewTask],
        operator_id: Option<&str>,
        batch: &Batch,
    ) -> Result<Vec<Result<Task>>> {
        let path = tasks_path(union_id)?;
        let query = operator(operator_id)?;
        Ok(batch::run(
            &self.exec,
            batch,
            &path,
            tasks,
            |task, budget| self.create_within(union_id, &path, task, &query, budget),
        ))
    }

    /// `create()` with its path and query made, within `budget`.
    fn create_within(
        &self,
        union_id: &str,
        path: &str,
        task: &NewTask,
        query: &[(String, String)],
        budget: &Budget,
    ) -> Result<Task> {
        let repeat = if task.source_id.is_some() {
            Repeat::Safe
        } else {
            Repeat::Unsafe
        };
        let request = ApiRequest::post(Family::V1, path, task, repeat)?
            .api(TASKS)
            .query(query.to_vec());
        match self.exec.execute::<Task>(&request, budget) {
            Ok(created) if created.get("id").is_some_and(Value::is_string) => Ok(created),
            Ok(_) => Err(missing(path, "id")),
            Err(Failure {
                error: Error::Api(api),
                maybe_delivered: true,
            }) if is_duplicate(&api) => match &task.source_id {
                Some(source_id) => self.recover(union_id, source_id, task, *api, budget),
                None => Err(Error::Api(api)),
            },
            Err(failure) => Err(failure.error),
        }
    }

    /// After a retried create met "task exist": the task with this sourceId, if it is this
    /// call's.
    fn recover(
        &self,
        union_id: &str,
        source_id: &str,
        task: &NewTask,
        answer: ApiError,
        budget: &Budget,
    ) -> Result<Task> {
        let found = self.by_source_id(union_id, source_id, budget)?;
        let detail = match found {
            Some(found) if task.matches(&found) => return Ok(found),
            Some(found) => format!(
                "DingTalk {} failed: sourceId \"{source_id}\" belongs to another task (id {}) \
                 that differs from this one; this task was not created",
                answer.path,
                found.get("id").and_then(Value::as_str).unwrap_or("unknown"),
            ),
            None => format!(
                "DingTalk {} failed: a retry was answered \"{}\" but no task with sourceId \
                 \"{source_id}\" can be found: whether this task was created is unknown; look it \
                 up with findBySourceId() before creating it again",
                answer.path, answer.message,
            ),
        };
        Err(Error::Conflict(Box::new(Conflict { answer, detail })))
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

    /// Changes a task.
    pub fn update(
        &self,
        union_id: &str,
        task_id: &str,
        changes: &TaskChanges,
        operator_id: Option<&str>,
    ) -> Result<bool> {
        let path = task_path(union_id, task_id)?;
        self.put(&path, TASK, changes, operator_id)
    }

    /// Marks a task done (or not done) for everyone.
    pub fn complete(
        &self,
        union_id: &str,
        task_id: &str,
        done: bool,
        operator_id: Option<&str>,
    ) -> Result<bool> {
        self.update(union_id, task_id, &TaskChanges::done(done), operator_id)
    }

    /// Marks the task done or not done for some of its executors (`(unionId, done)` pairs).
    pub fn set_executor_status(
        &self,
        union_id: &str,
        task_id: &str,
        done: &[(String, bool)],
        operator_id: Option<&str>,
    ) -> Result<bool> {
        let path = format!("{}/executorStatus", task_path(union_id, task_id)?);
        if done.is_empty() || done.len() > fields::MAX_PEOPLE_UPDATE {
            return Err(Error::invalid(
                "done",
                format!(
                    "must hold 1 to {} executors, {} given",
                    fields::MAX_PEOPLE_UPDATE,
                    done.len()
                ),
            ));
        }
        let mut list = Vec::with_capacity(done.len());
        for (id, is_done) in done {
            require(&format!("done[{id}]"), id)?;
            list.push(ExecutorStatus {
                id,
                is_done: *is_done,
            });
        }
        let body = ExecutorStatusBody {
            executor_status_list: list,
        };
        self.put(&path, EXECUTOR_STATUS, &body, operator_id)
    }

    fn put(
        &self,
        path: &str,
        template: &'static str,
        body: &impl Serialize,
        operator_id: Option<&str>,
    ) -> Result<bool> {
        let request = ApiRequest::new(Family::V1, Method::PUT, path, Repeat::Safe)
            .api(template)
            .json(body)?
            .query(operator(operator_id)?);
        self.result_of(&request)
    }

    /// Deletes a task.
    pub fn delete(&self, union_id: &str, task_id: &str, operator_id: Option<&str>) -> Result<bool> {
        let path = task_path(union_id, task_id)?;
        let request = ApiRequest::new(Family::V1, Method::DELETE, path, Repeat::Safe)
            .api(TASK)
            .query(operator(operator_id)?);
        self.result_of(&request)
    }

    fn result_of(&self, request: &ApiRequest) -> Result<bool> {
        let answer: ResultAnswer = self.exec.execute(request, &self.exec.budget())?;
        answer
            .result
            .ok_or_else(|| missing(&request.path, "result"))
    }

    /// One page of the user's tasks, done or not, in any of `roles` (all when empty), from
    /// `next_token` (the first page when `None`).
    pub fn list(
        &self,
        union_id: &str,
        done: bool,
        next_token: Option<&str>,
        roles: &[Role],
    ) -> Result<TaskPage> {
        if let Some(token) = next_token {
            require("nextToken", token)?;
        }
        self.page(union_id, done, next_token, roles, &self.exec.budget())
    }

    fn page(
        &self,
        union_id: &str,
        done: bool,
        next_token: Option<&str>,
        roles: &[Role],
        budget: &Budget,
    ) -> Result<TaskPage> {
        let path = query_path(union_id)?;
        let roles = if roles.is_empty() {
            &Role::ALL[..]
        } else {
            roles
        };
        let body = ListBody {
            next_token,
            is_done: done,
            role_types: roles.iter().map(|role| [*role]).collect(),
        };
        let request = ApiRequest::post(Family::V1, path.as_str(), &body, Repeat::Safe)?.api(QUERY);
        let answer: ListAnswer = self.exec.execute(&request, budget)?;
        Ok(TaskPage {
            next_token: answer.next_token.filter(|token| !token.is_empty()),
            tasks: answer.todo_cards.unwrap_or_default(),
        })
    }

    /// Every page of the user's tasks, within one time budget.
    pub fn all(&self, union_id: &str, done: bool, roles: &[Role]) -> Result<Vec<Task>> {
        let budget = self.exec.budget();
        let path = query_path(union_id)?;
        let mut tasks = Vec::new();
        let fetch = |token: &Option<String>| {
            let page = self.page(union_id, done, token.as_deref(), roles, &budget)?;
            Ok(Page {
                items: page.tasks,
                next: page.next_token.map(Some),
            })
        };
        page::walk(&path, None, fetch, |items| {
            tasks.extend(items);
            None::<()>
        })?;
        Ok(tasks)
    }
}
