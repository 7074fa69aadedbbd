//! A change to a task (the update call's body), read from the caller's array with DingTalk's
//! own field names.

use serde::Serialize;
use serde_json::Value;

use super::fields::{self, ContentField};
use crate::error::{Error, Result};

/// The keys a change may have.
pub const CHANGE_KEYS: [&str; 7] = [
    "subject",
    "description",
    "dueTime",
    "done",
    "executorIds",
    "participantIds",
    "contentFieldList",
];

/// A change to a task; also the update call's body (unset fields left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskChanges {
    /// 1..1024 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// At most 4096 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_time: Option<i64>,
    /// Done or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<bool>,
    /// unionIds of the executors (at most 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor_ids: Option<Vec<String>>,
    /// unionIds of the participants (at most 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_ids: Option<Vec<String>>,
    /// Extra fields shown with the task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_field_list: Option<Vec<ContentField>>,
}

impl TaskChanges {
    /// Only `done` (what `complete()` sends).
    pub fn done(done: bool) -> TaskChanges {
        TaskChanges {
            done: Some(done),
            ..TaskChanges::default()
        }
    }

    /// Reads a change from the caller's JSON object; `name` (`changes`) prefixes the errors.
    pub fn from_json(name: &str, value: &Value) -> Result<TaskChanges> {
        let mut changes = TaskChanges::default();
        let entries = fields::entries(name, value, &CHANGE_KEYS)?;
        if entries.is_empty() {
            return Err(Error::invalid(
                name,
                format!("must change at least one of {}", CHANGE_KEYS.join(", ")),
            ));
        }
        for (key, item) in entries {
            let field = format!("{name}[{key}]");
            let field = field.as_str();
            let max = fields::MAX_PEOPLE_UPDATE;
            match key {
                "subject" => {
                    changes.subject =
                        Some(fields::text(field, item, fields::MAX_SUBJECT_CHARS, false)?)
                }
                "description" => {
                    changes.description = Some(fields::text(
                        field,
                        item,
                        fields::MAX_DESCRIPTION_CHARS,
                        true,
                    )?)
                }
                "dueTime" => changes.due_time = Some(fields::millis(field, item)?),
                "done" => changes.done = Some(fields::boolean(field, item)?),
                "executorIds" => changes.executor_ids = Some(fields::ids(field, item, max)?),
                "participantIds" => changes.participant_ids = Some(fields::ids(field, item, max)?),
                _ => changes.content_field_list = Some(fields::content_fields(field, item)?),
            }
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_changes_and_refuses_empty_or_unknown_ones() {
        let changes =
            TaskChanges::from_json("changes", &json!({"subject": "s", "done": true})).unwrap();
        assert_eq!(
            serde_json::to_value(changes).unwrap(),
            json!({"subject": "s", "done": true})
        );
        for bad in [
            json!({}),
            json!([]),
            json!({"priority": 10}),
            json!({"done": "yes"}),
        ] {
            assert!(
                matches!(
                    TaskChanges::from_json("changes", &bad),
                    Err(Error::InvalidArgument { .. })
                ),
                "{bad}"
            );
        }
        let many = json!({"executorIds": vec!["x"; 1000]});
        assert!(TaskChanges::from_json("changes", &many).is_ok());
    }
}
