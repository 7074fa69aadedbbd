//! The bodies of the card calls, checked, with the field names of DingTalk's card API (the
//! `card_1_0` models of its official SDKs): `createAndDeliver` (`cardTemplateId`, `outTrackId`,
//! `openSpaceId`, `cardData.cardParamMap` required; `callbackType`, `callbackRouteKey`,
//! `privateData` and one deliver model per space type), `streaming` (`outTrackId`, `guid`,
//! `key`, `content` required; `isFull`, `isFinalize`, `isError`) and the update of a card's data
//! (`outTrackId`, `cardData`, `privateData`, `cardUpdateOptions`), which a card callback's
//! answer uses too.

use serde_json::{Map, Value};

/// Why a body was refused: a required field absent (`Missing<name>`), or any other mistake
/// (`InvalidParameter`, the message naming the field).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing(&'static str),
    Invalid(String),
}

/// One space a card is delivered to: `IM_ROBOT` (a user's chat with the robot) or `IM_GROUP`
/// (a group), and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub kind: String,
    pub id: String,
}

/// A checked `createAndDeliver` body.
#[derive(Debug, Clone)]
pub struct NewCard {
    pub template_id: String,
    pub out_track_id: String,
    pub spaces: Vec<Space>,
    pub card_data: Map<String, Value>,
    pub private_data: Map<String, Value>,
    pub callback_type: Option<String>,
    pub callback_route_key: Option<String>,
}

/// A checked `streaming` body.
#[derive(Debug, Clone)]
pub struct StreamUpdate {
    pub out_track_id: String,
    pub guid: String,
    pub key: String,
    pub content: String,
    pub is_full: bool,
    pub is_finalize: bool,
    pub is_error: bool,
}

/// A checked update of a card's data (`PUT /v1.0/card/instances`, or a callback's answer).
#[derive(Debug, Clone, Default)]
pub struct DataUpdate {
    pub card_data: Option<Map<String, Value>>,
    pub private_data: Option<Map<String, Value>>,
    /// `cardUpdateOptions.updateCardDataByKey`: merge by key instead of replacing.
    pub card_data_by_key: bool,
    pub private_data_by_key: bool,
}

fn required_text(body: &Map<String, Value>, name: &'static str) -> Result<String, Refusal> {
    match body.get(name) {
        None | Some(Value::Null) => Err(Refusal::Missing(name)),
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        Some(_) => Err(Refusal::Invalid(format!(
            "{name} must be a non-empty string"
        ))),
    }
}

fn optional_text(body: &Map<String, Value>, name: &str) -> Result<Option<String>, Refusal> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(Refusal::Invalid(format!("{name} must be a string"))),
    }
}

fn flag(body: &Map<String, Value>, path: &str, name: &str) -> Result<bool, Refusal> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(on)) => Ok(*on),
        Some(_) => Err(Refusal::Invalid(format!(
            "{path}{name} must be true or false"
        ))),
    }
}

fn object<'a>(
    body: &'a Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<Option<&'a Map<String, Value>>, Refusal> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err(Refusal::Invalid(format!("{path}{name} must be an object"))),
    }
}

/// `cardData.cardParamMap` (or `{}`): values are strings in DingTalk's models; numbers and
/// booleans are taken as they are (the official Python SDK sends its AI card status as a
/// number), objects and lists are refused.
fn param_map(card_data: &Map<String, Value>, path: &str) -> Result<Map<String, Value>, Refusal> {
    let Some(params) = object(card_data, path, "cardParamMap")? else {
        return Ok(Map::new());
    };
    if let Some((key, _)) = params.iter().find(|(_, v)| v.is_object() || v.is_array()) {
        return Err(Refusal::Invalid(format!(
            "{path}cardParamMap.{key} must be a string"
        )));
    }
    Ok(params.clone())
}

/// `openSpaceId`: `dtv1.card//` then `TYPE.ID` parts joined by `;` (types in any case:
/// DingTalk's page writes `im_group.`, its Python SDK `IM_GROUP.`). Only `IM_ROBOT` and
/// `IM_GROUP` are served.
pub fn spaces(open_space_id: &str) -> Result<Vec<Space>, Refusal> {
    let invalid = || {
        Refusal::Invalid(format!(
            "openSpaceId {open_space_id:?} must be dtv1.card//IM_ROBOT.userId or dtv1.card//IM_GROUP.openConversationId"
        ))
    };
    let parts = open_space_id
        .strip_prefix("dtv1.card//")
        .ok_or_else(invalid)?;
    let spaces: Vec<Space> = parts
        .split(';')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (kind, id) = part.split_once('.').ok_or_else(invalid)?;
            let kind = kind.to_ascii_uppercase();
            if !matches!(kind.as_str(), "IM_ROBOT" | "IM_GROUP") || id.is_empty() {
                return Err(invalid());
            }
            Ok(Space {
                kind,
                id: id.to_owned(),
            })
        })
        .collect::<Result<_, _>>()?;
    if spaces.is_empty() {
        return Err(invalid());
    }
    Ok(spaces)
}

/// Each space type needs its deliver model: `imRobotOpenDeliverModel.spaceType` for IM_ROBOT,
/// `imGroupOpenDeliverModel.robotCode` for IM_GROUP.
fn check_deliver_models(body: &Map<String, Value>, spaces: &[Space]) -> Result<(), Refusal> {
    for (kind, model, field) in [
        ("IM_ROBOT", "imRobotOpenDeliverModel", "spaceType"),
        ("IM_GROUP", "imGroupOpenDeliverModel", "robotCode"),
    ] {
        if !spaces.iter().any(|s| s.kind == kind) {
            continue;
        }
        let given = object(body, "", model)?
            .and_then(|m| m.get(field))
            .and_then(Value::as_str);
        if given.is_none_or(str::is_empty) {
            return Err(Refusal::Invalid(format!(
                "{model}.{field} is required to deliver to {kind}"
            )));
        }
    }
    Ok(())
}

