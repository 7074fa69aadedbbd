//! Taking the emulator back: `/_emulator/reset` (everything) and `/_emulator/expire-tokens`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::ok;
use crate::state::AppState;
use crate::sync::lock;

/// `POST /_emulator/reset`: back to the state at start.
pub async fn reset(State(state): State<Arc<AppState>>) -> Response {
    state.reset();
    ok()
}

/// `POST /_emulator/expire-tokens`: every token issued so far is expired from now.
pub async fn expire_tokens(State(state): State<Arc<AppState>>) -> Response {
    lock(&state.tokens).expire_all(Instant::now());
    ok()
}
