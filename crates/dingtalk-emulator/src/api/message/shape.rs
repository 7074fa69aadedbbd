//! The one message shape: the shape of DingTalk's work notifications (and, but for the
//! action card, of its group webhooks), which every channel's wire format is converted back to
//! in the inbox: `{"msgtype": "text", "text": {"content": ...}}`, `markdown{title,text}`,
//! `link{title,text,messageUrl,picUrl}`, `action_card{title,markdown,single_title,single_url |
//! btn_orientation,btn_json_list[{title,action_url}]}`, `oa{message_url,head,body,...}`,
//! `image{media_id}`, `file{media_id}`, `voice{media_id,duration}`.
//!
//! Also the field readers every channel uses: each error names the field by its full path
//! (`msg.text.content`), so a client sees which part of its message was refused.

use serde_json::{json, Map, Value};

/// The `msgtype`s of the one shape (a work notice may carry any of them).
pub const TYPES: [&str; 8] = [
    "text",
    "image",
    "voice",
    "file",
    "link",
    "oa",
    "markdown",
    "action_card",
];

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// `object[name]`, with `null` counted as absent.
fn get<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).filter(|value| !value.is_null())
}

/// A required, non-empty string `path.name`.
pub fn text(object: &Map<String, Value>, path: &str, name: &str) -> Result<String, String> {
    match optional_text(object, path, name)? {
        Some(text) if !text.is_empty() => Ok(text),
        _ => Err(format!("missing parameter {}", join(path, name))),
    }
}

/// An optional string `path.name` (kept even when empty).
pub fn optional_text(
    object: &Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<Option<String>, String> {
    match get(object, name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(format!(
            "invalid parameter {}: must be a string",
            join(path, name)
        )),
    }
}

/// A required object `path.name`.
pub fn object<'a>(
    parent: &'a Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<&'a Map<String, Value>, String> {
    match get(parent, name) {
        None => Err(format!("missing parameter {}", join(path, name))),
        Some(Value::Object(object)) => Ok(object),
        Some(_) => Err(format!(
            "invalid parameter {}: must be an object",
            join(path, name)
        )),
    }
}

/// A required, non-empty list of objects `path.name`.
pub fn objects<'a>(
    parent: &'a Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<Vec<&'a Map<String, Value>>, String> {
    let full = join(path, name);
    let Some(value) = get(parent, name) else {
        return Err(format!("missing parameter {full}"));
    };
    let items = value
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| format!("invalid parameter {full}: must be a non-empty list"))?;
    items
        .iter()
        .enumerate()
        .map(|(at, item)| {
            item.as_object()
                .ok_or_else(|| format!("invalid parameter {full}[{at}]: must be an object"))
        })
        .collect()
}

/// A message in the one shape, checked: `msgtype` is one of [`TYPES`] and its object holds
/// the fields DingTalk requires. The message as the inbox keeps it: `msgtype` and its object,
/// as sent.
pub fn checked(message: &Map<String, Value>, path: &str) -> Result<Value, String> {
    let kind = text(message, path, "msgtype")?;
    if !TYPES.contains(&kind.as_str()) {
        return Err(format!(
            "invalid parameter {}: {kind:?} is none of {}",
            join(path, "msgtype"),
            TYPES.join(", ")
        ));
    }
    let body = object(message, path, &kind)?;
    let at = join(path, &kind);
    match kind.as_str() {
        "text" => required(body, &at, &["content"])?,
        "image" | "file" => required(body, &at, &["media_id"])?,
        "voice" => {
            required(body, &at, &["media_id"])?;
            match get(body, "duration") {
                Some(Value::String(_) | Value::Number(_)) => {}
                Some(_) => return Err(format!("invalid parameter {at}.duration: must be seconds")),
                None => return Err(format!("missing parameter {at}.duration")),
            }
        }
        "link" => {
            required(body, &at, &["messageUrl", "title", "text"])?;
            optional_text(body, &at, "picUrl")?;
        }
        "markdown" => required(body, &at, &["title", "text"])?,
        "action_card" => action_card(body, &at)?,
        _ => oa(body, &at)?,
    }
    Ok(json!({ "msgtype": kind, kind.clone(): body }))
}

