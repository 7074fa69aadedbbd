//! Answers made before (or instead of) a handler, in the shape of the family the path belongs
//! to: unknown paths, wrong methods, bodies over the limit.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::Response;

use super::{oapi, v1, Family};
use crate::state::AppState;

/// Fallback for paths no route knows.
pub async fn not_found(State(state): State<Arc<AppState>>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    match Family::of_path(path) {
        Family::Oapi => oapi::not_found(&state, path),
        Family::V1 => v1::not_found(&state, &method, path),
    }
}

/// Fallback for a known path called with the wrong method.
pub async fn method_not_allowed(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
) -> Response {
    let path = uri.path();
    match Family::of_path(path) {
        Family::Oapi => oapi::method_not_allowed(&state, method.as_str(), path),
        Family::V1 => v1::not_found(&state, &method, path),
    }
}

/// The answer for a body announced over [`BODY_LIMIT`](crate::config::BODY_LIMIT).
pub fn body_too_large(state: &AppState, path: &str) -> Response {
    match Family::of_path(path) {
        Family::Oapi => oapi::too_large(state),
        Family::V1 => v1::too_large(state),
    }
}
