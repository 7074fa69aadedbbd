//! Listing a user's tasks: one page, or every page within one time budget.

use serde::{Deserialize, Serialize};

use super::{query_path, Task, Todos, QUERY};
use crate::api::page::{self, Page};
use crate::budget::Budget;
use crate::dialect::Family;
use crate::error::{Error, Result};
use crate::exec::{ApiRequest, Repeat};
use crate::validate::require;

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

impl Todos {
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
