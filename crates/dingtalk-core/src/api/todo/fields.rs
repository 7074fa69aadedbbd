//! The to-do fields a caller writes, with DingTalk's names and limits: each parser takes the
//! JSON value the caller gave and the argument's name for errors (`task[subject]`), so a new
//! task and a change to one check a field the same way. The readers of plain values (a string,
//! a text of at most so many characters, an object's known keys) are shared with the messages
//! (`api/fields.rs`).

use serde::Serialize;
use serde_json::{Map, Value};

pub(crate) use crate::api::fields::{boolean, entries, id, text};
use crate::api::fields::{bytes_at_most, object_entries, string, unknown_key, wrong_type};
use crate::error::{Error, Result};

/// Longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 1024;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4096;
/// Longest URL of a `detailUrl` and longest content value, in bytes.
pub const MAX_URL_BYTES: usize = 1024;
/// Longest content field value, in bytes.
pub const MAX_CONTENT_VALUE_BYTES: usize = 1024;
/// Most executors or participants when creating a task.
pub const MAX_PEOPLE_CREATE: usize = 100;
/// Most executors or participants when updating one (and most executor statuses at once).
pub const MAX_PEOPLE_UPDATE: usize = 1000;
/// The priorities DingTalk knows: low, normal, high, urgent.
pub const PRIORITIES: [i64; 4] = [10, 20, 30, 40];
/// Below this, a time is surely seconds, not milliseconds (it would be before 1973).
pub(crate) const MIN_MILLIS: i64 = 100_000_000_000;

/// `detailUrl`: where the task opens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DetailUrl {
    /// Opened on mobile.
    #[serde(rename = "appUrl", skip_serializing_if = "Option::is_none")]
    pub app_url: Option<String>,
    /// Opened on PC.
    #[serde(rename = "pcUrl", skip_serializing_if = "Option::is_none")]
    pub pc_url: Option<String>,
}

/// One `contentFieldList` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentField {
    /// `fieldKey`.
    #[serde(rename = "fieldKey")]
    pub key: String,
    /// `fieldValue`.
    #[serde(rename = "fieldValue")]
    pub value: String,
}

/// Milliseconds since the epoch; a value that looks like seconds is refused.
pub(crate) fn millis(name: &str, value: &Value) -> Result<i64> {
    let ms = value
        .as_i64()
        .ok_or_else(|| wrong_type(name, "an int (milliseconds) or a DateTimeInterface", value))?;
    if ms < MIN_MILLIS {
        return Err(Error::invalid(
            name,
            format!("must be milliseconds since the epoch, {ms} given (seconds?)"),
        ));
    }
    Ok(ms)
}

/// One of DingTalk's four priorities.
pub(crate) fn priority(name: &str, value: &Value) -> Result<i64> {
    match value.as_i64() {
        Some(p) if PRIORITIES.contains(&p) => Ok(p),
        Some(p) => Err(Error::invalid(
            name,
            format!("must be 10 (low), 20 (normal), 30 (high) or 40 (urgent), {p} given"),
        )),
        None => Err(wrong_type(name, "an int", value)),
    }
}

/// A list of at most `max` unionIds, none empty.
pub(crate) fn ids(name: &str, value: &Value, max: usize) -> Result<Vec<String>> {
    let list = value
        .as_array()
        .ok_or_else(|| wrong_type(name, "a list of unionIds", value))?;
    if list.len() > max {
        return Err(Error::invalid(
            name,
            format!("must hold at most {max} unionIds, {} given", list.len()),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, item)| id(&format!("{name}[{i}]"), item))
        .collect()
}

/// `detailUrl`: `['appUrl' => ..., 'pcUrl' => ...]`, each at most 1024 bytes.
pub(crate) fn detail_url(name: &str, value: &Value) -> Result<DetailUrl> {
    let entries = object_entries(value)
        .ok_or_else(|| wrong_type(name, "an array with appUrl and/or pcUrl", value))?;
    let mut url = DetailUrl::default();
    for (key, item) in entries {
        let item_name = format!("{name}[{key}]");
        let slot = match key.as_str() {
            "appUrl" => &mut url.app_url,
            "pcUrl" => &mut url.pc_url,
            _ => return Err(unknown_key(name, key, &["appUrl", "pcUrl"])),
        };
        if !item.is_null() {
            let text = bytes_at_most(&item_name, item, MAX_URL_BYTES)?;
            crate::validate::require(&item_name, &text)?;
            *slot = Some(text);
        }
    }
    Ok(url)
}

/// `contentFieldList`: a list of `['fieldKey' => ..., 'fieldValue' => ...]`, or a map
/// `fieldKey => fieldValue`. Values are strings of at most 1024 bytes.
pub(crate) fn content_fields(name: &str, value: &Value) -> Result<Vec<ContentField>> {
    let field = |key: String, item_name: String, item: &Value| -> Result<ContentField> {
        crate::validate::require(&format!("{item_name} key"), &key)?;
        let value = bytes_at_most(&item_name, item, MAX_CONTENT_VALUE_BYTES)?;
        Ok(ContentField { key, value })
    };
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(key, item)| field(key.clone(), format!("{name}[{key}]"), item))
            .collect(),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let item_name = format!("{name}[{i}]");
                let pair = item.as_object().ok_or_else(|| {
                    wrong_type(&item_name, "an array with fieldKey and fieldValue", item)
                })?;
                if let Some(other) = pair.keys().find(|k| *k != "fieldKey" && *k != "fieldValue") {
                    return Err(unknown_key(&item_name, other, &["fieldKey", "fieldValue"]));
                }
                let get = |key: &str| {
                    pair.get(key)
                        .ok_or_else(|| Error::invalid(&item_name, format!("has no \"{key}\"")))
                };
                let key = string(&format!("{item_name}[fieldKey]"), get("fieldKey")?)?;
                field(key, format!("{item_name}[fieldValue]"), get("fieldValue")?)
            })
            .collect(),
        other => Err(wrong_type(
            name,
            "a list of ['fieldKey' => ..., 'fieldValue' => ...] or a map fieldKey => fieldValue",
            other,
        )),
    }
}

