//! The work-notice endpoints: `POST /topapi/message/corpconversation/{asyncsend_v2,
//! getsendprogress,getsendresult,recall}?access_token=`. Each checks the body, the token, the
//! QPS limit and the fields first (`oapi_app_call`), then the `agent_id`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::fields::{self, SendRequest};
use super::store::{Recipient, Task};
use crate::api::message::inbox::{Channel, Delivery};
use crate::api::oapi_app_call;
use crate::clock::now_millis;
use crate::family::{json, oapi};
use crate::state::AppState;
use crate::sync::lock;

pub const SEND: &str = "/topapi/message/corpconversation/asyncsend_v2";
pub const PROGRESS: &str = "/topapi/message/corpconversation/getsendprogress";
pub const RESULT: &str = "/topapi/message/corpconversation/getsendresult";
pub const RECALL: &str = "/topapi/message/corpconversation/recall";

/// errcode of an `agent_id` that is not the app's.
const INVALID_AGENT: i64 = 40056;
/// errcode of a send that names no recipient ("接受者为空").
const NO_RECIPIENT: i64 = 1_430_000;

type Body = Result<Bytes, BytesRejection>;

/// An oapi success: `fields` plus `errcode` 0, `errmsg` "ok" and the request id.
fn success(state: &AppState, fields: Value) -> Response {
    let mut body = json!({"errcode": 0, "errmsg": "ok"});
    if let (Some(body), Value::Object(fields)) = (body.as_object_mut(), fields) {
        body.extend(fields);
        body.insert(
            "request_id".to_owned(),
            Value::String(state.ids.request_id()),
        );
    }
    json(StatusCode::OK, body.to_string())
}

/// The app's `agent_id`, when the emulator was given one (`--agent`), must be the one sent.
fn check_agent(state: &AppState, app: usize, agent_id: i64) -> Result<(), Box<Response>> {
    match state.agent_id(app) {
        Some(expected) if expected != agent_id => Err(Box::new(oapi::error(
            state,
            INVALID_AGENT,
            "不合法的agentid: agent_id is not this app's",
        ))),
        _ => Ok(()),
    }
}

/// `POST .../asyncsend_v2`: delivers `msg` to each existing user at once (a task that is
/// finished as soon as it is answered), dropping what DingTalk drops; `{"task_id": N}`.
pub async fn send(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let (app, request) = or_refuse!(oapi_app_call(
        &state,
        SEND,
        query.as_deref(),
        body,
        fields::send_request
    ));
    or_refuse!(check_agent(&state, app, request.agent_id));
    if request.users.is_empty() && request.depts.is_empty() && !request.to_all {
        return oapi::error(
            &state,
            NO_RECIPIENT,
            "接受者为空: give userid_list, dept_id_list or to_all_user",
        );
    }
    let task_id = deliver(&state, app, request);
    success(&state, json!({ "task_id": task_id }))
}

/// Stores the task and records a delivery per user in the inbox; the task id.
fn deliver(state: &AppState, app: usize, request: SendRequest) -> u64 {
    let SendRequest {
        agent_id,
        users,
        depts,
        to_all,
        message,
    } = request;
    let (mut users, invalid_users): (Vec<String>, Vec<String>) = users
        .into_iter()
        .partition(|user| state.users.union_id(user).is_some());
    if to_all {
        for user in state.users.configured() {
            if !users.contains(&user) {
                users.push(user);
            }
        }
    }
    let now = now_millis();
    // Always the notices first, then the inbox: the one order every caller takes them in.
    let mut notices = lock(&state.notices);
    let task_id = notices.new_task_id();
    let mut inbox = lock(&state.inbox);
    let recipients = users
        .into_iter()
        .map(|user| {
            let forbidden = notices.admit(app, &user, &message, now);
            let mut delivery = Delivery::new(Channel::WorkNotice, message.clone());
            delivery.user = Some(user.clone());
            delivery.task_id = Some(task_id);
            delivery.dropped = forbidden.is_some();
            Recipient {
                user,
                inbox_id: inbox.deliver(delivery),
                forbidden,
            }
        })
        .collect();
    notices.add(
        task_id,
        Task {
            app,
            agent_id,
            created_ms: now,
            recipients,
            invalid_users,
            // The emulator knows no departments.
            invalid_depts: depts,
            recalled: false,
        },
    );
    task_id
}

/// What the task calls check: `oapi_app_call` with `{agent_id, <task_field>}`, the
/// `agent_id`, then the task, of the caller's app and agent, in the last 24 hours, which `f`
/// is given; errcode 40035 naming `task_field` when there is none.
fn with_task<T>(
    state: &AppState,
    api: &'static str,
    query: Option<&str>,
    body: Body,
    task_field: &str,
    f: impl FnOnce(&mut Task) -> T,
) -> Result<T, Box<Response>> {
    let (app, task) = oapi_app_call(state, api, query, body, |o| {
        fields::task_query(o, task_field)
    })?;
    check_agent(state, app, task.agent_id)?;
    let mut notices = lock(&state.notices);
    match notices.find_mut(app, task.agent_id, task.task_id, now_millis()) {
        Some(task) => Ok(f(task)),
        None => Err(Box::new(oapi::error(
            state,
            oapi::INVALID_PARAMETER,
            &format!(
                "invalid parameter {task_field}: no task with this id sent by this agent_id in the last 24 hours"
            ),
        ))),
    }
}

/// `POST .../getsendprogress`: the task is done as soon as it is sent.
pub async fn progress(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let query = query.as_deref();
    or_refuse!(with_task(&state, PROGRESS, query, body, "task_id", |_| ()));
    success(
        &state,
        json!({"progress": {"progress_in_percent": 100, "status": 2}}),
    )
}

/// `POST .../getsendresult`: who got the notice, read it, or was dropped.
pub async fn result(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let task = or_refuse!(with_task(
        &state,
        RESULT,
        query.as_deref(),
        body,
        "task_id",
        |task| task.clone()
    ));
    success(&state, json!({ "send_result": send_result(&state, &task) }))
}

/// `send_result` of `getsendresult`: every list DingTalk names, empty ones included.
fn send_result(state: &AppState, task: &Task) -> Value {
    let inbox = lock(&state.inbox);
    let (mut read, mut unread, mut forbidden, mut forbidden_list) =
        (vec![], vec![], vec![], vec![]);
    for recipient in &task.recipients {
        if let Some(reason) = recipient.forbidden {
            forbidden.push(recipient.user.clone());
            forbidden_list.push(
                json!({"code": reason.code, "count": reason.count, "userid": recipient.user}),
            );
            continue;
        }
        let seen = inbox.seen(recipient.inbox_id);
        if seen.is_some_and(|seen| seen.read_at.is_some()) {
            read.push(recipient.user.clone());
        } else {
            unread.push(recipient.user.clone());
        }
    }
    json!({
        "invalid_user_id_list": task.invalid_users,
        "forbidden_user_id_list": forbidden,
        "failed_user_id_list": [],
        "read_user_id_list": read,
        "unread_user_id_list": unread,
        "invalid_dept_id_list": task.invalid_depts,
        "forbidden_list": forbidden_list,
    })
}

/// `POST .../recall` with `{agent_id, msg_task_id}`: the notice disappears for every recipient.
pub async fn recall(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let ids: Vec<u64> = or_refuse!(with_task(
        &state,
        RECALL,
        query.as_deref(),
        body,
        "msg_task_id",
        |task| {
            task.recalled = true;
            task.recipients.iter().map(|r| r.inbox_id).collect()
        }
    ));
    lock(&state.inbox).recall(&ids);
    success(&state, json!({}))
}
