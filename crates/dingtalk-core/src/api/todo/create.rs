//! Creating tasks, one or many; after a retried create met "task exist", proving that the task
//! found by its sourceId is this call's.

use serde_json::Value;

use super::{operator, tasks_path, NewTask, Task, Todos, TASKS};
use crate::budget::Budget;
use crate::dialect::{missing, Family};
use crate::error::{ApiError, Code, Conflict, Error, Result};
use crate::exec::batch::{self, Batch};
use crate::exec::{ApiRequest, Failure, Repeat};

/// Whether a create was refused because a task with its sourceId exists or is being created.
fn is_duplicate(api: &ApiError) -> bool {
    let Code::Text(code) = &api.code else {
        return false;
    };
    code.ends_with("lockError")
        || (code.ends_with("paramError") && api.message.to_ascii_lowercase().contains("task exist"))
}

impl Todos {
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
        let repeat = Repeat::for_create(task.source_id.is_some());
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
}