/// `notifyConfigs`: DingTalk's flags as strings (`['dingNotify' => '1']`).
pub(crate) fn notify_configs(name: &str, value: &Value) -> Result<Map<String, Value>> {
    let entries = object_entries(value).ok_or_else(|| {
        wrong_type(
            name,
            "an array of strings (e.g. ['dingNotify' => '1'])",
            value,
        )
    })?;
    let mut flags = Map::new();
    for (key, item) in entries {
        string(&format!("{name}[{key}]"), item)?;
        flags.insert(key.clone(), item.clone());
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn name_of(result: Result<impl std::fmt::Debug>) -> String {
        match result {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn texts_count_characters_and_urls_bytes() {
        assert!(text("s", &json!("待".repeat(1024)), MAX_SUBJECT_CHARS, false).is_ok());
        assert_eq!(
            name_of(text(
                "s",
                &json!("待".repeat(1025)),
                MAX_SUBJECT_CHARS,
                false
            )),
            "s"
        );
        assert_eq!(
            name_of(text("s", &json!(""), MAX_SUBJECT_CHARS, false)),
            "s"
        );
        assert!(text("d", &json!(""), MAX_DESCRIPTION_CHARS, true).is_ok());
        let long = json!({"appUrl": format!("https://x/{}", "a".repeat(1020))});
        assert_eq!(
            name_of(detail_url("task[detailUrl]", &long)),
            "task[detailUrl][appUrl]"
        );
        assert_eq!(
            name_of(detail_url("task[detailUrl]", &json!({"mobile": "x"}))),
            "task[detailUrl]"
        );
    }

    #[test]
    fn content_fields_take_both_shapes() {
        let list = json!([{"fieldKey": "k", "fieldValue": "v"}]);
        let map = json!({"k": "v"});
        let expected = vec![ContentField {
            key: "k".into(),
            value: "v".into(),
        }];
        assert_eq!(content_fields("c", &list).unwrap(), expected);
        assert_eq!(content_fields("c", &map).unwrap(), expected);
        assert_eq!(name_of(content_fields("c", &json!({"k": 5}))), "c[k]");
        assert_eq!(
            name_of(content_fields("c", &json!([{"fieldKey": "k"}]))),
            "c[0]"
        );
    }

    #[test]
    fn ids_priorities_and_millis() {
        assert_eq!(name_of(ids("e", &json!(["a", ""]), 100)), "e[1]");
        assert_eq!(name_of(ids("e", &json!(vec!["a"; 101]), 100)), "e");
        assert!(ids("e", &json!(vec!["a"; 1000]), MAX_PEOPLE_UPDATE).is_ok());
        assert_eq!(name_of(priority("p", &json!(25))), "p");
        assert_eq!(priority("p", &json!(40)).unwrap(), 40);
        assert_eq!(name_of(millis("t", &json!(1_700_000_000))), "t");
        assert_eq!(
            millis("t", &json!(1_700_000_000_000_i64)).unwrap(),
            1_700_000_000_000
        );
    }

    #[test]
    fn an_empty_php_array_is_an_empty_object() {
        // `[]` arrives as an empty JSON list wherever an object is expected.
        assert_eq!(detail_url("u", &json!([])).unwrap(), DetailUrl::default());
        assert!(notify_configs("n", &json!([])).unwrap().is_empty());
        assert!(entries("task", &json!([]), &["subject"])
            .unwrap()
            .is_empty());
        // A list with items is still not an object, and says so.
        let Err(Error::InvalidArgument { reason, .. }) = detail_url("u", &json!(["https://a"]))
        else {
            panic!("a list is not a detailUrl")
        };
        assert!(reason.ends_with("list given"), "{reason}");
    }
}
