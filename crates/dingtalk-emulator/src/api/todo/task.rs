//! A to-do task: what a create, an update and an executor status say of it, who takes part in
//! it and in which role, and the objects DingTalk shows of it (the task of create and get, the
//! card of a list).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

/// `bizTag` and `source` of every task: what DingTalk's own examples show for tasks
/// created through the open API.
pub const BIZ_TAG: &str = "isv_dingtalkTodo";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailUrl {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pc_url: Option<String>,
}

impl DetailUrl {
    /// DingTalk lists only tasks created with a detail page.
    fn is_set(&self) -> bool {
        self.app_url.is_some() || self.pc_url.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentField {
    pub field_key: String,
    pub field_value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TodoType {
    Todo,
    Read,
}

impl TodoType {
    pub fn parse(text: &str) -> Option<TodoType> {
        match text {
            "TODO" => Some(TodoType::Todo),
            "READ" => Some(TodoType::Read),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            TodoType::Todo => "TODO",
            TodoType::Read => "READ",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Executor,
    Creator,
    Participant,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "executor" => Some(Role::Executor),
            "creator" => Some(Role::Creator),
            "participant" => Some(Role::Participant),
            _ => None,
        }
    }
}

/// A validated create body.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub subject: String,
    pub description: Option<String>,
    pub due_time: Option<i64>,
    pub executor_ids: Vec<String>,
    pub participant_ids: Vec<String>,
    pub detail_url: Option<DetailUrl>,
    pub source_id: Option<String>,
    pub priority: Option<i64>,
    pub is_only_show_executor: bool,
    pub notify_configs: Option<Map<String, Value>>,
    pub content_field_list: Option<Vec<ContentField>>,
    pub creator_id: Option<String>,
    pub todo_type: TodoType,
}

/// A validated update body: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub due_time: Option<i64>,
    pub done: Option<bool>,
    pub executor_ids: Option<Vec<String>>,
    pub participant_ids: Option<Vec<String>>,
    pub content_field_list: Option<Vec<ContentField>>,
}

/// A validated list query (the cursor aside).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `None`: done and pending alike.
    pub is_done: Option<bool>,
    /// Outer list OR, inner lists AND; empty: any role.
    pub role_types: Vec<Vec<Role>>,
    pub todo_type: Option<TodoType>,
}

pub struct Task {
    /// Its place in creation order.
    number: u64,
    id: String,
    new: NewTask,
    creator_id: String,
    modifier_id: String,
    created_time: i64,
    modified_time: i64,
    done: bool,
    finish_time: Option<i64>,
    /// Each executor's own status, set by `executorStatus`.
    executor_done: BTreeMap<String, bool>,
    deleted: bool,
}

