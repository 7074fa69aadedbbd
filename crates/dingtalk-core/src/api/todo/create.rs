//! Creating tasks, one or many, and what a create refused as a duplicate of its sourceId means:
//! another task's ([`Error::Duplicate`]), this call's own (an earlier attempt landed: returned),
//! or unknown ([`Error::Conflict`]).

use serde_json::Value;

use super::identity::{self, Verdict};
use super::{operator, task_of, tasks_path, NewTask, Task, Todos, TASKS};
use crate::budget::Budget;
use crate::dialect::Family;
use crate::error::{ApiError, Code, Conflict, Duplicate, Error, Result};
use crate::exec::batch::{self, Batch};
use crate::exec::{ApiRequest, Failure, Repeat};

/// Whether a create was refused because a task with its sourceId exists ("task exist").
fn is_taken(api: &ApiError) -> bool {
    matches!(&api.code, Code::Text(code) if code.ends_with("paramError"))
        && api.message.to_ascii_lowercase().contains("task exist")
}

/// Whether a create was refused because a task with its sourceId is being created
/// (`lockError`): by this call's earlier attempt, or by someone else's.
fn is_locked(api: &ApiError) -> bool {
    matches!(&api.code, Code::Text(code) if code.ends_with("lockError"))
}

/// The id of a task object, for messages.
fn id_of(task: &Task) -> &str {
    task.get("id").and_then(Value::as_str).unwrap_or("unknown")
}

/// A create refused because its sourceId belongs to `existing` (its id, if known), a task this
/// call did not make; `how` says how that is known.
fn duplicate(answer: ApiError, source_id: &str, existing_id: Option<String>, how: &str) -> Error {
    let holder = existing_id.as_deref().map_or_else(
        || "another task".to_owned(),
        |id| format!("another task (id {id})"),
    );
    let detail = format!(
        "{answer}: sourceId \"{source_id}\" belongs to {holder}, not made by this call ({how}); \
         this task was not created"
    );
    Error::Duplicate(Box::new(Duplicate {
        answer,
        existing_id,
        detail,
    }))
}

impl Todos {
    /// Creates `task` for the user `union_id` (its creator); returns the task DingTalk made.
    ///
    /// Without a `sourceId` a create that may have reached DingTalk is never resent. With one,
    /// it is; a create refused because the sourceId is taken is [`Error::Duplicate`] when the
    /// task holding it is not this call's, the task itself when it provably is (an earlier
    /// attempt landed), and [`Error::Conflict`] when that cannot be told.
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
        Ok(batch::run_with_token(
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
        let (api, maybe_delivered) = match self.exec.execute::<Task>(&request, budget) {
            Ok(created) => return task_of(path, created),
            Err(Failure {
                error: Error::Api(api),
                maybe_delivered,
            }) => (api, maybe_delivered),
            Err(failure) => return Err(failure.error),
        };
        let Some(source_id) = &task.source_id else {
            return Err(Error::Api(api));
        };
        if maybe_delivered && (is_taken(&api) || is_locked(&api)) {
            self.recover(union_id, source_id, task, *api, budget)
        } else if is_taken(&api) {
            // No attempt of this call may have landed: the task is someone else's.
            Err(self.taken(union_id, source_id, *api, budget))
        } else {
            Err(Error::Api(api))
        }
    }

    /// The duplicate error of a create that surely did not land, with the id of the task that
    /// holds its sourceId when a lookup finds it.
    fn taken(&self, union_id: &str, source_id: &str, answer: ApiError, budget: &Budget) -> Error {
        let how = "no attempt of this call reached DingTalk before";
        match self.by_source_id(union_id, source_id, budget) {
            Ok(found) => {
                let existing = found.as_ref().map(|task| id_of(task).to_owned());
                duplicate(answer, source_id, existing, how)
            }
            Err(error) => {
                let how = format!("{how}; its id could not be looked up: {error}");
                duplicate(answer, source_id, None, &how)
            }
        }
    }

    /// After a create that may have landed was refused as a duplicate: the task with this
    /// sourceId if it is this call's, otherwise whose it is (another's, or unknown).
    fn recover(
        &self,
        union_id: &str,
        source_id: &str,
        task: &NewTask,
        answer: ApiError,
        budget: &Budget,
    ) -> Result<Task> {
        let Some(found) = self.by_source_id(union_id, source_id, budget)? else {
            let detail = format!(
                "DingTalk {} failed: a retry was answered \"{}\" but no task with sourceId \
                 \"{source_id}\" can be found: whether this task was created is unknown; look it \
                 up with findBySourceId() before creating it again",
                answer.path, answer.message,
            );
            return Err(Error::Conflict(Box::new(Conflict { answer, detail })));
        };
        match identity::judge(task, union_id, &found) {
            Verdict::Ours => Ok(found),
            Verdict::Another(field) => {
                let how = format!("its {field} is not what this call sent");
                Err(duplicate(
                    answer,
                    source_id,
                    Some(id_of(&found).to_owned()),
                    &how,
                ))
            }
            Verdict::Unknown(field) => {
                let detail = format!(
                    "DingTalk {} failed: a retry was answered \"{}\", and the task with sourceId \
                     \"{source_id}\" (id {}) matches what this call sent as far as DingTalk \
                     shows it, but its answer does not show the task's {field}: whether it is \
                     this call's is unknown; look at it with findBySourceId() before creating \
                     another",
                    answer.path,
                    answer.message,
                    id_of(&found),
                );
                Err(Error::Conflict(Box::new(Conflict { answer, detail })))
            }
        }
    }
}
