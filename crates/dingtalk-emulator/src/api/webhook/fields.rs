//! A webhook message as DingTalk's custom-robot page defines it, converted to the one message
//! shape: `text{content}`, `markdown{title,text}`, `link{title,text,messageUrl,picUrl}` as they
//! are; `actionCard{title,text,singleTitle,singleURL | btnOrientation,btns[{title,actionURL}]}`
//! becomes `action_card{title,markdown,single_title,single_url | btn_orientation,
//! btn_json_list[{title,action_url}]}`; `feedCard{links[{title,messageURL,picURL}]}` becomes
//! `feed_card` with the same links (no other channel carries it). Mentions (`at`) are kept
//! apart.

use serde_json::{json, Map, Value};

use crate::api::message::shape::{object, objects, optional_text, text};

/// The `msgtype`s a webhook robot sends.
pub const TYPES: [&str; 5] = ["text", "markdown", "link", "actionCard", "feedCard"];

/// Why a webhook body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `msgtype` is none of [`TYPES`].
    UnsupportedType(String),
    /// A field missing or of the wrong type: the message names it.
    Invalid(String),
}

/// A webhook message: the one message shape, and the mentions.
#[derive(Debug, PartialEq)]
pub struct WebhookMessage {
    pub message: Value,
    /// `{"atUserIds", "atMobiles", "isAtAll"}`, or `None` without `at`.
    pub at: Option<Value>,
}

/// The body of `/robot/send`, checked and converted.
pub fn webhook_message(body: &Map<String, Value>) -> Result<WebhookMessage, Refusal> {
    let kind = text(body, "", "msgtype").map_err(Refusal::Invalid)?;
    if !TYPES.contains(&kind.as_str()) {
        return Err(Refusal::UnsupportedType(kind));
    }
    let content = object(body, "", &kind).map_err(Refusal::Invalid)?;
    let message = converted(&kind, content).map_err(Refusal::Invalid)?;
    Ok(WebhookMessage {
        message,
        at: mentions(body).map_err(Refusal::Invalid)?,
    })
}

/// `fields` of `object` (each a required string), copied to a new object.
fn copy(
    object: &Map<String, Value>,
    path: &str,
    fields: &[&str],
) -> Result<Map<String, Value>, String> {
    fields
        .iter()
        .map(|name| Ok(((*name).to_owned(), Value::String(text(object, path, name)?))))
        .collect()
}

fn converted(kind: &str, content: &Map<String, Value>) -> Result<Value, String> {
    Ok(match kind {
        "text" => json!({"msgtype": "text", "text": copy(content, "text", &["content"])?}),
        "markdown" => {
            json!({"msgtype": "markdown", "markdown": copy(content, "markdown", &["title", "text"])?})
        }
        "link" => {
            let mut link = copy(content, "link", &["title", "text", "messageUrl"])?;
            if let Some(pic) = optional_text(content, "link", "picUrl")? {
                link.insert("picUrl".to_owned(), Value::String(pic));
            }
            json!({"msgtype": "link", "link": link})
        }
        "actionCard" => json!({"msgtype": "action_card", "action_card": action_card(content)?}),
        _ => {
            let links = objects(content, "feedCard", "links")?
                .into_iter()
                .enumerate()
                .map(|(at, link)| {
                    copy(
                        link,
                        &format!("feedCard.links[{at}]"),
                        &["title", "messageURL", "picURL"],
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            json!({"msgtype": "feed_card", "feed_card": {"links": links}})
        }
    })
}

fn action_card(card: &Map<String, Value>) -> Result<Value, String> {
    let path = "actionCard";
    let title = text(card, path, "title")?;
    let markdown = text(card, path, "text")?;
    if card.get("btns").is_none_or(Value::is_null) {
        return Ok(json!({
            "title": title, "markdown": markdown,
            "single_title": text(card, path, "singleTitle")?,
            "single_url": text(card, path, "singleURL")?,
        }));
    }
    let buttons = objects(card, path, "btns")?
        .into_iter()
        .enumerate()
        .map(|(at, button)| {
            let at = format!("{path}.btns[{at}]");
            Ok(json!({"title": text(button, &at, "title")?, "action_url": text(button, &at, "actionURL")?}))
        })
        .collect::<Result<Vec<Value>, String>>()?;
    let mut card_shape = json!({"title": title, "markdown": markdown});
    if let Some(orientation) = optional_text(card, path, "btnOrientation")? {
        card_shape["btn_orientation"] = Value::String(orientation);
    }
    card_shape["btn_json_list"] = Value::Array(buttons);
    Ok(card_shape)
}

/// A list of strings at `at.name`; absent is empty.
fn strings(at: &Map<String, Value>, name: &str) -> Result<Vec<String>, String> {
    match at.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                _ => Err(format!(
                    "invalid parameter at.{name}: must be a list of strings"
                )),
            })
            .collect(),
        Some(_) => Err(format!(
            "invalid parameter at.{name}: must be a list of strings"
        )),
    }
}

