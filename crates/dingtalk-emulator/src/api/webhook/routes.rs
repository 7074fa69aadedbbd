//! `POST /robot/send?access_token=T[&timestamp=&sign=]`: a webhook robot's message to its
//! group. Checked in this order: the body could be read, the token, the signature (for a robot
//! with a secret), the message, the keywords, then the flow control; answers are HTTP 200 with
//! `{"errcode", "errmsg"}`, as DingTalk's.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::fields::{self, Refusal, WebhookMessage};
use super::sign;
use crate::api::message::inbox::{Channel, Delivery};
use crate::api::message::shape::all_text;
use crate::clock::now_millis;
use crate::family::{json, oapi};
use crate::params::query_param;
use crate::state::AppState;
use crate::sync::lock;

pub const SEND: &str = "/robot/send";

/// A token no robot has.
const TOKEN_NOT_EXIST: i64 = 300_001;
/// A bad signature or timestamp, or no keyword in the message.
const SECURITY: i64 = 310_000;
/// Over the robot's messages a minute, or muted for having been.
const SEND_TOO_FAST: i64 = 130_101;
/// A `msgtype` a webhook cannot send.
const UNSUPPORTED_TYPE: i64 = 400_105;

/// A webhook answer, without a request id (DingTalk's webhook sends none).
fn answer(errcode: i64, errmsg: &str) -> Response {
    json(
        StatusCode::OK,
        json!({"errcode": errcode, "errmsg": errmsg}).to_string(),
    )
}

/// A refused message: DingTalk's errcode and errmsg.
struct Refused(i64, String);

fn refused(errcode: i64, errmsg: &str) -> Refused {
    Refused(errcode, errmsg.to_owned())
}

/// What a robot's checks found: the robot's name and the message, or the refusal.
fn checked(
    state: &AppState,
    query: Option<&str>,
    body: &[u8],
) -> Result<(String, WebhookMessage), Refused> {
    let Some(token) = query_param(query, "access_token") else {
        return Err(refused(oapi::INVALID_PARAMETER, "缺少参数 access_token"));
    };
    let mut robots = lock(&state.webhooks);
    let Some(robot) = robots.by_token_mut(&token) else {
        return Err(refused(TOKEN_NOT_EXIST, "token is not exist"));
    };
    if let Some(secret) = &robot.secret {
        let timestamp = query_param(query, "timestamp");
        let signature = query_param(query, "sign");
        sign::check(
            secret,
            timestamp.as_deref(),
            signature.as_deref(),
            now_millis(),
        )
        .map_err(|refusal| refused(SECURITY, refusal.errmsg()))?;
    }
    let object = crate::params::json_object(body)
        .map_err(|message| refused(oapi::INVALID_PARAMETER, &message))?;
    let message = fields::webhook_message(&object).map_err(|refusal| match refusal {
        Refusal::UnsupportedType(kind) => refused(
            UNSUPPORTED_TYPE,
            &format!(
                "不支持的消息类型: msgtype {kind:?} is none of {}",
                fields::TYPES.join(", ")
            ),
        ),
        Refusal::Invalid(message) => refused(oapi::INVALID_PARAMETER, &message),
    })?;
    if !robot.has_keyword(&all_text(&message.message)) {
        return Err(refused(SECURITY, "keywords not in content"));
    }
    if !robot.admit(Instant::now(), state.webhook_limits) {
        state.stats.count_webhook_throttled();
        return Err(refused(
            SEND_TOO_FAST,
            &format!(
                "send too fast, exceed {} times per minute",
                state.webhook_limits.per_window
            ),
        ));
    }
    Ok((robot.name.clone(), message))
}

/// `POST /robot/send`: the message goes to the robot's group.
pub async fn send(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return oapi::body_rejection(&state, &rejection),
    };
    let (name, WebhookMessage { message, at }) = match checked(&state, query.as_deref(), &body) {
        Ok(checked) => checked,
        Err(Refused(errcode, errmsg)) => return answer(errcode, &errmsg),
    };
    let mut delivery = Delivery::new(Channel::Webhook, message);
    delivery.webhook = Some(name);
    delivery.at = at;
    lock(&state.inbox).deliver(delivery);
    answer(0, "ok")
}
