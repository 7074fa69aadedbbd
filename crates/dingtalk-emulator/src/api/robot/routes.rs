//! The app robot's endpoints. Each checks the body, the token header and the QPS limit first
//! (`v1_app_call`), then `robotCode` (an internal app's robot code is its AppKey), then its
//! own fields; refusals are v1.0 errors, HTTP 400 `{"code","message","requestid"}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::fields::{self, string_list};
use super::store::{Sent, Target};
use crate::api::message::inbox::{Channel, Delivery};
use crate::api::v1_app_call;
use crate::family::v1;
use crate::params::query_param;
use crate::state::AppState;
use crate::sync::lock;

pub const BATCH_SEND: &str = "/v1.0/robot/oToMessages/batchSend";
pub const GROUP_SEND: &str = "/v1.0/robot/groupMessages/send";
pub const BATCH_RECALL: &str = "/v1.0/robot/otoMessages/batchRecall";
pub const GROUP_RECALL: &str = "/v1.0/robot/groupMessages/recall";
pub const READ_STATUS: &str = "/v1.0/robot/oToMessages/readStatus";

/// Users one 1:1 send may name.
pub const MAX_USERS: usize = 20;

type Body = Result<Bytes, BytesRejection>;

/// A v1.0 refusal: HTTP 400 with DingTalk's code.
fn bad(state: &AppState, code: &str, message: &str) -> Box<Response> {
    Box::new(v1::error(state, StatusCode::BAD_REQUEST, code, message))
}

/// `robotCode` must be the calling app's robot: its AppKey.
fn check_robot(
    state: &AppState,
    app: usize,
    robot_code: Option<&str>,
) -> Result<(), Box<Response>> {
    let Some(code) = robot_code.filter(|code| !code.is_empty()) else {
        return Err(Box::new(v1::missing(state, "robotCode")));
    };
    if state.apps.get(app).is_some_and(|(key, _)| key == code) {
        return Ok(());
    }
    if state.apps.iter().any(|(key, _)| key == code) {
        return Err(bad(
            state,
            "invalidParameter.robotCode.auth",
            "This app's appkey does not match the bot's robotCode. Use the appkey of the bot's app.",
        ));
    }
    Err(bad(
        state,
        "invalidParameter.robotCode.notExsit",
        "The robot does not exist.",
    ))
}

/// A checked robot call: the caller's app, the body and, for a group call, the group.
struct RobotCall {
    app: usize,
    body: Map<String, Value>,
    conversation: String,
}

/// What every robot call with a body checks: `v1_app_call`, then `openConversationId` (when
/// `group`), then `robotCode`.
fn robot_call(
    state: &AppState,
    api: &'static str,
    headers: &HeaderMap,
    body: Body,
    group: bool,
) -> Result<RobotCall, Box<Response>> {
    let (app, body) = v1_app_call(state, api, headers, Some(body))?;
    let conversation = if group {
        v1::required_text(state, &body, "openConversationId")?.to_owned()
    } else {
        String::new()
    };
    check_robot(state, app, body.get("robotCode").and_then(Value::as_str))?;
    Ok(RobotCall {
        app,
        body,
        conversation,
    })
}

/// HTTP 200 with `answer` (an object) and the request id.
fn success(state: &AppState, answer: Value) -> Response {
    match answer {
        Value::Object(answer) => v1::ok(state, answer),
        _ => v1::ok(state, Map::new()),
    }
}

/// `msgKey` and `msgParam`, as the one message shape.
fn message(state: &AppState, body: &Map<String, Value>) -> Result<Value, Box<Response>> {
    let key = v1::required_text(state, body, "msgKey")?;
    let Some(param) = body.get("msgParam").filter(|p| !p.is_null()) else {
        return Err(Box::new(v1::missing(state, "msgParam")));
    };
    fields::message(key, param).map_err(|refusal| bad(state, refusal.code, &refusal.message))
}

