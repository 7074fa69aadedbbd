//! A to-do task to create, read from the caller's array with DingTalk's own field names, and
//! the body of the create call.

use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::{self, ContentField, DetailUrl};
use crate::error::{Error, Result};

/// The keys a new task may have.
pub const TASK_KEYS: [&str; 12] = [
    "subject",
    "description",
    "dueTime",
    "executorIds",
    "participantIds",
    "detailUrl",
    "sourceId",
    "priority",
    "isOnlyShowExecutor",
    "notifyConfigs",
    "contentFieldList",
    "creatorId",
];

/// A task to create; also the create call's body (DingTalk's names, unset fields left out).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTask {
    /// 1..1024 characters.
    pub subject: String,
    /// At most 4096 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_time: Option<i64>,
    /// unionIds of the executors (at most 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor_ids: Option<Vec<String>>,
    /// unionIds of the participants (at most 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_ids: Option<Vec<String>>,
    /// Where the task opens; DingTalk lists only tasks that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_url: Option<DetailUrl>,
    /// The caller's id of the task: one task per sourceId, which makes a create safe to resend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// 10, 20, 30 or 40.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// Show the task to its executors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_only_show_executor: Option<bool>,
    /// DingTalk's notification flags, as strings (`{"dingNotify": "1"}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_configs: Option<Map<String, Value>>,
    /// Extra fields shown with the task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_field_list: Option<Vec<ContentField>>,
    /// unionId of the creator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
}

impl NewTask {
    /// Reads a task from the caller's JSON object; `name` (`task`) prefixes the errors.
    pub fn from_json(name: &str, value: &Value) -> Result<NewTask> {
        let mut task = NewTask::default();
        let mut subject = None;
        for (key, item) in fields::entries(name, value, &TASK_KEYS)? {
            let field = format!("{name}[{key}]");
            let field = field.as_str();
            let max = fields::MAX_PEOPLE_CREATE;
            match key {
                "subject" => {
                    subject = Some(fields::text(field, item, fields::MAX_SUBJECT_CHARS, false)?)
                }
                "description" => {
                    task.description = Some(fields::text(
                        field,
                        item,
                        fields::MAX_DESCRIPTION_CHARS,
                        true,
                    )?)
                }
                "dueTime" => task.due_time = Some(fields::millis(field, item)?),
                "executorIds" => task.executor_ids = Some(fields::ids(field, item, max)?),
                "participantIds" => task.participant_ids = Some(fields::ids(field, item, max)?),
                "detailUrl" => task.detail_url = Some(fields::detail_url(field, item)?),
                "sourceId" => task.source_id = Some(fields::id(field, item)?),
                "priority" => task.priority = Some(fields::priority(field, item)?),
                "isOnlyShowExecutor" => {
                    task.is_only_show_executor = Some(fields::boolean(field, item)?)
                }
                "notifyConfigs" => task.notify_configs = Some(fields::notify_configs(field, item)?),
                "contentFieldList" => {
                    task.content_field_list = Some(fields::content_fields(field, item)?)
                }
                _ => task.creator_id = Some(fields::id(field, item)?),
            }
        }
        task.subject =
            subject.ok_or_else(|| Error::invalid(format!("{name}[subject]"), "is required"))?;
        Ok(task)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bad_name(value: Value) -> String {
        match NewTask::from_json("task", &value) {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn reads_every_field_and_serializes_dingtalks_names() {
        let task = NewTask::from_json(
            "task",
            &json!({
                "subject": "s", "description": "d", "dueTime": 1_700_000_000_000_i64,
                "executorIds": ["e1"], "participantIds": ["p1"],
                "detailUrl": {"appUrl": "https://a", "pcUrl": "https://p"},
                "sourceId": "src", "priority": 30, "isOnlyShowExecutor": true,
                "notifyConfigs": {"dingNotify": "1"}, "contentFieldList": {"k": "v"},
                "creatorId": "c"
            }),
        );
        assert_eq!(bad_name(json!({"subject": "s", "nope": 1})), "task");
        let task = match task {
            Err(Error::InvalidArgument { name, .. }) => panic!("{name}"),
            other => other.unwrap(),
        };
        let body = serde_json::to_value(&task).unwrap();
        assert_eq!(body["dueTime"], 1_700_000_000_000_i64);
        assert_eq!(body["detailUrl"]["appUrl"], "https://a");
        assert_eq!(body["contentFieldList"][0]["fieldKey"], "k");
        assert_eq!(body["isOnlyShowExecutor"], true);
        assert_eq!(body["notifyConfigs"]["dingNotify"], "1");
        let minimal = serde_json::to_value(
            NewTask::from_json("task", &json!({"subject": "s", "description": null})).unwrap(),
        )
        .unwrap();
        assert_eq!(minimal, json!({"subject": "s"}));
    }

    #[test]
    fn refuses_bad_fields_naming_them() {
        assert_eq!(bad_name(json!({})), "task[subject]");
        assert_eq!(bad_name(json!({"subject": ""})), "task[subject]");
        assert_eq!(bad_name(json!({"subject": 5})), "task[subject]");
        assert_eq!(
            bad_name(json!({"subject": "s", "priority": 15})),
            "task[priority]"
        );
        assert_eq!(
            bad_name(json!({"subject": "s", "dueTime": 1_700_000_000})),
            "task[dueTime]"
        );
        assert_eq!(
            bad_name(json!({"subject": "s", "executorIds": vec!["x"; 101]})),
            "task[executorIds]"
        );
        assert_eq!(
            bad_name(json!({"subject": "s", "sourceId": ""})),
            "task[sourceId]"
        );
        assert_eq!(bad_name(json!(["s"])), "task");
    }
}
