//! The messages a test looks at and the parties it sets up: `/_emulator/messages` (the inbox,
//! and marking entries read), `/_emulator/webhooks` (group webhook robots),
//! `/_emulator/conversations` (groups the app robot is in) and
//! `/_emulator/robot/flow-controlled` (users DingTalk reports flow-controlled).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::{answer, body_object, refuse};
use crate::api::message::inbox::{Channel, Filter};
use crate::api::robot::fields::string_list;
use crate::api::webhook::routes::SEND;
use crate::api::webhook::store::{NewRobot, MAX_KEYWORDS};
use crate::state::AppState;
use crate::sync::lock;

/// `GET /_emulator/messages[?user=&conversation=&webhook=&channel=]`: `{"messages": [...]}`,
/// oldest first; every filter given must match.
pub async fn messages(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let mut filter = Filter::default();
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "user" => filter.user = Some(value),
            "conversation" => filter.conversation = Some(value),
            "webhook" => filter.webhook = Some(value),
            "channel" => match Channel::parse(&value) {
                Some(channel) => filter.channel = Some(channel),
                None => {
                    return refuse("channel must be work_notice, webhook, robot or session_webhook")
                }
            },
            other => {
                return refuse(&format!(
                    "unknown filter {other:?} (known: user, conversation, webhook, channel)"
                ))
            }
        }
    }
    answer(&json!({ "messages": lock(&state.inbox).list(&filter) }))
}

/// `POST /_emulator/messages/read` `{"ids": [1, 2]}`: those entries are read by their
/// recipient now (as DingTalk's read reports then show); `{"unknown": [ids not kept]}`.
pub async fn read(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["ids"]));
    let ids: Option<Vec<u64>> = object
        .get("ids")
        .and_then(Value::as_array)
        .and_then(|ids| ids.iter().map(Value::as_u64).collect());
    let Some(ids) = ids else {
        return refuse("ids must be a list of inbox entry ids");
    };
    let unknown = lock(&state.inbox).mark_read(&ids);
    answer(&json!({ "unknown": unknown }))
}

/// The URL a robot is reached at, through the address the test used.
fn webhook_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("{}://{host}{SEND}?access_token={token}", state.scheme)
}

/// `secret`: `true` makes one (`SEC` and 64 hex digits, like DingTalk's), a string is used as
/// it is, `false` or absent: none.
fn secret(state: &AppState, object: &Map<String, Value>) -> Result<Option<String>, Box<Response>> {
    match object.get("secret") {
        None | Some(Value::Null | Value::Bool(false)) => Ok(None),
        Some(Value::Bool(true)) => Ok(Some(format!(
            "SEC{}{}",
            state.ids.token(),
            state.ids.token()
        ))),
        Some(Value::String(secret)) if !secret.is_empty() => Ok(Some(secret.clone())),
        Some(_) => Err(Box::new(refuse(
            "secret must be true, false or a non-empty string",
        ))),
    }
}

/// `POST /_emulator/webhooks` `{"secret"?, "keywords"?, "name"?}`: a new group webhook robot;
/// `{"name", "access_token", "secret", "url"}`.
pub async fn create_webhook(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["secret", "keywords", "name"]));
    let secret = or_refuse!(secret(&state, &object));
    let keywords = match object.get("keywords") {
        None | Some(Value::Null) => Vec::new(),
        Some(list) => match string_list(list) {
            Some(words) if words.len() <= MAX_KEYWORDS => words,
            _ => return refuse("keywords must be a list of at most 10 non-empty strings"),
        },
    };
    let name = match object.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if !name.is_empty() => Some(name.clone()),
        Some(_) => return refuse("name must be a non-empty string"),
    };
    // 64 hex digits, like DingTalk's webhook tokens.
    let token = format!("{}{}", state.ids.token(), state.ids.token());
    let new = NewRobot {
        name,
        token: token.clone(),
        secret: secret.clone(),
        keywords,
    };
    let name = match lock(&state.webhooks).create(new) {
        Ok(robot) => robot.name.clone(),
        Err(message) => return refuse(&message),
    };
    answer(
        &json!({"name": name, "access_token": token, "secret": secret,
                   "url": webhook_url(&state, &headers, &token)}),
    )
}

/// `GET /_emulator/webhooks`: every robot, its settings, `url`, and how many messages it
/// delivered, how many it refused with 130101, and whether it is muted now.
pub async fn webhooks(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let now = Instant::now();
    let list: Vec<Value> = lock(&state.webhooks)
        .robots()
        .iter()
        .map(|robot| {
            let mut shown = robot.to_json(now);
            shown["url"] = Value::String(webhook_url(&state, &headers, &robot.token));
            shown
        })
        .collect();
    answer(&json!({ "webhooks": list }))
}

/// `POST /_emulator/conversations` `{"title"?, "members"?}`: a group every app's robot is in;
/// `{"openConversationId": "cid..."}`.
pub async fn create_conversation(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["title", "members"]));
    let title = match object.get("title") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(title)) => title.clone(),
        Some(_) => return refuse("title must be a string"),
    };
    let members = match object.get("members") {
        None | Some(Value::Null) => Vec::new(),
        Some(list) => match string_list(list) {
            Some(members) => members,
            None => return refuse("members must be a list of userids"),
        },
    };
    let token = state.ids.token();
    let id = format!("cid{}==", token.get(..22).unwrap_or(&token));
    lock(&state.robot).add_conversation(id.clone(), title, members);
    answer(&json!({ "openConversationId": id }))
}

/// `GET /_emulator/conversations`: every group, `{"openConversationId", "title", "members"}`.
pub async fn conversations(State(state): State<Arc<AppState>>) -> Response {
    answer(&json!({ "conversations": lock(&state.robot).conversations() }))
}

/// `POST /_emulator/robot/flow-controlled` `{"users": [...]}`: from now on (until reset), the
/// app robot's 1:1 messages to these users are not delivered and are reported in
/// `flowControlledStaffIdList`.
pub async fn flow_controlled(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(body, &["users"]));
    let Some(users) = object.get("users").and_then(string_list) else {
        return refuse("users must be a list of userids");
    };
    lock(&state.robot).flow_control(users);
    super::ok()
}