fn required(object: &Map<String, Value>, path: &str, names: &[&str]) -> Result<(), String> {
    names
        .iter()
        .try_for_each(|name| text(object, path, name).map(drop))
}

/// `title`, `markdown`, and one button (`single_title` + `single_url`) or a list of them
/// (`btn_orientation` + `btn_json_list`).
fn action_card(card: &Map<String, Value>, path: &str) -> Result<(), String> {
    required(card, path, &["title", "markdown"])?;
    if get(card, "btn_json_list").is_none() {
        return required(card, path, &["single_title", "single_url"]);
    }
    text(card, path, "btn_orientation")?;
    let list = join(path, "btn_json_list");
    for (at, button) in objects(card, path, "btn_json_list")?.iter().enumerate() {
        required(button, &format!("{list}[{at}]"), &["title", "action_url"])?;
    }
    Ok(())
}

/// `head{bgcolor,text}` and a `body` object.
fn oa(card: &Map<String, Value>, path: &str) -> Result<(), String> {
    let head = object(card, path, "head")?;
    required(head, &join(path, "head"), &["bgcolor", "text"])?;
    object(card, path, "body")?;
    Ok(())
}

/// Every string inside `value`, one a line: what a webhook's keywords are looked for in.
pub fn all_text(value: &Value) -> String {
    fn walk(value: &Value, out: &mut String) {
        match value {
            Value::String(text) => {
                out.push_str(text);
                out.push('\n');
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            Value::Object(object) => object.values().for_each(|item| walk(item, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    walk(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(message: Value) -> Result<Value, String> {
        checked(message.as_object().unwrap(), "msg")
    }

    #[test]
    fn every_type_is_checked_with_its_fields() {
        let good = [
            json!({"msgtype": "text", "text": {"content": "hi"}}),
            json!({"msgtype": "image", "image": {"media_id": "@lA"}}),
            json!({"msgtype": "voice", "voice": {"media_id": "@lA", "duration": "10"}}),
            json!({"msgtype": "file", "file": {"media_id": "@lA"}}),
            json!({"msgtype": "link", "link": {"messageUrl": "https://x", "title": "t", "text": "x", "picUrl": ""}}),
            json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "# x"}}),
            json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
                   "single_title": "go", "single_url": "https://x"}}),
            json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
                   "btn_orientation": "1", "btn_json_list": [{"title": "a", "action_url": "https://a"}]}}),
            json!({"msgtype": "oa", "oa": {"head": {"bgcolor": "FFBBBBBB", "text": "h"}, "body": {}}}),
        ];
        for message in good {
            assert_eq!(check(message.clone()), Ok(message));
        }
    }

    #[test]
    fn refusals_name_the_field() {
        let cases = [
            (
                json!({"text": {"content": "x"}}),
                "missing parameter msg.msgtype",
            ),
            (json!({"msgtype": "sms"}), "msg.msgtype: \"sms\" is none of"),
            (json!({"msgtype": "text"}), "missing parameter msg.text"),
            (
                json!({"msgtype": "text", "text": "x"}),
                "msg.text: must be an object",
            ),
            (
                json!({"msgtype": "text", "text": {"content": ""}}),
                "missing parameter msg.text.content",
            ),
            (
                json!({"msgtype": "text", "text": {"content": 5}}),
                "msg.text.content: must be a string",
            ),
            (
                json!({"msgtype": "voice", "voice": {"media_id": "m"}}),
                "missing parameter msg.voice.duration",
            ),
            (
                json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m"}}),
                "missing parameter msg.action_card.single_title",
            ),
            (
                json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
                    "btn_orientation": "0", "btn_json_list": [{"title": "a"}]}}),
                "missing parameter msg.action_card.btn_json_list[0].action_url",
            ),
            (
                json!({"msgtype": "oa", "oa": {"head": {"bgcolor": "F"}, "body": {}}}),
                "missing parameter msg.oa.head.text",
            ),
        ];
        for (message, expected) in cases {
            let error = check(message).unwrap_err();
            assert!(
                error.contains(expected),
                "{error:?} should contain {expected:?}"
            );
        }
    }

    #[test]
    fn all_text_collects_every_string() {
        let text = all_text(&json!({"title": "alarm", "btns": [{"title": "ok", "n": 1}]}));
        assert!(text.contains("alarm") && text.contains("ok"));
    }
}
