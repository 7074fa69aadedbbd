//! `POST /robot/sendBySession?session=S`: an answer to a bot message through the
//! `sessionWebhook` it came with, in the webhook robots' message format (no token, no
//! signature), into the conversation of that message until the session expires. Answers are
//! the webhook's: HTTP 200 `{"errcode", "errmsg"}`. Each message is recorded in the inbox as
//! channel `session_webhook`, for the user (1:1) or the group.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::response::Response;

use super::sessions::{Closed, Conversation};
use crate::api::message::inbox::{Channel, Delivery};
use crate::api::webhook::fields::WebhookMessage;
use crate::api::webhook::routes::{self as webhook, answer, Refused};
use crate::family::oapi;
use crate::params::query_param;
use crate::state::AppState;
use crate::sync::lock;

pub const SEND_BY_SESSION: &str = "/robot/sendBySession";

/// An unknown or expired session. DingTalk documents no code for it; this is the webhook's
/// "token is not exist".
const SESSION_CLOSED: i64 = 300_001;

/// `POST /robot/sendBySession?session=S`.
pub async fn send_by_session(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return oapi::body_rejection(&state, &rejection),
    };
    let Some(token) = query_param(query.as_deref(), "session") else {
        return answer(oapi::INVALID_PARAMETER, "缺少参数 session");
    };
    let conversation = match lock(&state.sessions).open(&token, Instant::now()) {
        Ok(session) => session.conversation.clone(),
        Err(Closed::Unknown) => return answer(SESSION_CLOSED, "session is not exist"),
        Err(Closed::Expired) => return answer(SESSION_CLOSED, "session is expired"),
    };
    let WebhookMessage { message, at } = match webhook::message(&body) {
        Ok(message) => message,
        Err(Refused(errcode, errmsg)) => return answer(errcode, &errmsg),
    };
    let mut delivery = Delivery::new(Channel::SessionWebhook, message);
    match conversation {
        Conversation::User(user) => delivery.user = Some(user),
        Conversation::Group(group) => delivery.conversation = Some(group),
    }
    delivery.at = at;
    lock(&state.inbox).deliver(delivery);
    answer(0, "ok")
}