fn mentions(body: &Map<String, Value>) -> Result<Option<Value>, String> {
    let at = match body.get("at") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(at)) => at,
        Some(_) => return Err("invalid parameter at: must be an object".to_owned()),
    };
    let all = match at.get("isAtAll") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(all)) => *all,
        Some(Value::String(all)) if all == "true" || all == "false" => all == "true",
        Some(_) => return Err("invalid parameter at.isAtAll: must be true or false".to_owned()),
    };
    Ok(Some(json!({
        "atUserIds": strings(at, "atUserIds")?,
        "atMobiles": strings(at, "atMobiles")?,
        "isAtAll": all,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(body: Value) -> Result<WebhookMessage, Refusal> {
        webhook_message(body.as_object().unwrap())
    }

    #[test]
    fn each_type_becomes_the_one_shape() {
        let cases = [
            (
                json!({"msgtype": "text", "text": {"content": "hi"}}),
                json!({"msgtype": "text", "text": {"content": "hi"}}),
            ),
            (
                json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "# x"}}),
                json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "# x"}}),
            ),
            (
                json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "https://m", "picUrl": ""}}),
                json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "https://m", "picUrl": ""}}),
            ),
            (
                json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "m", "singleTitle": "go", "singleURL": "https://g"}}),
                json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m", "single_title": "go", "single_url": "https://g"}}),
            ),
            (
                json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "m", "btnOrientation": "1",
                    "btns": [{"title": "a", "actionURL": "https://a"}]}}),
                json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m", "btn_orientation": "1",
                    "btn_json_list": [{"title": "a", "action_url": "https://a"}]}}),
            ),
            (
                json!({"msgtype": "feedCard", "feedCard": {"links": [{"title": "a", "messageURL": "https://a", "picURL": "https://p"}]}}),
                json!({"msgtype": "feed_card", "feed_card": {"links": [{"title": "a", "messageURL": "https://a", "picURL": "https://p"}]}}),
            ),
        ];
        for (body, message) in cases {
            assert_eq!(convert(body).map(|m| m.message), Ok(message));
        }
    }

    #[test]
    fn mentions_are_kept_apart() {
        let body = json!({"msgtype": "text", "text": {"content": "@u1 hi"}, "at": {"atUserIds": ["u1"], "isAtAll": false}});
        let at = convert(body).unwrap().at.unwrap();
        assert_eq!(
            at,
            json!({"atUserIds": ["u1"], "atMobiles": [], "isAtAll": false})
        );
        assert_eq!(
            convert(json!({"msgtype": "text", "text": {"content": "x"}}))
                .unwrap()
                .at,
            None
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(
            convert(json!({"msgtype": "image", "image": {}})),
            Err(Refusal::UnsupportedType("image".into()))
        );
        assert_eq!(
            convert(json!({"msgtype": "action_card", "action_card": {}})),
            Err(Refusal::UnsupportedType("action_card".into()))
        );
        let invalid = |body: Value| match convert(body) {
            Err(Refusal::Invalid(message)) => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(invalid(json!({"text": {}})), "missing parameter msgtype");
        assert_eq!(
            invalid(json!({"msgtype": "text", "text": {}})),
            "missing parameter text.content"
        );
        assert!(invalid(json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "m", "btns": [{"title": "a"}]}}))
            .contains("actionCard.btns[0].actionURL"));
        assert!(invalid(
            json!({"msgtype": "text", "text": {"content": "x"}, "at": {"atUserIds": "u1"}})
        )
        .contains("at.atUserIds"));
    }
}
