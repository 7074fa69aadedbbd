//! `/_emulator/cards`: what each card shows now, and a user pressing one of its buttons (a card
//! callback, delivered over Stream mode only for a card created with `callbackType` `STREAM`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::{answer, body_object, refuse};
use crate::api::card::store::Action;
use crate::params::query_param;
use crate::push::CORP_ID;
use crate::state::AppState;
use crate::stream::topics::CARD_CALLBACKS;
use crate::sync::lock;

/// `GET /_emulator/cards[?outTrackId=]`: every card (or that one), oldest first, with its data
/// now (`cardParamMap`), what was streamed into each key, and the actions users took.
pub async fn cards(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let id = query_param(query.as_deref(), "outTrackId");
    answer(&json!({ "cards": lock(&state.cards).to_json(id.as_deref()) }))
}

/// The callback's `data`, as DingTalk's card callbacks carry it (the official Python SDK's
/// `CardCallbackMessage`): `content` and `extension` are JSON texts.
fn callback_data(
    card: &Value,
    user: &str,
    action: Option<&str>,
    params: &Map<String, Value>,
) -> Map<String, Value> {
    let action_ids: Vec<&str> = action.into_iter().collect();
    let content = json!({"cardPrivateData": {"actionIds": action_ids, "params": params}});
    let space = &card["spaces"][0];
    let data = json!({
        "outTrackId": card["outTrackId"],
        "corpId": CORP_ID,
        "userId": user,
        "userIdType": 1,
        "type": "actionCallback",
        "spaceType": space["spaceType"],
        "spaceId": space["spaceId"],
        "content": content.to_string(),
        "extension": "{}",
    });
    match data {
        Value::Object(data) => data,
        _ => Map::new(),
    }
}

/// `POST /_emulator/cards/callback` `{"outTrackId", "user", "action"?, "params"?}`: `user`
/// presses a button of the card (`action`, with the form's `params`). For a card created with
/// `callbackType` `STREAM` the callback goes over one of the card's app's Stream connections
/// subscribed to `/v1.0/card/instances/callback`, and an answer's `response`
/// (`{"cardData": {"cardParamMap": ...}, ...}`) updates the card. Answers
/// `{"delivered": bool, "id": <the Stream log id, or null>}`.
pub async fn callback(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = or_refuse!(body_object(
        body,
        &["outTrackId", "user", "action", "params"]
    ));
    let (Some(Value::String(id)), Some(Value::String(user))) =
        (object.get("outTrackId"), object.get("user"))
    else {
        return refuse("outTrackId and user must be strings");
    };
    let action = match object.get("action") {
        None | Some(Value::Null) => None,
        Some(Value::String(action)) => Some(action.as_str()),
        Some(_) => return refuse("action must be a string"),
    };
    let params = match object.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(params)) => params.clone(),
        Some(_) => return refuse("params must be an object"),
    };
    let (shown, app, streams) = {
        let cards = lock(&state.cards);
        let Some(card) = cards.get(id) else {
            return refuse(&format!("no card {id:?}"));
        };
        (card.to_json(), card.app.clone(), card.streams_callbacks())
    };
    let callback = streams.then(|| {
        let data = callback_data(&shown, user, action, &params);
        state
            .stream
            .raise_callback(Some(&app), CARD_CALLBACKS, data)
    });
    let acted = Action {
        user: user.clone(),
        action: action.map(str::to_owned),
        callback: callback.clone(),
    };
    lock(&state.cards).acted(id, acted);
    answer(&json!({ "delivered": callback.is_some(), "id": callback }))
}
