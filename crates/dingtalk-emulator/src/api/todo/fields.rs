//! Reading the JSON bodies of the to-do calls, with the reference's limits and
//! DingTalk's messages (`subject is oversize`, `dueTime is invalid`, ...).
//!
//! Unknown fields are ignored, as DingTalk does, except `operatorId`: it belongs in
//! the query string, and a client that sends it in the body has a bug worth seeing.

use serde_json::{Map, Value};

use super::task::{Changes, ContentField, DetailUrl, ListQuery, NewTask, Role, TodoType};
use crate::params::{optional_int, optional_text, present};

const MAX_SUBJECT_CHARS: usize = 1024;
const MAX_DESCRIPTION_CHARS: usize = 4096;
/// Executors or participants in a create ("≤ 100 recommended"; refused past it here).
const MAX_PEOPLE_CREATE: usize = 100;
/// Executors or participants in an update, and entries of an executorStatus call.
const MAX_PEOPLE_UPDATE: usize = 1000;
const MAX_URL_BYTES: usize = 1024;
const MAX_FIELD_BYTES: usize = 1024;
/// 2001-09-09 in milliseconds: anything smaller is almost surely seconds.
const MIN_TIME_MS: i64 = 1_000_000_000_000;
/// 9999-12-31T23:59:59.999Z.
const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// Why a body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum FieldError {
    /// A required field is absent: the gateway's `Missing<field>`.
    Missing(&'static str),
    /// Anything else: the call's `paramError`, with this message.
    Invalid(String),
}

/// A body read, or why it was refused.
pub type Fields<T> = Result<T, FieldError>;

fn invalid<T>(message: impl Into<String>) -> Fields<T> {
    Err(FieldError::Invalid(message.into()))
}

/// An optional string, kept even when empty (`null` counts as absent).
fn string(object: &Map<String, Value>, name: &str) -> Fields<Option<String>> {
    optional_text(object, name)
        .map(|text| text.map(str::to_owned))
        .map_err(FieldError::Invalid)
}

fn boolean(object: &Map<String, Value>, name: &str) -> Fields<Option<bool>> {
    match present(object, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => invalid(format!("invalid parameter {name}: must be true or false")),
    }
}

fn integer(object: &Map<String, Value>, name: &str) -> Fields<Option<i64>> {
    optional_int(object, name).map_err(FieldError::Invalid)
}

fn refuse_operator_id(object: &Map<String, Value>) -> Fields<()> {
    if object.contains_key("operatorId") {
        return invalid("operatorId is a query parameter, not a body field");
    }
    Ok(())
}

fn subject(object: &Map<String, Value>) -> Fields<Option<String>> {
    let Some(subject) = string(object, "subject")? else {
        return Ok(None);
    };
    if subject.is_empty() {
        return invalid("subject is empty");
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        return invalid("subject is oversize");
    }
    Ok(Some(subject))
}

fn description(object: &Map<String, Value>) -> Fields<Option<String>> {
    let description = string(object, "description")?;
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return invalid("description is oversize");
    }
    Ok(description)
}

fn due_time(object: &Map<String, Value>) -> Fields<Option<i64>> {
    let due_time = integer(object, "dueTime").map_err(|_| {
        FieldError::Invalid("dueTime is invalid: must be milliseconds since the epoch".into())
    })?;
    match due_time {
        Some(ms) if !(MIN_TIME_MS..=MAX_TIME_MS).contains(&ms) => invalid(format!(
            "dueTime is invalid: must be milliseconds since the epoch, got {ms}"
        )),
        due_time => Ok(due_time),
    }
}

/// A list of unionIds, duplicates dropped (the first kept).
fn people(
    object: &Map<String, Value>,
    name: &str,
    limit: usize,
    oversize: &str,
) -> Fields<Option<Vec<String>>> {
    let items = match present(object, name) {
        None => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return invalid(format!("invalid parameter {name}: must be a list")),
    };
    let mut ids: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(id) if !id.is_empty() => {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
            _ => {
                return invalid(format!(
                    "invalid parameter {name}[{i}]: must be a non-empty unionId"
                ))
            }
        }
    }
    if ids.len() > limit {
        return invalid(oversize);
    }
    Ok(Some(ids))
}

fn detail_url(object: &Map<String, Value>) -> Fields<Option<DetailUrl>> {
    let url = match present(object, "detailUrl") {
        None => return Ok(None),
        Some(Value::Object(url)) => url,
        Some(_) => return invalid("invalid parameter detailUrl: must be an object"),
    };
    let read = |name: &str| -> Fields<Option<String>> {
        let value = string(url, name)
            .map_err(|_| {
                FieldError::Invalid(format!(
                    "invalid parameter detailUrl.{name}: must be a string"
                ))
            })?
            .filter(|u| !u.is_empty());
        if value.as_ref().is_some_and(|u| u.len() > MAX_URL_BYTES) {
            return invalid(format!("detailUrl.{name} is oversize"));
        }
        Ok(value)
    };
    Ok(Some(DetailUrl {
        app_url: read("appUrl")?,
        pc_url: read("pcUrl")?,
    }))
}

