//! Changing a task (its fields, its done state for everyone or per executor) and deleting it.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{fields, operator, task_path, TaskChanges, Todos, EXECUTOR_STATUS, TASK};
use crate::dialect::{missing, Family};
use crate::error::{Error, Result};
use crate::exec::{ApiRequest, Repeat};
use crate::validate::require;

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

impl Todos {
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
}
