//! The to-do endpoints. Every change is announced on the to-do events before it is answered.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::call::{Call, Op, Request, NOT_EXIST};
use super::events::{TodoEvent, TodoEventKind};
use super::fields;
use super::store::{StoreError, TodoStore, PAGE_SIZE};
use super::task::Task;
use crate::clock::now_millis;
use crate::family::v1;
use crate::state::AppState;
use crate::sync::lock;

pub const TASKS: &str = "/v1.0/todo/users/{union_id}/tasks";
pub const TASK: &str = "/v1.0/todo/users/{union_id}/tasks/{task_id}";
pub const TASK_BY_SOURCE: &str = "/v1.0/todo/users/{union_id}/tasks/sources/{source_id}";
pub const EXECUTOR_STATUS: &str = "/v1.0/todo/users/{union_id}/tasks/{task_id}/executorStatus";
pub const QUERY: &str = "/v1.0/todo/users/{union_id}/org/tasks/query";

/// The body of a call that sends one.
type Body = Result<Bytes, BytesRejection>;

/// Task times are signed milliseconds, as DingTalk's JSON has them.
fn now_ms() -> i64 {
    i64::try_from(now_millis()).unwrap_or(i64::MAX)
}

/// Announces the change and returns the task object. Called with the store locked, so
/// events leave in the order the changes were made.
fn announce(
    state: &AppState,
    kind: TodoEventKind,
    union_id: &str,
    task: &Task,
) -> Map<String, Value> {
    let object = task.to_json();
    state.todo_events.send(TodoEvent {
        kind,
        union_id: union_id.to_owned(),
        task_id: task.id().to_owned(),
        task: object.clone(),
    });
    object
}

/// Applies `change` (given the card's id and the operator) to the card the path names, with
/// the store locked; announces the changed card and answers `{"result": true}`.
fn change_card(
    state: &AppState,
    call: &Call,
    kind: TodoEventKind,
    change: impl for<'a> FnOnce(&'a mut TodoStore, &str, &str) -> Result<&'a Task, StoreError>,
) -> Response {
    let mut todos = lock(&state.todos);
    let changed = change(&mut todos, call.id("task_id"), call.operator())
        .map(|task| announce(state, kind, call.id("union_id"), task));
    drop(todos);
    match changed {
        Ok(_) => {
            let mut body = Map::new();
            body.insert("result".to_owned(), Value::Bool(true));
            v1::ok(state, body)
        }
        Err(error) => call.op.store_error(state, error),
    }
}

/// A task found by a lookup, as get shows it.
fn found(state: &AppState, op: Op, task: Option<Map<String, Value>>) -> Response {
    match task {
        Some(task) => v1::ok(state, task),
        None => op.param_error(state, NOT_EXIST),
    }
}

/// `POST /v1.0/todo/users/{unionId}/tasks?operatorId=`: the task object.
pub async fn create(State(state): State<Arc<AppState>>, request: Request, body: Body) -> Response {
    let call = or_refuse!(request.check(&state, Op::Create, Some(body)));
    let new = or_refuse!(call.read(&state, fields::new_task));
    let union_id = call.id("union_id");
    let id = state.ids.record_id();
    let mut todos = lock(&state.todos);
    let created = todos
        .create(id, new, union_id, call.operator(), now_ms())
        .map(|task| announce(&state, TodoEventKind::Create, union_id, task));
    drop(todos);
    match created {
        Ok(task) => v1::ok(&state, task),
        Err(error) => call.op.store_error(&state, error),
    }
}

/// `GET /v1.0/todo/users/{unionId}/tasks/{taskId}`.
pub async fn get(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let call = or_refuse!(request.check(&state, Op::Get, None));
    let task = lock(&state.todos)
        .get(call.id("task_id"))
        .map(Task::to_json);
    found(&state, call.op, task)
}

/// `GET /v1.0/todo/users/{unionId}/tasks/sources/{sourceId}`.
pub async fn get_by_source(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let call = or_refuse!(request.check(&state, Op::GetBySource, None));
    let task = lock(&state.todos)
        .by_source(call.id("source_id"))
        .map(Task::to_json);
    found(&state, call.op, task)
}

/// `PUT /v1.0/todo/users/{unionId}/tasks/{taskId}?operatorId=`: `{"result": true}`.
pub async fn update(State(state): State<Arc<AppState>>, request: Request, body: Body) -> Response {
    let call = or_refuse!(request.check(&state, Op::Update, Some(body)));
    let changes = or_refuse!(call.read(&state, fields::changes));
    change_card(
        &state,
        &call,
        TodoEventKind::Update,
        |todos, id, operator| todos.update(id, changes, operator, now_ms()),
    )
}

/// `PUT /v1.0/todo/users/{unionId}/tasks/{taskId}/executorStatus?operatorId=`.
pub async fn executor_status(
    State(state): State<Arc<AppState>>,
    request: Request,
    body: Body,
) -> Response {
    let call = or_refuse!(request.check(&state, Op::ExecutorStatus, Some(body)));
    let statuses = or_refuse!(call.read(&state, fields::executor_statuses));
    change_card(
        &state,
        &call,
        TodoEventKind::Update,
        |todos, id, operator| todos.set_executor_status(id, &statuses, operator, now_ms()),
    )
}

/// `DELETE /v1.0/todo/users/{unionId}/tasks/{taskId}?operatorId=`.
pub async fn delete(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let call = or_refuse!(request.check(&state, Op::Delete, None));
    change_card(
        &state,
        &call,
        TodoEventKind::Delete,
        |todos, id, operator| todos.delete(id, operator, now_ms()),
    )
}

/// `POST /v1.0/todo/users/{unionId}/org/tasks/query`: one page of the user's cards.
pub async fn list(State(state): State<Arc<AppState>>, request: Request, body: Body) -> Response {
    let call = or_refuse!(request.check(&state, Op::List, Some(body)));
    let (list_query, token) = or_refuse!(call.read(&state, fields::list_query));
    let after = match token {
        None => None,
        Some(token) => match state.ids.cursor_position(&token) {
            Some(position) => Some(position),
            None => return call.op.param_error(&state, "nextToken is invalid"),
        },
    };
    let page = lock(&state.todos).page(call.id("union_id"), &list_query, after, PAGE_SIZE);
    let next_token = page.next.map(|n| state.ids.cursor(n));
    let mut body = Map::new();
    body.insert("nextToken".to_owned(), json!(next_token));
    body.insert("todoCards".to_owned(), Value::Array(page.cards));
    v1::ok(&state, body)
}
