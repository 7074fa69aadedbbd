//! The to-do endpoints (`/v1.0/todo/users/{unionId}/...`).
//!
//! Every call checks, in order: the body could be read, the token header, the QPS
//! limit, the path, then the JSON body (`todo_fields.rs`). Path ids arrive
//! percent-decoded, so ids with `/`, `?`, `#`, `%` or spaces work when encoded.
//! `operatorId` is read from the query only. Every change notifies `todo_events`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::auth::check::v1_caller;
use crate::clock::now_millis;
use crate::family::v1::{self, error as v1_error};
use crate::params::query_param;
use crate::state::AppState;
use crate::sync::lock;
use crate::todo_events::{TodoEvent, TodoEventKind};
use crate::todo_fields::{self, FieldError};
use crate::todo_store::{StoreError, Task, TodoStore, PAGE_SIZE};

pub const TASKS: &str = "/v1.0/todo/users/{union_id}/tasks";
pub const TASK: &str = "/v1.0/todo/users/{union_id}/tasks/{task_id}";
pub const TASK_BY_SOURCE: &str = "/v1.0/todo/users/{union_id}/tasks/sources/{source_id}";
pub const EXECUTOR_STATUS: &str = "/v1.0/todo/users/{union_id}/tasks/{task_id}/executorStatus";
pub const QUERY: &str = "/v1.0/todo/users/{union_id}/org/tasks/query";

const NOT_EXIST: &str = "task not exist";

/// The path parameters, percent-decoded, in route order.
type PathIds = Result<Path<Vec<(String, String)>>, PathRejection>;

#[derive(Debug, Clone, Copy)]
enum Op {
    Create,
    Get,
    GetBySource,
    Update,
    ExecutorStatus,
    Delete,
    List,
}

impl Op {
    /// The API's name for the QPS limit.
    fn api(self) -> &'static str {
        match self {
            Op::Create => "todo.create",
            Op::Get => "todo.get",
            Op::GetBySource => "todo.getBySource",
            Op::Update => "todo.update",
            Op::ExecutorStatus => "todo.executorStatus",
            Op::Delete => "todo.delete",
            Op::List => "todo.list",
        }
    }

    /// The code of this call's parameter errors. DingTalk documents all but get's.
    fn param_error(self) -> &'static str {
        match self {
            Op::Create => "todo.taskCreate.paramError",
            Op::Get | Op::GetBySource => "todo.taskQuery.paramError",
            Op::Update => "todo.taskUpdate.paramError",
            Op::ExecutorStatus => "todo.taskExecutorStatusUpdate.paramError",
            Op::Delete => "todo.taskDelete.paramError",
            Op::List => "todo.orgTaskQuery.paramError",
        }
    }
}

fn param_error(state: &AppState, op: Op, message: &str) -> Response {
    v1_error(state, StatusCode::BAD_REQUEST, op.param_error(), message)
}

fn field_error(state: &AppState, op: Op, error: FieldError) -> Response {
    match error {
        FieldError::Missing(name) => v1::missing(state, name),
        FieldError::Invalid(message) => param_error(state, op, &message),
    }
}

fn store_error(state: &AppState, op: Op, error: StoreError) -> Response {
    match error {
        StoreError::TaskExist => param_error(state, op, "task exist"),
        StoreError::NotExist => param_error(state, op, NOT_EXIST),
        StoreError::NotExecutor(id) => param_error(
            state,
            op,
            &format!("executor not exist: {id} is not an executor of this task"),
        ),
    }
}

/// A checked call: its path ids (by name), operator and body.
struct Call {
    ids: Vec<(String, String)>,
    operator: Option<String>,
    body: Map<String, Value>,
}

impl Call {
    fn id(&self, name: &str) -> &str {
        self.ids
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Who acts: `operatorId`, else the path's unionId.
    fn operator(&self) -> &str {
        self.operator
            .as_deref()
            .unwrap_or_else(|| self.id("union_id"))
    }
}

fn prelude(
    state: &AppState,
    op: Op,
    headers: &HeaderMap,
    query: Option<&str>,
    path: PathIds,
    body: Option<Result<Bytes, BytesRejection>>,
) -> Result<Call, Box<Response>> {
    let body = match body {
        None => None,
        Some(Ok(body)) => Some(body),
        Some(Err(rejection)) => return Err(Box::new(v1::body_rejection(state, &rejection))),
    };
    v1_caller(state, op.api(), headers)?;
    let Path(ids) = path.map_err(|rejection| {
        let message = format!("invalid path parameter: {}", rejection.body_text());
        Box::new(param_error(state, op, &message))
    })?;
    let body = match body {
        Some(body) => v1::json_body(state, &body)?,
        None => Map::new(),
    };
    Ok(Call {
        ids,
        operator: query_param(query, "operatorId").map(|o| o.into_owned()),
        body,
    })
}

/// Task times are signed milliseconds, as DingTalk's JSON has them.
fn now_ms() -> i64 {
    i64::try_from(now_millis()).unwrap_or(i64::MAX)
}

/// Notifies the change and returns the task object. Called with the store locked, so
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
    op: Op,
    call: &Call,
    kind: TodoEventKind,
    change: impl for<'a> FnOnce(&'a mut TodoStore, &str, &str) -> Result<&'a Task, StoreError>,
) -> Response {
    let mut todos = lock(&state.todos);
    let changed = change(&mut todos, call.id("task_id"), call.operator())
        .map(|task| announce(state, kind, call.id("union_id"), task));
    drop(todos);
    match changed {
        Ok(_) => result_true(state),
        Err(error) => store_error(state, op, error),
    }
}

