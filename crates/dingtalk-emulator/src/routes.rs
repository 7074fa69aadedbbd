//! Which handler answers which method and path.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;

use crate::api::bot::routes::{self as bot, SEND_BY_SESSION};
use crate::api::card::routes::{self as card, CREATE_AND_DELIVER, INSTANCES, STREAMING};
use crate::api::identity::routes::{self as identity, GET_BY_UNIONID, USER_GET};
use crate::api::robot::routes as robot;
use crate::api::todo::routes::{self as todo, EXECUTOR_STATUS, QUERY, TASK, TASKS, TASK_BY_SOURCE};
use crate::api::webhook::routes as webhook;
use crate::api::worknotice::routes as notice;
use crate::api::workrecord::routes::{self as workrecord, ADD, GET_BY_USERID, UPDATE};
use crate::auth::routes::{self as token, GETTOKEN, V1_ACCESS_TOKEN};
use crate::config::BODY_LIMIT;
use crate::control;
use crate::family::fallback;
use crate::state::AppState;
use crate::stream::{open, socket};

pub fn router(state: Arc<AppState>) -> Router {
    dingtalk()
        .merge(control())
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// DingTalk's own APIs.
fn dingtalk() -> Router<Arc<AppState>> {
    Router::new()
        // DingTalk documents GET; a POST is accepted too and its body ignored, which
        // is how a client that sends credentials in a body learns of its mistake (40035).
        .route(GETTOKEN, get(token::gettoken).post(token::gettoken))
        .route(V1_ACCESS_TOKEN, post(token::access_token))
        .route(ADD, post(workrecord::add))
        .route(UPDATE, post(workrecord::update))
        .route(GET_BY_USERID, post(workrecord::getbyuserid))
        .route(USER_GET, post(identity::user_get))
        .route(GET_BY_UNIONID, post(identity::get_by_unionid))
        .route(TASKS, post(todo::create))
        .route(TASK, get(todo::get).put(todo::update).delete(todo::delete))
        .route(TASK_BY_SOURCE, get(todo::get_by_source))
        .route(EXECUTOR_STATUS, put(todo::executor_status))
        .route(QUERY, post(todo::list))
        .route(notice::SEND, post(notice::send))
        .route(notice::PROGRESS, post(notice::progress))
        .route(notice::RESULT, post(notice::result))
        .route(notice::RECALL, post(notice::recall))
        .route(webhook::SEND, post(webhook::send))
        .route(robot::BATCH_SEND, post(robot::batch_send))
        .route(robot::GROUP_SEND, post(robot::group_send))
        .route(robot::BATCH_RECALL, post(robot::batch_recall))
        .route(robot::GROUP_RECALL, post(robot::group_recall))
        .route(robot::READ_STATUS, get(robot::read_status))
        .route(SEND_BY_SESSION, post(bot::send_by_session))
        .route(CREATE_AND_DELIVER, post(card::create_and_deliver))
        .route(STREAMING, put(card::streaming))
        .route(INSTANCES, put(card::update))
        .route(open::OPEN, post(open::open))
        .route(socket::CONNECT, get(socket::connect))
}

/// The emulator's own control API, under `/_emulator/`.
fn control() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/_emulator/faults",
            post(control::faults::push)
                .get(control::faults::list)
                .delete(control::faults::clear),
        )
        .route(
            "/_emulator/expire-tokens",
            post(control::reset::expire_tokens),
        )
        .route("/_emulator/stats", get(control::inspect::stats))
        .route("/_emulator/reset", post(control::reset::reset))
        .route("/_emulator/records", get(control::inspect::records))
        .route("/_emulator/todos", get(control::inspect::todos))
        .route("/_emulator/messages", get(control::messages::messages))
        .route("/_emulator/messages/read", post(control::messages::read))
        .route(
            "/_emulator/webhooks",
            post(control::messages::create_webhook).get(control::messages::webhooks),
        )
        .route(
            "/_emulator/conversations",
            post(control::messages::create_conversation).get(control::messages::conversations),
        )
        .route(
            "/_emulator/robot/flow-controlled",
            post(control::messages::flow_controlled),
        )
        .route("/_emulator/push", post(control::events::push))
        .route("/_emulator/events", get(control::events::events))
        .route(
            "/_emulator/stream/disconnect",
            post(control::stream::disconnect),
        )
        .route("/_emulator/stream/drop", post(control::stream::drop_all))
        .route("/_emulator/stream/silence", post(control::stream::silence))
        .route(
            "/_emulator/stream/refuse-tickets",
            post(control::stream::refuse_tickets),
        )
        .route("/_emulator/stream/send", post(control::stream::send))
        .route(
            "/_emulator/stream/duplicate",
            post(control::stream::duplicate),
        )
        .route(
            "/_emulator/stream/callback",
            post(control::stream::callback),
        )
        .route("/_emulator/stream", get(control::stream::log))
        .route("/_emulator/bot/say", post(control::bot::say))
        .route("/_emulator/cards", get(control::cards::cards))
        .route("/_emulator/cards/callback", post(control::cards::callback))
}
