//! Reading a caller's message (the JSON its array became) into a [`Message`], once, before any
//! channel sees it: every error names the field at fault (`message[text][content]`). The
//! fields of each object are read through `reader.rs`.
//!
//! What is checked here holds for every channel: a known `msgtype` with its content under the
//! key of that name, every field DingTalk requires, no unknown key (a typo such as `messageURL`
//! would otherwise be dropped without a word), links that DingTalk can open. What a channel
//! cannot carry, and its size limits, are its own checks.

use serde_json::{Map, Value};

use super::reader::{shown, Fields};
use super::shape::{ActionCard, Body, Button, Buttons, Mentions, Message};
use crate::api::fields::{boolean, id, text, unknown_key, wrong_type};
use crate::error::{Error, Result};

/// Every `msgtype` of the one shape.
pub const MSGTYPES: [&str; 8] = [
    "text",
    "markdown",
    "link",
    "action_card",
    "oa",
    "image",
    "file",
    "voice",
];

/// An OA card's header text: at most 10 characters (DingTalk's limit).
pub const MAX_OA_HEAD_CHARS: usize = 10;

impl Message {
    /// Reads a message in the one shape from the JSON value of argument `name` (`message`).
    pub fn from_json(name: &str, value: &Value) -> Result<Message> {
        let shape = value.as_object().ok_or_else(|| {
            wrong_type(
                name,
                "a message array (['msgtype' => 'text', 'text' => ['content' => ...]])",
                value,
            )
        })?;
        let msgtype = msgtype(name, shape)?;
        for key in shape.keys() {
            if key != "msgtype" && key != msgtype && key != "at" {
                return Err(unknown_key(name, key, &["msgtype", msgtype, "at"]));
            }
        }
        let content = shape.get(msgtype).filter(|v| !v.is_null()).ok_or_else(|| {
            Error::invalid(
                name,
                format!("has no \"{msgtype}\": a {msgtype} message holds its content under it"),
            )
        })?;
        let body = body(msgtype, &format!("{name}[{msgtype}]"), content)?;
        let at = match shape.get("at").filter(|v| !v.is_null()) {
            Some(at) => Some(mentions(&format!("{name}[at]"), at)?),
            None => None,
        };
        Ok(Message { body, at })
    }
}

/// The `msgtype`, one of [`MSGTYPES`]; the webhook's spellings of other shapes are named.
fn msgtype<'m>(name: &str, shape: &'m Map<String, Value>) -> Result<&'m str> {
    let field = format!("{name}[msgtype]");
    let value = shape
        .get("msgtype")
        .ok_or_else(|| Error::invalid(name, "has no \"msgtype\" (text, markdown, link, ...)"))?;
    let msgtype = value
        .as_str()
        .ok_or_else(|| wrong_type(&field, "a string", value))?;
    if MSGTYPES.contains(&msgtype) {
        return Ok(msgtype);
    }
    let hint = match msgtype {
        "actionCard" => {
            "; the one shape writes an action card as \"action_card\" with title, markdown and \
             single_title + single_url or btn_orientation + btn_json_list"
        }
        "feedCard" => "; a feed card is not one of them",
        _ => "",
    };
    Err(Error::invalid(
        field,
        format!(
            "must be one of {}, \"{msgtype}\" given{hint}",
            MSGTYPES.join(", ")
        ),
    ))
}

/// The content of a `msgtype`, named `name` (`message[text]`).
fn body(msgtype: &str, name: &str, value: &Value) -> Result<Body> {
    let fields = Fields::read(name, value, known_keys(msgtype))?;
    Ok(match msgtype {
        "text" => Body::Text {
            content: fields.text("content")?,
        },
        "markdown" => Body::Markdown {
            title: fields.text("title")?,
            text: fields.text("text")?,
        },
        "link" => Body::Link {
            title: fields.text("title")?,
            text: fields.text("text")?,
            message_url: fields.url("messageUrl")?,
            pic_url: fields.optional_url("picUrl")?,
        },
        "action_card" => Body::ActionCard(action_card(name, &fields)?),
        "oa" => Body::Oa(oa(&fields)?),
        "image" => Body::Image {
            media_id: fields.id("media_id")?,
        },
        "file" => Body::File {
            media_id: fields.id("media_id")?,
        },
        _ => Body::Voice {
            media_id: fields.id("media_id")?,
            duration: fields.duration("duration")?,
        },
    })
}

/// The keys the content of a `msgtype` may hold.
fn known_keys(msgtype: &str) -> &'static [&'static str] {
    match msgtype {
        "text" => &["content"],
        "markdown" => &["title", "text"],
        "link" => &["title", "text", "messageUrl", "picUrl"],
        "action_card" => &[
            "title",
            "markdown",
            "single_title",
            "single_url",
            "btn_orientation",
            "btn_json_list",
        ],
        "oa" => &[
            "message_url",
            "pc_message_url",
            "head",
            "status_bar",
            "body",
        ],
        "voice" => &["media_id", "duration"],
        _ => &["media_id"],
    }
}

