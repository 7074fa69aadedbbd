//! `POST /_emulator/bot/say`: a user talks to the app's robot, 1:1 or with an @ in a group; the
//! gateway delivers the bot message over Stream mode with a working `sessionWebhook`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::stream::app;
use super::{address, answer, body_object, refuse};
use crate::api::bot::message::{bot_message, Reply, Said};
use crate::api::bot::routes::SEND_BY_SESSION;
use crate::api::bot::sessions::{Conversation, Session};
use crate::api::robot::fields::string_list;
use crate::clock::now_millis;
use crate::state::AppState;
use crate::stream::topics::BOT_MESSAGES;
use crate::sync::lock;

/// A non-empty string `name` of `object`, if given.
fn text(object: &Map<String, Value>, name: &str) -> Result<Option<String>, Box<Response>> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text.clone())),
        Some(_) => Err(Box::new(refuse(&format!(
            "{name} must be a non-empty string"
        )))),
    }
}

/// The group `conversation` (its title), after checking that `user` may speak in it: the
/// group exists (`POST /_emulator/conversations`) and, when it lists members, has `user`.
fn group(state: &AppState, conversation: &str, user: &str) -> Result<String, Box<Response>> {
    let robot = lock(&state.robot);
    let Some((title, members)) = robot.group(conversation) else {
        return Err(Box::new(refuse(&format!(
            "no group {conversation:?}: make it with POST /_emulator/conversations"
        ))));
    };
    if !members.is_empty() && !members.iter().any(|m| m == user) {
        return Err(Box::new(refuse(&format!(
            "{user:?} is not a member of {conversation:?}"
        ))));
    }
    Ok(title.to_owned())
}

/// What the body says: who said what, where.
fn said(state: &AppState, object: &Map<String, Value>) -> Result<Said, Box<Response>> {
    let Some(user) = text(object, "user")? else {
        return Err(Box::new(refuse("user (the userid who speaks) is required")));
    };
    let Some(Value::String(words)) = object.get("text") else {
        return Err(Box::new(refuse("text must be a string")));
    };
    let at = match object.get("at") {
        None | Some(Value::Null) => Vec::new(),
        Some(list) => {
            string_list(list).ok_or_else(|| Box::new(refuse("at must be a list of userids")))?
        }
    };
    let group = match text(object, "conversation")? {
        Some(id) => Some((id.clone(), group(state, &id, &user)?)),
        None if at.is_empty() => None,
        None => {
            return Err(Box::new(refuse(
                "at is for group messages: give conversation too",
            )))
        }
    };
    Ok(Said {
        app: app(state, object)?.unwrap_or_else(|| state.first_app().to_owned()),
        nick: text(object, "nick")?.unwrap_or_else(|| user.clone()),
        user,
        text: words.clone(),
        group,
        at,
    })
}

/// `POST /_emulator/bot/say` `{"user", "text", "conversation"?, "at"?, "nick"?, "app"?}`:
/// `user` says `text` to the robot of `app` (the first app by default) in their 1:1 chat, or in
/// group `conversation` with an @ of the robot (and of the users in `at`). The bot message is
/// delivered over one of the app's Stream connections subscribed to bot messages; answers its
/// `id` in the Stream log, `msgId`, `conversationId`, `sessionWebhook` and
/// `sessionWebhookExpiredTime`.
pub async fn say(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(
        body,
        &["user", "text", "conversation", "at", "nick", "app"]
    ));
    let said = or_refuse!(said(&state, &object));
    let ttl = state.stream.config.session_webhook_ttl;
    let session = state.ids.token();
    let now = now_millis();
    let reply = Reply {
        url: format!(
            "{}{SEND_BY_SESSION}?session={session}",
            address(&state, &headers)
        ),
        expires_at: now.saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX)),
    };
    let chat_id = {
        let mut sessions = lock(&state.sessions);
        let (conversation, chat_id) = match &said.group {
            Some((id, _)) => (Conversation::Group(id.clone()), id.clone()),
            None => {
                let chat = sessions.chat_id(&said.app, &said.user, || {
                    format!("cid{}", state.ids.token())
                });
                (Conversation::User(said.user.clone()), chat)
            }
        };
        let expires = Instant::now() + ttl;
        sessions.add(
            session,
            Session {
                conversation,
                expires,
            },
        );
        chat_id
    };
    let msg_id = format!("msg{}", state.ids.token());
    let data = bot_message(&said, &msg_id, &chat_id, now, &reply);
    let id = state
        .stream
        .raise_callback(Some(&said.app), BOT_MESSAGES, data);
    answer(&json!({
        "id": id,
        "msgId": msg_id,
        "conversationId": chat_id,
        "sessionWebhook": reply.url,
        "sessionWebhookExpiredTime": reply.expires_at,
    }))
}