fn result_true(state: &AppState) -> Response {
    let mut body = Map::new();
    body.insert("result".to_owned(), Value::Bool(true));
    v1::ok(state, body)
}

macro_rules! call_or_answer {
    ($result:expr) => {
        match $result {
            Ok(call) => call,
            Err(response) => return *response,
        }
    };
}

/// `POST /v1.0/todo/users/{unionId}/tasks?operatorId=`: the task object.
pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    path: PathIds,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let op = Op::Create;
    let call = call_or_answer!(prelude(
        &state,
        op,
        &headers,
        query.as_deref(),
        path,
        Some(body)
    ));
    let new = match todo_fields::new_task(&call.body) {
        Ok(new) => new,
        Err(error) => return field_error(&state, op, error),
    };
    let union_id = call.id("union_id");
    let id = state.ids.record_id();
    let mut todos = lock(&state.todos);
    let created = todos
        .create(id, new, union_id, call.operator(), now_ms())
        .map(|task| announce(&state, TodoEventKind::Create, union_id, task));
    drop(todos);
    match created {
        Ok(task) => v1::ok(&state, task),
        Err(error) => store_error(&state, op, error),
    }
}

/// `GET /v1.0/todo/users/{unionId}/tasks/{taskId}`.
pub async fn get(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    path: PathIds,
) -> Response {
    let op = Op::Get;
    let call = call_or_answer!(prelude(&state, op, &headers, query.as_deref(), path, None));
    let task = lock(&state.todos)
        .get(call.id("task_id"))
        .map(Task::to_json);
    match task {
        Some(task) => v1::ok(&state, task),
        None => param_error(&state, op, NOT_EXIST),
    }
}

/// `GET /v1.0/todo/users/{unionId}/tasks/sources/{sourceId}`.
pub async fn get_by_source(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    path: PathIds,
) -> Response {
    let op = Op::GetBySource;
    let call = call_or_answer!(prelude(&state, op, &headers, query.as_deref(), path, None));
    let task = lock(&state.todos)
        .by_source(call.id("source_id"))
        .map(Task::to_json);
    match task {
        Some(task) => v1::ok(&state, task),
        None => param_error(&state, op, NOT_EXIST),
    }
}

/// `PUT /v1.0/todo/users/{unionId}/tasks/{taskId}?operatorId=`: `{"result": true}`.
pub async fn update(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    path: PathIds,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let op = Op::Update;
    let call = call_or_answer!(prelude(
        &state,
        op,
        &headers,
        query.as_deref(),
        path,
        Some(body)
    ));
    let changes = match todo_fields::changes(&call.body) {
        Ok(changes) => changes,
        Err(error) => return field_error(&state, op, error),
    };
    change_card(
        &state,
        op,
        &call,
        TodoEventKind::Update,
        |todos, id, operator| todos.update(id, changes, operator, now_ms()),
    )
}

/// `PUT /v1.0/todo/users/{unionId}/tasks/{taskId}/executorStatus?operatorId=`.
pub async fn executor_status(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    path: PathIds,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let op = Op::ExecutorStatus;
    let call = call_or_answer!(prelude(
        &state,
        op,
        &headers,
        query.as_deref(),
        path,
        Some(body)
    ));
    let statuses = match todo_fields::executor_statuses(&call.body) {
        Ok(statuses) => statuses,
        Err(error) => return field_error(&state, op, error),
    };
    change_card(
        &state,
        op,
        &call,
        TodoEventKind::Update,
        |todos, id, operator| todos.set_executor_status(id, &statuses, operator, now_ms()),
    )
}

/// `DELETE /v1.0/todo/users/{unionId}/tasks/{taskId}?operatorId=`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    path: PathIds,
) -> Response {
    let op = Op::Delete;
    let call = call_or_answer!(prelude(&state, op, &headers, query.as_deref(), path, None));
    change_card(
        &state,
        op,
        &call,
        TodoEventKind::Delete,
        |todos, id, operator| todos.delete(id, operator, now_ms()),
    )
}

/// `POST /v1.0/todo/users/{unionId}/org/tasks/query`: one page of the user's cards.
pub async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    path: PathIds,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let op = Op::List;
    let call = call_or_answer!(prelude(
        &state,
        op,
        &headers,
        query.as_deref(),
        path,
        Some(body)
    ));
    let (list_query, token) = match todo_fields::list_query(&call.body) {
        Ok(parsed) => parsed,
        Err(error) => return field_error(&state, op, error),
    };
    let after = match token {
        None => None,
        Some(token) => match state.ids.cursor_position(&token) {
            Some(position) => Some(position),
            None => return param_error(&state, op, "nextToken is invalid"),
        },
    };
    let page = lock(&state.todos).page(call.id("union_id"), &list_query, after, PAGE_SIZE);
    let next_token = page.next.map(|n| state.ids.cursor(n));
    let mut body = Map::new();
    body.insert("nextToken".to_owned(), json!(next_token));
    body.insert("todoCards".to_owned(), Value::Array(page.cards));
    v1::ok(&state, body)
}