fn content_fields(object: &Map<String, Value>) -> Fields<Option<Vec<ContentField>>> {
    let items = match present(object, "contentFieldList") {
        None => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return invalid("invalid parameter contentFieldList: must be a list"),
    };
    let mut fields = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            return invalid(format!(
                "invalid parameter contentFieldList[{i}]: must be an object with fieldKey and fieldValue"
            ));
        };
        let text = |name: &str| -> Fields<String> {
            let value = string(item, name)
                .map_err(|_| {
                    FieldError::Invalid(format!(
                        "invalid parameter contentFieldList[{i}].{name}: must be a string"
                    ))
                })?
                .unwrap_or_default();
            if value.len() > MAX_FIELD_BYTES {
                return invalid(format!("contentFieldList[{i}].{name} is oversize"));
            }
            Ok(value)
        };
        fields.push(ContentField {
            field_key: text("fieldKey")?,
            field_value: text("fieldValue")?,
        });
    }
    Ok(Some(fields))
}

/// `notifyConfigs` values are strings (`{"dingNotify": "1"}`), never booleans.
fn notify_configs(object: &Map<String, Value>) -> Fields<Option<Map<String, Value>>> {
    match present(object, "notifyConfigs") {
        None => Ok(None),
        Some(Value::Object(configs)) => {
            if let Some((name, _)) = configs.iter().find(|(_, v)| !v.is_string()) {
                return invalid(format!(
                    "invalid parameter notifyConfigs.{name}: must be a string such as \"1\""
                ));
            }
            Ok(Some(configs.clone()))
        }
        Some(_) => invalid("invalid parameter notifyConfigs: must be an object"),
    }
}

fn priority(object: &Map<String, Value>) -> Fields<Option<i64>> {
    match integer(object, "priority") {
        Ok(None) => Ok(None),
        Ok(Some(p)) if [10, 20, 30, 40].contains(&p) => Ok(Some(p)),
        _ => invalid("priority is invalid: must be 10, 20, 30 or 40"),
    }
}

fn todo_type(object: &Map<String, Value>) -> Fields<Option<TodoType>> {
    match string(object, "todoType")? {
        None => Ok(None),
        Some(text) => match TodoType::parse(&text) {
            Some(todo_type) => Ok(Some(todo_type)),
            None => invalid("todoType is invalid: must be TODO or READ"),
        },
    }
}

/// A create body.
pub fn new_task(object: &Map<String, Value>) -> Fields<NewTask> {
    refuse_operator_id(object)?;
    if present(object, "subject").is_none() {
        return Err(FieldError::Missing("subject"));
    }
    Ok(NewTask {
        subject: subject(object)?.unwrap_or_default(),
        description: description(object)?,
        due_time: due_time(object)?,
        executor_ids: people(
            object,
            "executorIds",
            MAX_PEOPLE_CREATE,
            "executors is oversize",
        )?
        .unwrap_or_default(),
        participant_ids: people(
            object,
            "participantIds",
            MAX_PEOPLE_CREATE,
            "participants is oversize",
        )?
        .unwrap_or_default(),
        detail_url: detail_url(object)?,
        source_id: string(object, "sourceId")?.filter(|s| !s.is_empty()),
        priority: priority(object)?,
        is_only_show_executor: boolean(object, "isOnlyShowExecutor")?.unwrap_or(false),
        notify_configs: notify_configs(object)?,
        content_field_list: content_fields(object)?,
        creator_id: string(object, "creatorId")?.filter(|s| !s.is_empty()),
        todo_type: todo_type(object)?.unwrap_or(TodoType::Todo),
    })
}

/// An update body: only the fields DingTalk lets an update change.
pub fn changes(object: &Map<String, Value>) -> Fields<Changes> {
    refuse_operator_id(object)?;
    Ok(Changes {
        subject: subject(object)?,
        description: description(object)?,
        due_time: due_time(object)?,
        done: boolean(object, "done")?,
        executor_ids: people(
            object,
            "executorIds",
            MAX_PEOPLE_UPDATE,
            "executors is oversize",
        )?,
        participant_ids: people(
            object,
            "participantIds",
            MAX_PEOPLE_UPDATE,
            "participants is oversize",
        )?,
        content_field_list: content_fields(object)?,
    })
}

/// An executorStatus body: `[(unionId, isDone)]`.
pub fn executor_statuses(object: &Map<String, Value>) -> Fields<Vec<(String, bool)>> {
    refuse_operator_id(object)?;
    let items = match present(object, "executorStatusList") {
        None => return Err(FieldError::Missing("executorStatusList")),
        Some(Value::Array(items)) => items,
        Some(_) => return invalid("invalid parameter executorStatusList: must be a list"),
    };
    if items.is_empty() {
        return invalid("executorStatusList is empty");
    }
    if items.len() > MAX_PEOPLE_UPDATE {
        return invalid("executors is oversize");
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let entry = item.as_object();
            let id = entry.and_then(|e| present(e, "id")).and_then(Value::as_str);
            let done = entry.and_then(|e| present(e, "isDone")).and_then(Value::as_bool);
            match (id, done) {
                (Some(id), Some(done)) if !id.is_empty() => Ok((id.to_owned(), done)),
                _ => invalid(format!(
                    "invalid parameter executorStatusList[{i}]: must be {{\"id\": unionId, \"isDone\": true or false}}"
                )),
            }
        })
        .collect()
}

