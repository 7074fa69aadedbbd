//! Work records as DingTalk returns them, and their status.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// One `{title, content}` line of a record's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormItem {
    /// The line's label.
    pub title: String,
    /// Its value.
    pub content: String,
}

/// A record's status, as `getbyuserid` filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    /// Not done yet (0).
    Pending = 0,
    /// Done (1).
    Done = 1,
}

impl RecordStatus {
    /// The status for DingTalk's number, or an error naming `status`.
    pub fn from_code(code: i64) -> Result<Self> {
        match code {
            0 => Ok(RecordStatus::Pending),
            1 => Ok(RecordStatus::Done),
            _ => Err(Error::invalid(
                "status",
                format!("must be 0 (PENDING) or 1 (DONE), {code} given"),
            )),
        }
    }
}

/// A record as DingTalk returns it. Fields DingTalk adds later are kept in `extra`.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// DingTalk's id of the record.
    pub record_id: String,
    /// Milliseconds since the epoch.
    pub create_time: i64,
    /// The title.
    pub title: String,
    /// The mobile URL.
    pub url: String,
    /// The form lines.
    pub forms: Vec<FormItem>,
    /// Any other field of the answer, as DingTalk sent it.
    pub extra: Map<String, Value>,
}

/// Decodes a record field by field: the known fields straight into their types, the others
/// into `extra`. (`#[serde(flatten)]` would buffer every record first, which profiles showed
/// on the listing path.)
impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor)
    }
}

enum RecordField {
    RecordId,
    CreateTime,
    Title,
    Url,
    Forms,
    Other(String),
}

impl<'de> Deserialize<'de> for RecordField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = RecordField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<RecordField, E> {
                Ok(match name {
                    "record_id" => RecordField::RecordId,
                    "create_time" => RecordField::CreateTime,
                    "title" => RecordField::Title,
                    "url" => RecordField::Url,
                    "forms" => RecordField::Forms,
                    other => RecordField::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a work record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Record, A::Error> {
        let (mut record_id, mut create_time, mut title, mut url, mut forms) =
            (None, None, None, None, None);
        let mut extra = Map::new();
        while let Some(field) = map.next_key::<RecordField>()? {
            match field {
                RecordField::RecordId => record_id = Some(map.next_value()?),
                RecordField::CreateTime => create_time = Some(map.next_value()?),
                RecordField::Title => title = Some(map.next_value()?),
                RecordField::Url => url = Some(map.next_value()?),
                RecordField::Forms => forms = map.next_value::<Option<Vec<FormItem>>>()?,
                RecordField::Other(name) => {
                    extra.insert(name, map.next_value()?);
                }
            }
        }
        Ok(Record {
            record_id: record_id.ok_or_else(|| de::Error::missing_field("record_id"))?,
            create_time: create_time.ok_or_else(|| de::Error::missing_field("create_time"))?,
            title: title.ok_or_else(|| de::Error::missing_field("title"))?,
            url: url.ok_or_else(|| de::Error::missing_field("url"))?,
            forms: forms.unwrap_or_default(),
            extra,
        })
    }
}

/// One page of `getbyuserid`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPage {
    /// Whether a next page exists (at `offset + limit`).
    pub has_more: bool,
    /// The records of this page.
    pub records: Vec<Record>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_unknown_fields_and_require_known_ones() {
        let record: Record = serde_json::from_str(
            r#"{"record_id":"r","create_time":1700000000000,"title":"t","url":"u","status_text":"new","forms":[{"title":"k","content":"v"}]}"#,
        )
        .unwrap();
        assert_eq!(record.record_id, "r");
        assert_eq!(record.forms[0].content, "v");
        assert_eq!(record.extra["status_text"], "new");
        let no_forms: Record = serde_json::from_str(
            r#"{"record_id":"r","create_time":1,"title":"t","url":"u","forms":null}"#,
        )
        .unwrap();
        assert!(no_forms.forms.is_empty() && no_forms.extra.is_empty());
        let missing = serde_json::from_str::<Record>(r#"{"create_time":1,"title":"t","url":"u"}"#);
        assert!(missing.unwrap_err().to_string().contains("record_id"));
    }
}