/// The body of `POST /v1.0/card/instances/createAndDeliver`.
pub fn new_card(body: &Map<String, Value>) -> Result<NewCard, Refusal> {
    let template_id = required_text(body, "cardTemplateId")?;
    let out_track_id = required_text(body, "outTrackId")?;
    let open_space_id = required_text(body, "openSpaceId")?;
    let Some(card_data) = object(body, "", "cardData")? else {
        return Err(Refusal::Missing("cardData"));
    };
    let spaces = spaces(&open_space_id)?;
    check_deliver_models(body, &spaces)?;
    Ok(NewCard {
        template_id,
        out_track_id,
        spaces,
        card_data: param_map(card_data, "cardData.")?,
        private_data: object(body, "", "privateData")?
            .cloned()
            .unwrap_or_default(),
        callback_type: optional_text(body, "callbackType")?,
        callback_route_key: optional_text(body, "callbackRouteKey")?,
    })
}

/// The body of `PUT /v1.0/card/streaming`.
pub fn stream_update(body: &Map<String, Value>) -> Result<StreamUpdate, Refusal> {
    let content = match body.get("content") {
        None | Some(Value::Null) => return Err(Refusal::Missing("content")),
        Some(Value::String(content)) => content.clone(),
        Some(_) => return Err(Refusal::Invalid("content must be a string".to_owned())),
    };
    Ok(StreamUpdate {
        out_track_id: required_text(body, "outTrackId")?,
        guid: required_text(body, "guid")?,
        key: required_text(body, "key")?,
        content,
        is_full: flag(body, "", "isFull")?,
        is_finalize: flag(body, "", "isFinalize")?,
        is_error: flag(body, "", "isError")?,
    })
}

/// An update of a card's data: the body of `PUT /v1.0/card/instances`, or the `response` of a
/// card callback's answer.
pub fn data_update(body: &Map<String, Value>) -> Result<DataUpdate, Refusal> {
    let card_data = match object(body, "", "cardData")? {
        Some(card_data) => Some(param_map(card_data, "cardData.")?),
        None => None,
    };
    let options = object(body, "", "cardUpdateOptions")?;
    let by_key = |name| options.map_or(Ok(false), |o| flag(o, "cardUpdateOptions.", name));
    Ok(DataUpdate {
        card_data,
        private_data: object(body, "", "privateData")?.cloned(),
        card_data_by_key: by_key("updateCardDataByKey")?,
        private_data_by_key: by_key("updatePrivateDataByKey")?,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn open_space_ids_in_either_case_and_several_at_once() {
        let parsed = spaces("dtv1.card//im_group.cid1;IM_ROBOT.ann;").unwrap();
        assert_eq!(
            parsed,
            [
                Space {
                    kind: "IM_GROUP".into(),
                    id: "cid1".into()
                },
                Space {
                    kind: "IM_ROBOT".into(),
                    id: "ann".into()
                }
            ]
        );
        for bad in [
            "IM_ROBOT.ann",
            "dtv1.card//",
            "dtv1.card//ONE_BOX.x",
            "dtv1.card//IM_ROBOT.",
        ] {
            assert!(matches!(spaces(bad), Err(Refusal::Invalid(_))), "{bad}");
        }
    }

    #[test]
    fn a_card_needs_its_ids_its_data_and_a_deliver_model_per_space() {
        let good = json!({"cardTemplateId": "t", "outTrackId": "o", "openSpaceId": "dtv1.card//IM_ROBOT.ann",
                          "cardData": {"cardParamMap": {"markdown": "hi", "flowStatus": 1}},
                          "imRobotOpenDeliverModel": {"spaceType": "IM_ROBOT"}, "callbackType": "STREAM"});
        let card = new_card(&body(good.clone())).unwrap();
        assert_eq!(card.card_data["flowStatus"], 1);
        assert_eq!(card.callback_type.as_deref(), Some("STREAM"));
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove("outTrackId");
        assert_eq!(
            new_card(&body(missing)).err(),
            Some(Refusal::Missing("outTrackId"))
        );
        let mut no_model = good.clone();
        no_model
            .as_object_mut()
            .unwrap()
            .remove("imRobotOpenDeliverModel");
        assert!(
            matches!(new_card(&body(no_model)), Err(Refusal::Invalid(m)) if m.contains("imRobotOpenDeliverModel"))
        );
        let mut nested = good;
        nested["cardData"]["cardParamMap"]["x"] = json!({"a": 1});
        assert!(
            matches!(new_card(&body(nested)), Err(Refusal::Invalid(m)) if m.contains("cardParamMap.x"))
        );
    }

    #[test]
    fn a_stream_update_needs_its_four_fields() {
        let update = stream_update(&body(
            json!({"outTrackId": "o", "guid": "g", "key": "k", "content": "",
                                                "isFinalize": true}),
        ))
        .unwrap();
        assert!(update.is_finalize && !update.is_full && update.content.is_empty());
        assert_eq!(
            stream_update(&body(json!({"outTrackId": "o", "guid": "g", "key": "k"}))).err(),
            Some(Refusal::Missing("content"))
        );
        assert!(stream_update(&body(
            json!({"outTrackId": "o", "guid": "g", "key": "k", "content": "x",
                                           "isFull": "yes"})
        ))
        .is_err());
    }
}