impl Task {
    /// A task made by `creator` (the path's unionId unless the body names one) on behalf of
    /// `operator`, at `now`.
    pub fn new(
        number: u64,
        id: String,
        new: NewTask,
        creator: &str,
        operator: &str,
        now: i64,
    ) -> Task {
        Task {
            number,
            id,
            creator_id: new.creator_id.clone().unwrap_or_else(|| creator.to_owned()),
            modifier_id: operator.to_owned(),
            created_time: now,
            modified_time: now,
            done: false,
            finish_time: None,
            executor_done: BTreeMap::new(),
            deleted: false,
            new,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn number(&self) -> u64 {
        self.number
    }

    pub fn source_id(&self) -> Option<&str> {
        self.new.source_id.as_deref()
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn is_executor(&self, union_id: &str) -> bool {
        self.new.executor_ids.iter().any(|id| id == union_id)
    }

    /// The participants as DingTalk shows them: those given, then the creator and the
    /// executors not already among them. Everyone who takes part in the task.
    pub fn participant_ids(&self) -> Vec<&str> {
        let mut all: Vec<&str> = Vec::new();
        let given = self.new.participant_ids.iter().map(String::as_str);
        let implied = std::iter::once(self.creator_id.as_str())
            .chain(self.new.executor_ids.iter().map(String::as_str));
        for id in given.chain(implied) {
            if !all.contains(&id) {
                all.push(id);
            }
        }
        all
    }

    fn has_role(&self, union_id: &str, role: Role) -> bool {
        match role {
            Role::Executor => self.is_executor(union_id),
            Role::Creator => self.creator_id == union_id,
            Role::Participant => self.participant_ids().contains(&union_id),
        }
    }

    /// Done as this user sees it: the whole task, or their own part as an executor.
    fn done_for(&self, union_id: &str) -> bool {
        self.done || self.executor_done.get(union_id).copied().unwrap_or(false)
    }

    /// Whether `union_id`'s list shows this task for `query`.
    pub fn matches(&self, union_id: &str, query: &ListQuery) -> bool {
        let listed = self.new.detail_url.as_ref().is_some_and(DetailUrl::is_set);
        let shown = !self.new.is_only_show_executor || self.is_executor(union_id);
        let role = query.role_types.is_empty()
            || query
                .role_types
                .iter()
                .any(|all| all.iter().all(|role| self.has_role(union_id, *role)));
        let todo_type = query.todo_type.is_none_or(|t| t == self.new.todo_type);
        let done = query.is_done.is_none_or(|d| d == self.done_for(union_id));
        listed && shown && role && todo_type && done
    }

    fn modified(&mut self, operator: &str, now: i64) {
        self.modifier_id = operator.to_owned();
        self.modified_time = now;
    }

    /// Applies an update.
    pub fn apply(&mut self, changes: Changes, operator: &str, now: i64) {
        let new = &mut self.new;
        if let Some(subject) = changes.subject {
            new.subject = subject;
        }
        if let Some(description) = changes.description {
            new.description = Some(description);
        }
        if let Some(due_time) = changes.due_time {
            new.due_time = Some(due_time);
        }
        if let Some(executors) = changes.executor_ids {
            new.executor_ids = executors;
            // Statuses of people who are no longer executors go with them.
            let executors = &new.executor_ids;
            self.executor_done.retain(|id, _| executors.contains(id));
        }
        if let Some(participants) = changes.participant_ids {
            new.participant_ids = participants;
        }
        if let Some(content) = changes.content_field_list {
            new.content_field_list = Some(content);
        }
        if let Some(done) = changes.done {
            if done != self.done {
                self.done = done;
                self.finish_time = done.then_some(now);
            }
        }
        self.modified(operator, now);
    }

    /// Sets executors' own done flags; every id must be an executor of the task, else the
    /// first that is not.
    pub fn set_executor_status(
        &mut self,
        statuses: &[(String, bool)],
        operator: &str,
        now: i64,
    ) -> Result<(), String> {
        if let Some((stranger, _)) = statuses.iter().find(|(id, _)| !self.is_executor(id)) {
            return Err(stranger.clone());
        }
        for (executor, done) in statuses {
            self.executor_done.insert(executor.clone(), *done);
        }
        self.modified(operator, now);
        Ok(())
    }

    pub fn delete(&mut self, operator: &str, now: i64) {
        self.deleted = true;
        self.modified(operator, now);
    }

    /// The task object of create and get (without `requestId`).
    pub fn to_json(&self) -> Map<String, Value> {
        let mut task = Map::new();
        let mut put = |key: &str, value: Value| {
            task.insert(key.to_owned(), value);
        };
        put("id", json!(self.id));
        put("subject", json!(self.new.subject));
        if let Some(description) = &self.new.description {
            put("description", json!(description));
        }
        put("startTime", json!(self.created_time));
        if let Some(due_time) = self.new.due_time {
            put("dueTime", json!(due_time));
        }
        if let Some(finish_time) = self.finish_time {
            put("finishTime", json!(finish_time));
        }
        put("done", json!(self.done));
        put("executorIds", json!(self.new.executor_ids));
        put("participantIds", json!(self.participant_ids()));
        if let Some(detail_url) = &self.new.detail_url {
            put("detailUrl", json!(detail_url));
        }
        put("source", json!(BIZ_TAG));
        if let Some(source_id) = &self.new.source_id {
            put("sourceId", json!(source_id));
        }
        put("createdTime", json!(self.created_time));
        put("modifiedTime", json!(self.modified_time));
        put("creatorId", json!(self.creator_id));
        put("modifierId", json!(self.modifier_id));
        put("bizTag", json!(BIZ_TAG));
        if let Some(content) = &self.new.content_field_list {
            put("contentFieldList", json!(content));
        }
        put("isOnlyShowExecutor", json!(self.new.is_only_show_executor));
        if let Some(priority) = self.new.priority {
            put("priority", json!(priority));
        }
        if let Some(notify) = &self.new.notify_configs {
            put("notifyConfigs", Value::Object(notify.clone()));
        }
        task
    }

    /// A card of the list, as `union_id` sees it.
    pub fn card(&self, union_id: &str) -> Value {
        let mut card = Map::new();
        let mut put = |key: &str, value: Value| {
            card.insert(key.to_owned(), value);
        };
        put("taskId", json!(self.id));
        put("subject", json!(self.new.subject));
        if let Some(due_time) = self.new.due_time {
            put("dueTime", json!(due_time));
        }
        if let Some(detail_url) = &self.new.detail_url {
            put("detailUrl", json!(detail_url));
        }
        if let Some(priority) = self.new.priority {
            put("priority", json!(priority));
        }
        put("createdTime", json!(self.created_time));
        put("modifiedTime", json!(self.modified_time));
        put("creatorId", json!(self.creator_id));
        if let Some(source_id) = &self.new.source_id {
            put("sourceId", json!(source_id));
        }
        put("bizTag", json!(BIZ_TAG));
        put("isDone", json!(self.done_for(union_id)));
        put("todoType", json!(self.new.todo_type.as_str()));
        Value::Object(card)
    }

    /// Everything stored, for `GET /_emulator/todos`.
    pub fn dump(&self) -> Value {
        let mut task = self.to_json();
        task.insert("deleted".to_owned(), json!(self.deleted));
        task.insert("executorStatus".to_owned(), json!(self.executor_done));
        task.insert("todoType".to_owned(), json!(self.new.todo_type.as_str()));
        Value::Object(task)
    }
}
