//! What every to-do call checks before its own work, in order: the body could be read, the
//! token header, the QPS limit, the path, then the JSON body. Path ids arrive percent-decoded,
//! so ids with `/`, `?`, `#`, `%` or spaces work when encoded; `operatorId` is read from the
//! query only. And how a to-do call refuses: the gateway's `Missing<field>`, or the call's own
//! `paramError`.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};

use super::fields::{FieldError, Fields};
use super::store::StoreError;
use crate::auth::check::v1_caller;
use crate::family::v1;
use crate::params::query_param;
use crate::state::AppState;

pub const NOT_EXIST: &str = "task not exist";

#[derive(Debug, Clone, Copy)]
pub enum Op {
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
    fn param_error_code(self) -> &'static str {
        match self {
            Op::Create => "todo.taskCreate.paramError",
            Op::Get | Op::GetBySource => "todo.taskQuery.paramError",
            Op::Update => "todo.taskUpdate.paramError",
            Op::ExecutorStatus => "todo.taskExecutorStatusUpdate.paramError",
            Op::Delete => "todo.taskDelete.paramError",
            Op::List => "todo.orgTaskQuery.paramError",
        }
    }

    /// This call's `paramError` with `message`.
    pub fn param_error(self, state: &AppState, message: &str) -> Response {
        v1::error(
            state,
            StatusCode::BAD_REQUEST,
            self.param_error_code(),
            message,
        )
    }

    /// The answer to a refused body.
    pub fn field_error(self, state: &AppState, error: FieldError) -> Response {
        match error {
            FieldError::Missing(name) => v1::missing(state, name),
            FieldError::Invalid(message) => self.param_error(state, &message),
        }
    }

    /// The answer to a change the store refused.
    pub fn store_error(self, state: &AppState, error: StoreError) -> Response {
        match error {
            StoreError::TaskExist => self.param_error(state, "task exist"),
            StoreError::NotExist => self.param_error(state, NOT_EXIST),
            StoreError::NotExecutor(id) => self.param_error(
                state,
                &format!("executor not exist: {id} is not an executor of this task"),
            ),
        }
    }
}

/// What a to-do request carries besides its body: headers, query and path ids (by name,
/// percent-decoded, in route order). Read without touching the body.
pub struct Request {
    headers: HeaderMap,
    query: Option<String>,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
}

impl<S: Send + Sync> FromRequestParts<S> for Request {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(Request {
            headers: parts.headers.clone(),
            query: parts.uri.query().map(str::to_owned),
            path: Path::from_request_parts(parts, state).await,
        })
    }
}

/// A checked call: which it is, its path ids (by name), operator and body.
pub struct Call {
    pub op: Op,
    ids: Vec<(String, String)>,
    operator: Option<String>,
    body: Map<String, Value>,
}

impl Call {
    /// The path id `name` (`union_id`, `task_id`, `source_id`).
    pub fn id(&self, name: &str) -> &str {
        self.ids
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// The body read by `reader`, or the answer that refuses it.
    pub fn read<T>(
        &self,
        state: &AppState,
        reader: fn(&Map<String, Value>) -> Fields<T>,
    ) -> Result<T, Box<Response>> {
        reader(&self.body).map_err(|error| Box::new(self.op.field_error(state, error)))
    }

    /// Who acts: `operatorId`, else the path's unionId.
    pub fn operator(&self) -> &str {
        self.operator
            .as_deref()
            .unwrap_or_else(|| self.id("union_id"))
    }
}

impl Request {
    /// The checks of `op`, in order; `body` is `None` for calls that read none.
    pub fn check(
        self,
        state: &AppState,
        op: Op,
        body: Option<Result<Bytes, BytesRejection>>,
    ) -> Result<Call, Box<Response>> {
        let body = body
            .transpose()
            .map_err(|rejection| Box::new(v1::body_rejection(state, &rejection)))?;
        v1_caller(state, op.api(), &self.headers)?;
        let Path(ids) = self.path.map_err(|rejection| {
            let message = format!("invalid path parameter: {}", rejection.body_text());
            Box::new(op.param_error(state, &message))
        })?;
        let body = match body {
            Some(body) => v1::json_body(state, &body)?,
            None => Map::new(),
        };
        Ok(Call {
            op,
            ids,
            operator: query_param(self.query.as_deref(), "operatorId").map(|o| o.into_owned()),
            body,
        })
    }
}