/// `action_card`: a title, a markdown text, and one button or a list of them.
fn action_card(name: &str, fields: &Fields<'_>) -> Result<ActionCard> {
    let single = fields.get("single_title").is_some() || fields.get("single_url").is_some();
    let list = fields.get("btn_json_list").is_some() || fields.get("btn_orientation").is_some();
    let buttons = match (single, list) {
        (true, false) => Buttons::Single(Button {
            title: fields.text("single_title")?,
            url: fields.url("single_url")?,
        }),
        (false, true) => Buttons::List {
            horizontal: orientation(fields)?,
            buttons: button_list(
                &fields.name("btn_json_list"),
                fields.required("btn_json_list")?,
            )?,
        },
        (true, true) => {
            return Err(Error::invalid(
                name,
                "has both single_title/single_url and btn_orientation/btn_json_list: give one \
                 button or a list of them",
            ))
        }
        (false, false) => {
            return Err(Error::invalid(
                name,
                "needs its buttons: single_title and single_url, or btn_json_list",
            ))
        }
    };
    Ok(ActionCard {
        title: fields.text("title")?,
        markdown: fields.text("markdown")?,
        buttons,
    })
}

/// `btn_orientation`: "0" (one under another, the default) or "1" (side by side); 0 and 1 as
/// ints too.
fn orientation(fields: &Fields<'_>) -> Result<bool> {
    match fields.get("btn_orientation") {
        None => Ok(false),
        Some(value) => match value {
            Value::String(s) if s == "0" || s == "1" => Ok(s == "1"),
            Value::Number(n) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {
                Ok(n.as_i64() == Some(1))
            }
            other => Err(Error::invalid(
                fields.name("btn_orientation"),
                format!(
                    "must be \"0\" (vertical) or \"1\" (horizontal), {} given",
                    shown(other)
                ),
            )),
        },
    }
}

/// `btn_json_list`: a list of at least one `['title' => ..., 'action_url' => ...]`.
fn button_list(name: &str, value: &Value) -> Result<Vec<Button>> {
    let items = value
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| {
            wrong_type(
                name,
                "a list of one or more ['title' => ..., 'action_url' => ...]",
                value,
            )
        })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let button = Fields::read(&format!("{name}[{i}]"), item, &["title", "action_url"])?;
            Ok(Button {
                title: button.text("title")?,
                url: button.url("action_url")?,
            })
        })
        .collect()
}

/// `oa`: `message_url`, a `head` (`bgcolor` as 8 hex digits, `text` of at most 10
/// characters) and a `body`, checked; sent as written.
fn oa(fields: &Fields<'_>) -> Result<Map<String, Value>> {
    fields.url("message_url")?;
    if fields.get("pc_message_url").is_some() {
        fields.url("pc_message_url")?;
    }
    let head = Fields::read(
        &fields.name("head"),
        fields.required("head")?,
        &["bgcolor", "text"],
    )?;
    let bgcolor = head.text("bgcolor")?;
    if bgcolor.len() != 8 || !bgcolor.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::invalid(
            head.name("bgcolor"),
            "must be 8 hex digits, alpha then RGB (\"FFBBBBBB\"), without \"0x\"",
        ));
    }
    if head.get("text").is_some() {
        text(
            &head.name("text"),
            head.required("text")?,
            MAX_OA_HEAD_CHARS,
            false,
        )?;
    }
    let body = fields.required("body")?;
    if !(body.is_object() || body.as_array().is_some_and(Vec::is_empty)) {
        return Err(wrong_type(&fields.name("body"), "an array", body));
    }
    Ok(fields
        .given
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).clone()))
        .collect())
}

/// `at`: `atUserIds` and `atMobiles` (lists of strings), `isAtAll` (a bool).
fn mentions(name: &str, value: &Value) -> Result<Mentions> {
    let fields = Fields::read(name, value, &["atUserIds", "atMobiles", "isAtAll"])?;
    let list = |key: &str| -> Result<Vec<String>> {
        let Some(value) = fields.get(key) else {
            return Ok(Vec::new());
        };
        let items = value
            .as_array()
            .ok_or_else(|| wrong_type(&fields.name(key), "a list of strings", value))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| id(&format!("{}[{i}]", fields.name(key)), item))
            .collect()
    };
    Ok(Mentions {
        user_ids: list("atUserIds")?,
        mobiles: list("atMobiles")?,
        all: match fields.get("isAtAll") {
            Some(value) => boolean(&fields.name("isAtAll"), value)?,
            None => false,
        },
    })
}
