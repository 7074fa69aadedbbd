//! Whether the task DingTalk holds under a sourceId is the one this call's create made, judged
//! on what DingTalk returns for it, not only on what was sent.
//!
//! A create makes a task with exactly the fields it sent and nothing else: every field of the
//! task that a create sets must be what this call set it to, and a field this call left unset
//! must be unset there too (absent, `null`, `""`, `[]`, `{}`; `false` for `isOnlyShowExecutor`
//! and `done`). DingTalk adds the creator and the executors to `participantIds`, and makes the
//! path's user the creator unless `creatorId` says otherwise. A field that differs proves the
//! task is another's; a field this call set that the task object does not show proves nothing
//! either way (only for the fields DingTalk documents in a task object: `notifyConfigs` and
//! `contentFieldList` are compared when shown).

use serde::Serialize;
use serde_json::{Map, Value};

use super::{NewTask, Task};

/// What the task found shows about whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Every field is what this call's create made.
    Ours,
    /// This field is not what this call's create made: the task is another's.
    Another(&'static str),
    /// Nothing differs, but this field this call set is not shown: whose it is is unknown.
    Unknown(&'static str),
}

/// How one field compares.
enum Field {
    Same,
    Differs,
    NotShown,
}

/// A value that means "unset" in a task object.
fn unset(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(unset),
        Value::Bool(true) | Value::Number(_) => false,
    }
}