/// A list body: the query, and the cursor as sent (`None` for the first page).
pub fn list_query(object: &Map<String, Value>) -> Fields<(ListQuery, Option<String>)> {
    let next_token = string(object, "nextToken")
        .map_err(|_| FieldError::Invalid("nextToken is invalid".into()))?
        // DingTalk's own example starts with "0".
        .filter(|token| !token.is_empty() && token != "0");
    let role_types = match present(object, "roleTypes") {
        None => Vec::new(),
        Some(Value::Array(any)) => any
            .iter()
            .map(|all| {
                let roles = all.as_array().filter(|roles| !roles.is_empty())?;
                roles
                    .iter()
                    .map(|role| role.as_str().and_then(Role::parse))
                    .collect::<Option<Vec<Role>>>()
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                FieldError::Invalid(
                    "roleTypes is invalid: must be lists of executor, creator, participant".into(),
                )
            })?,
        Some(_) => return invalid("roleTypes is invalid: must be a list of lists"),
    };
    let query = ListQuery {
        is_done: boolean(object, "isDone")?,
        role_types,
        todo_type: todo_type(object)?,
    };
    Ok((query, next_token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn refused<T: std::fmt::Debug>(result: Fields<T>) -> String {
        match result {
            Err(FieldError::Invalid(message)) => message,
            other => panic!("expected a paramError, got {other:?}"),
        }
    }

    #[test]
    fn create_limits() {
        let ok = object(json!({"subject": "s", "executorIds": ["a", "a", "b"]}));
        assert_eq!(new_task(&ok).unwrap().executor_ids, ["a", "b"]);
        assert_eq!(
            new_task(&object(json!({"subject": null}))).err(),
            Some(FieldError::Missing("subject"))
        );
        let cases = [
            (json!({"subject": ""}), "subject is empty"),
            (json!({"subject": "字".repeat(1025)}), "subject is oversize"),
            (
                json!({"subject": "s", "description": "d".repeat(4097)}),
                "description is oversize",
            ),
            (
                json!({"subject": "s", "dueTime": 1_700_000_000}),
                "dueTime is invalid",
            ),
            (
                json!({"subject": "s", "dueTime": "1700000000000"}),
                "dueTime is invalid",
            ),
            (
                json!({"subject": "s", "priority": 25}),
                "priority is invalid",
            ),
            (
                json!({"subject": "s", "operatorId": "x"}),
                "query parameter",
            ),
            (
                json!({"subject": "s", "notifyConfigs": {"dingNotify": true}}),
                "dingNotify",
            ),
            (
                json!({"subject": "s", "detailUrl": {"pcUrl": "u".repeat(1025)}}),
                "detailUrl.pcUrl is oversize",
            ),
            (
                json!({"subject": "s", "contentFieldList": [{"fieldKey": "k", "fieldValue": 1}]}),
                "contentFieldList[0].fieldValue",
            ),
            (
                json!({"subject": "s", "executorIds": ["a", ""]}),
                "executorIds[1]",
            ),
            (
                json!({"subject": "s", "todoType": "todo"}),
                "todoType is invalid",
            ),
        ];
        for (body, needle) in cases {
            let message = refused(new_task(&object(body.clone())));
            assert!(message.contains(needle), "{body}: {message}");
        }
        let many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
        let message = refused(new_task(&object(
            json!({"subject": "s", "participantIds": many}),
        )));
        assert_eq!(message, "participants is oversize");
        // 1024 characters of a multi-byte script fit.
        assert!(new_task(&object(json!({"subject": "字".repeat(1024)}))).is_ok());
    }

    #[test]
    fn update_allows_a_thousand_people() {
        let many: Vec<String> = (0..1000).map(|i| format!("u{i}")).collect();
        let changes = changes(&object(json!({"executorIds": many, "done": true}))).unwrap();
        assert_eq!(changes.executor_ids.map(|e| e.len()), Some(1000));
        assert_eq!(changes.done, Some(true));
        let more: Vec<String> = (0..1001).map(|i| format!("u{i}")).collect();
        assert_eq!(
            refused(super::changes(&object(json!({"executorIds": more})))),
            "executors is oversize"
        );
    }

    #[test]
    fn list_queries() {
        let (query, token) = list_query(&object(json!({
            "nextToken": "0", "isDone": true, "roleTypes": [["executor", "creator"], ["participant"]]
        })))
        .unwrap();
        assert_eq!(token, None);
        assert_eq!(query.is_done, Some(true));
        assert_eq!(
            query.role_types,
            [vec![Role::Executor, Role::Creator], vec![Role::Participant]]
        );
        for bad in [
            json!({"roleTypes": [["boss"]]}),
            json!({"roleTypes": [[]]}),
            json!({"roleTypes": ["executor"]}),
            json!({"nextToken": 15}),
        ] {
            assert!(list_query(&object(bad.clone())).is_err(), "{bad}");
        }
    }
}
