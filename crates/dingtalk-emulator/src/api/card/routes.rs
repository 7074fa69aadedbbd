//! The card endpoints. Each checks the body, the token header and the QPS limit first
//! (`v1_app_call`), then its fields; refusals are v1.0 errors, HTTP 400
//! `{"code","message","requestid"}`. Answers are DingTalk's `{"success": true, "result": ...}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::fields::{self, Refusal};
use super::store::Refused;
use crate::api::v1_app_call;
use crate::family::v1;
use crate::state::AppState;
use crate::sync::lock;

pub const CREATE_AND_DELIVER: &str = "/v1.0/card/instances/createAndDeliver";
pub const STREAMING: &str = "/v1.0/card/streaming";
pub const INSTANCES: &str = "/v1.0/card/instances";

type Body = Result<Bytes, BytesRejection>;

/// The answer that refuses a body.
fn refused(state: &AppState, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Missing(name) => v1::missing(state, name),
        Refusal::Invalid(message) => v1::invalid_parameter(state, &message),
    }
}

/// The answer that refuses a call on a card.
fn refused_card(state: &AppState, id: &str, refused: &Refused) -> Response {
    let message = match refused {
        Refused::Unknown => format!("outTrackId {id:?}: no card of this app has it"),
        Refused::Taken => format!("outTrackId {id:?} is already another card's"),
    };
    v1::error(state, StatusCode::BAD_REQUEST, "InvalidParameter", &message)
}

/// `{"success": true, "result": result}` with the request id.
fn success(state: &AppState, result: Value) -> Response {
    let mut body = Map::new();
    body.insert("success".to_owned(), Value::Bool(true));
    body.insert("result".to_owned(), result);
    v1::ok(state, body)
}

/// `POST /v1.0/card/instances/createAndDeliver`: the card is kept and delivered to each space
/// of `openSpaceId`; `result.deliverResults` says for each whether it got there (a group the
/// robot is not in does not).
pub async fn create_and_deliver(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (app, body) = or_refuse!(v1_app_call(
        &state,
        "card.createAndDeliver",
        &headers,
        Some(body)
    ));
    let new = match fields::new_card(&body) {
        Ok(new) => new,
        Err(refusal) => return refused(&state, refusal),
    };
    let key = state.app_key(app).to_owned();
    let id = new.out_track_id.clone();
    let spaces = new.spaces.clone();
    if let Err(refused) = lock(&state.cards).create(&key, new) {
        return refused_card(&state, &id, &refused);
    }
    let robot = lock(&state.robot);
    let results: Vec<Value> = spaces
        .iter()
        .map(|space| {
            let reached = space.kind != "IM_GROUP" || robot.has_conversation(&space.id);
            let mut result =
                json!({"spaceType": space.kind, "spaceId": space.id, "success": reached});
            if reached {
                result["carrierId"] = json!(state.ids.token());
            } else {
                result["errorMsg"] = json!("the robot is not in this group");
            }
            result
        })
        .collect();
    drop(robot);
    success(&state, json!({"outTrackId": id, "deliverResults": results}))
}

/// `PUT /v1.0/card/streaming`: `content` into the card's `key`, appended (`isFull` false) or
/// in place; each `guid` is applied once.
pub async fn streaming(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (app, body) = or_refuse!(v1_app_call(&state, "card.streaming", &headers, Some(body)));
    let update = match fields::stream_update(&body) {
        Ok(update) => update,
        Err(refusal) => return refused(&state, refusal),
    };
    let key = state.app_key(app);
    let streamed = lock(&state.cards).stream(key, &update);
    match streamed {
        Ok(_) => success(&state, Value::Bool(true)),
        Err(refused) => refused_card(&state, &update.out_track_id, &refused),
    }
}

/// `PUT /v1.0/card/instances` `{outTrackId, cardData, privateData, cardUpdateOptions}`: the
/// card's data replaced, or merged key by key with `cardUpdateOptions.updateCardDataByKey`.
pub async fn update(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (app, body) = or_refuse!(v1_app_call(&state, "card.updateCard", &headers, Some(body)));
    let id = or_refuse!(v1::required_text(&state, &body, "outTrackId")).to_owned();
    let update = match fields::data_update(&body) {
        Ok(update) => update,
        Err(refusal) => return refused(&state, refusal),
    };
    let key = state.app_key(app);
    let updated = lock(&state.cards).update(key, &id, &update);
    match updated {
        Ok(()) => success(&state, Value::Bool(true)),
        Err(refused) => refused_card(&state, &id, &refused),
    }
}