/// The ids of a list of ids, sorted and without repeats; `None` for anything else.
fn id_set(value: &Value) -> Option<Vec<&str>> {
    let mut ids = value
        .as_array()?
        .iter()
        .map(Value::as_str)
        .collect::<Option<Vec<_>>>()?;
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// An object without its unset members (`{"appUrl": "x", "pcUrl": null}` is `{"appUrl": "x"}`).
fn set_members(value: &Value) -> Option<Map<String, Value>> {
    let object = value.as_object()?;
    Some(
        object
            .iter()
            .filter(|(_, v)| !unset(v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// Compares the field `found` shows with what the create set (`None`: nothing); `shown`:
/// whether a task object always shows the field when it is set.
fn compare(
    sent: Option<Value>,
    found: Option<&Value>,
    shown: bool,
    same: impl Fn(&Value, &Value) -> bool,
) -> Field {
    let found = found.filter(|v| !unset(v));
    let sent = sent.filter(|v| !unset(v));
    match (sent, found) {
        (None, None) => Field::Same,
        (Some(sent), Some(found)) if same(&sent, found) => Field::Same,
        (Some(_), None) if !shown => Field::Same,
        (Some(_), None) => Field::NotShown,
        _ => Field::Differs,
    }
}

/// A field as the create sent it, as JSON (`None`: not sent).
fn json<T: Serialize>(sent: &Option<T>) -> Option<Value> {
    sent.as_ref().and_then(|v| serde_json::to_value(v).ok())
}

fn equal(a: &Value, b: &Value) -> bool {
    a == b
}

fn same_ids(a: &Value, b: &Value) -> bool {
    id_set(a).is_some_and(|a| id_set(b) == Some(a))
}

fn same_members(a: &Value, b: &Value) -> bool {
    set_members(a).is_some_and(|a| set_members(b) == Some(a))
}

/// One field a create sets: its name, what this create set it to, whether a task object always
/// shows it when it is set, and when two values of it are the same.
struct Check {
    name: &'static str,
    sent: Option<Value>,
    shown: bool,
    same: fn(&Value, &Value) -> bool,
}

impl Check {
    fn new(name: &'static str, sent: Option<Value>, same: fn(&Value, &Value) -> bool) -> Self {
        Check {
            name,
            sent,
            shown: true,
            same,
        }
    }

    /// Not in DingTalk's documented task object: compared only when shown.
    fn when_shown(self) -> Self {
        Check {
            shown: false,
            ..self
        }
    }
}

/// Judges `found`, the task DingTalk holds under the sourceId of `sent`, which this call
/// created for the user `union_id`.
pub(crate) fn judge(sent: &NewTask, union_id: &str, found: &Task) -> Verdict {
    let creator = sent.creator_id.as_deref().unwrap_or(union_id);
    let checks = [
        Check::new("subject", Some(Value::from(sent.subject.as_str())), equal),
        Check::new("sourceId", json(&sent.source_id), equal),
        Check::new("description", json(&sent.description), equal),
        Check::new("dueTime", json(&sent.due_time), equal),
        Check::new("priority", json(&sent.priority), equal),
        Check::new(
            "isOnlyShowExecutor",
            json(&sent.is_only_show_executor),
            equal,
        ),
        Check::new("creatorId", Some(Value::from(creator)), equal),
        Check::new("executorIds", json(&sent.executor_ids), same_ids),
        Check::new("detailUrl", json(&sent.detail_url), same_members),
        Check::new("notifyConfigs", json(&sent.notify_configs), same_members).when_shown(),
        Check::new("contentFieldList", json(&sent.content_field_list), equal).when_shown(),
    ];
    let mut not_shown = None;
    for check in checks {
        match compare(check.sent, found.get(check.name), check.shown, check.same) {
            Field::Same => {}
            Field::Differs => return Verdict::Another(check.name),
            Field::NotShown => not_shown = not_shown.or(Some(check.name)),
        }
    }
    if found.get("done").is_some_and(|done| !unset(done)) {
        // A create makes an open task.
        return Verdict::Another("done");
    }
    match participants(sent, creator, found.get("participantIds")) {
        Field::Same => {}
        Field::Differs => return Verdict::Another("participantIds"),
        Field::NotShown => not_shown = not_shown.or(Some("participantIds")),
    }
    not_shown.map_or(Verdict::Ours, Verdict::Unknown)
}

/// `participantIds`: those sent, plus the creator and the executors DingTalk adds, and no one
/// else.
fn participants(sent: &NewTask, creator: &str, found: Option<&Value>) -> Field {
    let sent_ids = sent.participant_ids.as_deref().unwrap_or_default();
    let Some(found) = found.filter(|v| !unset(v)) else {
        return if sent_ids.is_empty() {
            Field::Same
        } else {
            Field::NotShown
        };
    };
    let Some(found) = id_set(found) else {
        return Field::Differs;
    };
    let executors = sent.executor_ids.as_deref().unwrap_or_default();
    let all_sent = sent_ids.iter().all(|id| found.contains(&id.as_str()));
    let none_else = found
        .iter()
        .all(|id| *id == creator || sent_ids.iter().chain(executors).any(|known| known == id));
    if all_sent && none_else {
        Field::Same
    } else {
        Field::Differs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(value: Value) -> NewTask {
        NewTask::from_json("task", &value).unwrap()
    }

    fn found(value: Value) -> Task {
        value.as_object().unwrap().clone()
    }

    /// The task the emulator makes for `sent`, as DingTalk's task object shows it.
    fn made() -> Value {
        json!({"id": "t1", "subject": "s", "sourceId": "src", "executorIds": ["a", "b"],
               "participantIds": ["p", "boss", "a", "b"], "detailUrl": {"appUrl": "https://a"},
               "creatorId": "boss", "modifierId": "boss", "done": false,
               "isOnlyShowExecutor": false, "startTime": 1, "createdTime": 1, "bizTag": "x"})
    }

    fn sent() -> NewTask {
        task(
            json!({"subject": "s", "sourceId": "src", "executorIds": ["b", "a"],
                    "participantIds": ["p"], "detailUrl": {"appUrl": "https://a"}}),
        )
    }

    #[test]
    fn the_task_this_create_made_is_ours() {
        assert_eq!(judge(&sent(), "boss", &found(made())), Verdict::Ours);
    }

    #[test]
    fn any_field_set_otherwise_is_anothers() {
        for (field, value) in [
            ("subject", json!("another")),
            ("description", json!("set there, not here")),
            ("dueTime", json!(1_900_000_000_000_i64)),
            ("priority", json!(40)),
            ("executorIds", json!(["a"])),
            (
                "detailUrl",
                json!({"appUrl": "https://a", "pcUrl": "https://p"}),
            ),
            ("creatorId", json!("someone-else")),
            ("isOnlyShowExecutor", json!(true)),
            ("done", json!(true)),
            ("participantIds", json!(["p", "boss", "a", "b", "stranger"])),
            ("notifyConfigs", json!({"dingNotify": "1"})),
        ] {
            let mut other = made();
            other[field] = value;
            assert_eq!(
                judge(&sent(), "boss", &found(other)),
                Verdict::Another(field),
                "{field}"
            );
        }
    }

    #[test]
    fn an_unset_field_may_be_shown_as_empty() {
        let mut shown = made();
        shown["description"] = json!("");
        shown["dueTime"] = Value::Null;
        shown["detailUrl"] = json!({"appUrl": "https://a", "pcUrl": ""});
        shown["notifyConfigs"] = json!({});
        assert_eq!(judge(&sent(), "boss", &found(shown)), Verdict::Ours);
    }

    #[test]
    fn a_field_sent_but_not_shown_proves_nothing() {
        let with_description = task(json!({"subject": "s", "sourceId": "src",
            "executorIds": ["a", "b"], "participantIds": ["p"],
            "detailUrl": {"appUrl": "https://a"}, "description": "d"}));
        assert_eq!(
            judge(&with_description, "boss", &found(made())),
            Verdict::Unknown("description")
        );
        // Undocumented in a task object: not shown is no doubt.
        let with_flags = task(json!({"subject": "s", "sourceId": "src",
            "executorIds": ["a", "b"], "participantIds": ["p"],
            "detailUrl": {"appUrl": "https://a"}, "notifyConfigs": {"dingNotify": "1"}}));
        assert_eq!(judge(&with_flags, "boss", &found(made())), Verdict::Ours);
        // Another difference wins over a field not shown.
        let mut other = made();
        other["subject"] = json!("x");
        assert_eq!(
            judge(&with_description, "boss", &found(other)),
            Verdict::Another("subject")
        );
    }

    #[test]
    fn the_creator_is_the_paths_user_unless_sent() {
        let mut by_other = made();
        by_other["creatorId"] = json!("someone");
        by_other["participantIds"] = json!(["p", "someone", "a", "b"]);
        assert_eq!(
            judge(&sent(), "boss", &found(by_other.clone())),
            Verdict::Another("creatorId")
        );
        let mut from_someone = sent();
        from_someone.creator_id = Some("someone".into());
        assert_eq!(
            judge(&from_someone, "boss", &found(by_other)),
            Verdict::Ours
        );
    }
}