/// A new `processQueryKey`: 31 unpredictable bytes in base64, like DingTalk's (so it holds
/// `+`, `/` and `=`, which a query string must percent-encode).
fn new_key(state: &AppState) -> String {
    let hex = format!("{}{}", state.ids.token(), state.ids.token());
    let bytes: Vec<u8> = (0..31)
        .filter_map(|i| u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `POST /v1.0/robot/oToMessages/batchSend` `{robotCode, userIds, msgKey, msgParam}`: the
/// message to each user's chat with the robot; `{processQueryKey, invalidStaffIdList,
/// flowControlledStaffIdList}`.
pub async fn batch_send(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let RobotCall { app, body, .. } = or_refuse!(robot_call(
        &state,
        "robot.batchSendOTO",
        &headers,
        body,
        false
    ));
    let users = match body.get("userIds").filter(|v| !v.is_null()) {
        None => return v1::missing(&state, "userIds"),
        Some(list) => match string_list(list) {
            Some(users) => users,
            None => return v1::invalid_parameter(&state, "userIds must be a list of userids"),
        },
    };
    if users.is_empty() {
        return *bad(
            &state,
            "invalidParameter.userIds.empty",
            "The user userId list is empty.",
        );
    }
    if users.len() > MAX_USERS {
        return *bad(
            &state,
            "invalidParameter.userIds.overMax",
            &format!("The user userId list exceeds the maximum limit: at most {MAX_USERS}."),
        );
    }
    let message = or_refuse!(message(&state, &body));
    let key = new_key(&state);
    let (mut invalid, mut flow_controlled, mut delivered) = (vec![], vec![], vec![]);
    // Always the robot store first, then the inbox.
    let mut robot = lock(&state.robot);
    let mut inbox = lock(&state.inbox);
    for user in users {
        if state.users.union_id(&user).is_none() {
            invalid.push(user);
        } else if robot.is_flow_controlled(&user) {
            flow_controlled.push(user);
        } else {
            let mut delivery = Delivery::new(Channel::Robot, message.clone());
            delivery.user = Some(user.clone());
            delivery.process_query_key = Some(key.clone());
            delivered.push((user, inbox.deliver(delivery)));
        }
    }
    drop(inbox);
    let target = Target::Users(delivered);
    robot.add(key.clone(), app, target);
    drop(robot);
    let answer = json!({"processQueryKey": key, "invalidStaffIdList": invalid,
                        "flowControlledStaffIdList": flow_controlled});
    success(&state, answer)
}

/// `POST /v1.0/robot/groupMessages/send` `{openConversationId, robotCode, msgKey, msgParam}`:
/// `{processQueryKey}`.
pub async fn group_send(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let RobotCall {
        app,
        body,
        conversation,
    } = or_refuse!(robot_call(
        &state,
        "robot.orgGroupSend",
        &headers,
        body,
        true
    ));
    let message = or_refuse!(message(&state, &body));
    let mut robot = lock(&state.robot);
    if !robot.has_conversation(&conversation) {
        drop(robot);
        return *bad(
            &state,
            "invalid.openConversationId",
            "无效的openConversationId",
        );
    }
    let key = new_key(&state);
    let mut delivery = Delivery::new(Channel::Robot, message);
    delivery.conversation = Some(conversation.clone());
    delivery.process_query_key = Some(key.clone());
    let inbox_id = lock(&state.inbox).deliver(delivery);
    let target = Target::Group {
        conversation,
        inbox_id,
    };
    robot.add(key.clone(), app, target);
    drop(robot);
    success(&state, json!({ "processQueryKey": key }))
}

/// The recall of `processQueryKeys`: each one that this app's robot sent to `conversation`
/// (`None`: to users) is recalled; `{successResult: [keys], failedResult: {key: reason}}`.
fn recall(
    state: &AppState,
    app: usize,
    body: &Map<String, Value>,
    conversation: Option<&str>,
) -> Response {
    let keys = match body.get("processQueryKeys").filter(|v| !v.is_null()) {
        None => return v1::missing(state, "processQueryKeys"),
        Some(keys) => match string_list(keys) {
            Some(keys) if !keys.is_empty() => keys,
            _ => {
                return v1::invalid_parameter(
                    state,
                    "processQueryKeys must be a non-empty list of keys",
                )
            }
        },
    };
    let (mut succeeded, mut failed, mut inbox_ids) = (vec![], Map::new(), vec![]);
    let mut robot = lock(&state.robot);
    for key in keys {
        let sent = robot
            .find_mut(app, &key)
            .filter(|sent| match (&sent.target, conversation) {
                (Target::Users(_), None) => true,
                (
                    Target::Group {
                        conversation: to, ..
                    },
                    Some(wanted),
                ) => to == wanted,
                _ => false,
            });
        let Some(sent) = sent else {
            failed.insert(key, Value::String("processQueryKey not found".to_owned()));
            continue;
        };
        sent.recalled = true;
        match &sent.target {
            Target::Users(users) => inbox_ids.extend(users.iter().map(|(_, id)| *id)),
            Target::Group { inbox_id, .. } => inbox_ids.push(*inbox_id),
        }
        succeeded.push(key);
    }
    drop(robot);
    lock(&state.inbox).recall(&inbox_ids);
    let answer = json!({"successResult": succeeded, "failedResult": failed});
    success(state, answer)
}

/// `POST /v1.0/robot/otoMessages/batchRecall` `{robotCode, processQueryKeys}`.
pub async fn batch_recall(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let call = or_refuse!(robot_call(
        &state,
        "robot.batchRecallOTO",
        &headers,
        body,
        false
    ));
    recall(&state, call.app, &call.body, None)
}

/// `POST /v1.0/robot/groupMessages/recall` `{openConversationId, robotCode, processQueryKeys}`.
pub async fn group_recall(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let call = or_refuse!(robot_call(
        &state,
        "robot.orgGroupRecall",
        &headers,
        body,
        true
    ));
    recall(&state, call.app, &call.body, Some(&call.conversation))
}

/// `GET /v1.0/robot/oToMessages/readStatus?robotCode=&processQueryKey=`: `{sendStatus,
/// messageReadInfoList: [{name, userId, readStatus, readTimestamp}]}` of a 1:1 message.
pub async fn read_status(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (app, _) = or_refuse!(v1_app_call(&state, "robot.batchOTOQuery", &headers, None));
    let query = query.as_deref();
    or_refuse!(check_robot(
        &state,
        app,
        query_param(query, "robotCode").as_deref()
    ));
    let Some(key) = query_param(query, "processQueryKey") else {
        return v1::missing(&state, "processQueryKey");
    };
    let sent = lock(&state.robot)
        .find_mut(app, &key)
        .map(|sent| sent.clone());
    let Some(Sent {
        target: Target::Users(users),
        recalled,
        ..
    }) = sent
    else {
        return *bad(&state, "invalid.processQueryKey", "无效的processQueryKey");
    };
    let inbox = lock(&state.inbox);
    let list: Vec<Value> = users
        .iter()
        .map(|(user, id)| {
            let read_at = inbox.seen(*id).and_then(|seen| seen.read_at);
            json!({"name": user, "userId": user,
                   "readStatus": if read_at.is_some() { "READ" } else { "UNREAD" },
                   "readTimestamp": read_at.unwrap_or(0)})
        })
        .collect();
    drop(inbox);
    let status = if recalled { "RECALLED" } else { "SUCCESS" };
    let answer = json!({"sendStatus": status, "messageReadInfoList": list});
    success(&state, answer)
}
