//! Stored to-do tasks, the people in them, and the pages of a user's list.
//!
//! Tasks are numbered in the order they are created; each user has an ordered set of
//! the live tasks they take part in (as creator, executor or participant), so a page
//! walks only that user's tasks, and a cursor is simply the last number a page showed.
//! Deleted tasks are kept (marked) for `GET /_emulator/todos`, but nothing else sees them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{json, Map, Value};

/// `bizTag` and `source` of every task: what DingTalk's own examples show for tasks
/// created through the open API.
pub const BIZ_TAG: &str = "isv_dingtalkTodo";

/// Cards per list page. DingTalk publishes no page size; 10 keeps paging visible in
/// tests without creating many tasks.
pub const PAGE_SIZE: usize = 10;

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
    pub fn id(&self) -> &str {
        &self.id
    }

    fn is_executor(&self, union_id: &str) -> bool {
        self.new.executor_ids.iter().any(|id| id == union_id)
    }

    /// The participants as DingTalk shows them: those given, then the creator and the
    /// executors not already among them.
    fn participant_ids(&self) -> Vec<&str> {
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

    fn matches(&self, union_id: &str, query: &ListQuery) -> bool {
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
    fn card(&self, union_id: &str) -> Value {
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
    fn dump(&self) -> Value {
        let mut task = self.to_json();
        task.insert("deleted".to_owned(), json!(self.deleted));
        task.insert("executorStatus".to_owned(), json!(self.executor_done));
        task.insert("todoType".to_owned(), json!(self.new.todo_type.as_str()));
        Value::Object(task)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum StoreError {
    /// Create: a live task already has this `sourceId`.
    TaskExist,
    /// No such task, or it was deleted.
    NotExist,
    /// executorStatus: this unionId is not an executor of the task.
    NotExecutor(String),
}

/// One page of a user's list.
pub struct Page {
    pub cards: Vec<Value>,
    /// The number of the last card shown, when more follow.
    pub next: Option<u64>,
}

#[derive(Default)]
pub struct TodoStore {
    /// Never reset, so numbers (and cursors) are never reused.
    next_number: u64,
    tasks: BTreeMap<u64, Task>,
    by_id: HashMap<String, u64>,
    /// Live tasks only: a deleted task frees its sourceId.
    by_source: HashMap<String, u64>,
    /// unionId → the live tasks they take part in.
    by_user: HashMap<String, BTreeSet<u64>>,
}

impl TodoStore {
    fn people(task: &Task) -> Vec<String> {
        task.participant_ids()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn index(&mut self, number: u64, people: &[String]) {
        for person in people {
            self.by_user
                .entry(person.clone())
                .or_default()
                .insert(number);
        }
    }

    fn unindex(&mut self, number: u64, people: &[String]) {
        for person in people {
            if let Some(tasks) = self.by_user.get_mut(person) {
                tasks.remove(&number);
                if tasks.is_empty() {
                    self.by_user.remove(person);
                }
            }
        }
    }

    fn live_mut(&mut self, id: &str) -> Result<&mut Task, StoreError> {
        let number = self.by_id.get(id).ok_or(StoreError::NotExist)?;
        self.tasks
            .get_mut(number)
            .filter(|task| !task.deleted)
            .ok_or(StoreError::NotExist)
    }

    /// Stores a new task made by `creator` (the path's unionId unless the body names
    /// one) on behalf of `operator`.
    pub fn create(
        &mut self,
        id: String,
        new: NewTask,
        creator: &str,
        operator: &str,
        now: i64,
    ) -> Result<&Task, StoreError> {
        if let Some(source_id) = &new.source_id {
            if self.by_source.contains_key(source_id) {
                return Err(StoreError::TaskExist);
            }
        }
        let number = self.next_number;
        self.next_number += 1;
        let task = Task {
            number,
            creator_id: new.creator_id.clone().unwrap_or_else(|| creator.to_owned()),
            modifier_id: operator.to_owned(),
            created_time: now,
            modified_time: now,
            done: false,
            finish_time: None,
            executor_done: BTreeMap::new(),
            deleted: false,
            id: id.clone(),
            new,
        };
        if let Some(source_id) = &task.new.source_id {
            self.by_source.insert(source_id.clone(), number);
        }
        let people = Self::people(&task);
        self.index(number, &people);
        self.by_id.insert(id, number);
        Ok(self.tasks.entry(number).or_insert(task))
    }

    /// A live task by id.
    pub fn get(&self, id: &str) -> Option<&Task> {
        let number = self.by_id.get(id)?;
        self.tasks.get(number).filter(|task| !task.deleted)
    }

    /// A live task by the caller's `sourceId`.
    pub fn by_source(&self, source_id: &str) -> Option<&Task> {
        self.tasks.get(self.by_source.get(source_id)?)
    }

    pub fn update(
        &mut self,
        id: &str,
        changes: Changes,
        operator: &str,
        now: i64,
    ) -> Result<&Task, StoreError> {
        let task = self.live_mut(id)?;
        let number = task.number;
        let before = Self::people(task);
        let new = &mut task.new;
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
            task.executor_done.retain(|id, _| executors.contains(id));
        }
        if let Some(participants) = changes.participant_ids {
            task.new.participant_ids = participants;
        }
        if let Some(content) = changes.content_field_list {
            task.new.content_field_list = Some(content);
        }
        if let Some(done) = changes.done {
            if done != task.done {
                task.done = done;
                task.finish_time = done.then_some(now);
            }
        }
        task.modifier_id = operator.to_owned();
        task.modified_time = now;
        let after = Self::people(task);
        if before != after {
            self.unindex(number, &before);
            self.index(number, &after);
        }
        self.tasks.get(&number).ok_or(StoreError::NotExist)
    }

    /// Sets executors' own done flags; every id must be an executor of the task.
    pub fn set_executor_status(
        &mut self,
        id: &str,
        statuses: &[(String, bool)],
        operator: &str,
        now: i64,
    ) -> Result<&Task, StoreError> {
        let task = self.live_mut(id)?;
        if let Some((stranger, _)) = statuses.iter().find(|(id, _)| !task.is_executor(id)) {
            return Err(StoreError::NotExecutor(stranger.clone()));
        }
        for (executor, done) in statuses {
            task.executor_done.insert(executor.clone(), *done);
        }
        task.modifier_id = operator.to_owned();
        task.modified_time = now;
        Ok(task)
    }

    pub fn delete(&mut self, id: &str, operator: &str, now: i64) -> Result<&Task, StoreError> {
        let task = self.live_mut(id)?;
        task.deleted = true;
        task.modifier_id = operator.to_owned();
        task.modified_time = now;
        let number = task.number;
        let source_id = task.new.source_id.clone();
        let people = Self::people(task);
        if let Some(source_id) = source_id {
            self.by_source.remove(&source_id);
        }
        self.unindex(number, &people);
        self.tasks.get(&number).ok_or(StoreError::NotExist)
    }

    /// Up to `size` cards of `union_id`'s tasks matching `query`, in creation order,
    /// after task number `after` (from the start when `None`).
    pub fn page(&self, union_id: &str, query: &ListQuery, after: Option<u64>, size: usize) -> Page {
        let mut page = Page {
            cards: Vec::new(),
            next: None,
        };
        let Some(numbers) = self.by_user.get(union_id) else {
            return page;
        };
        let start = after.map_or(0, |n| n.saturating_add(1));
        let mut matching = numbers
            .range(start..)
            .filter_map(|number| self.tasks.get(number))
            .filter(|task| task.matches(union_id, query));
        for task in matching.by_ref().take(size) {
            page.cards.push(task.card(union_id));
            page.next = Some(task.number);
        }
        // Only promise a next page that has something on it.
        if matching.next().is_none() {
            page.next = None;
        }
        page
    }

    /// Every task `union_id` takes part in (every task when `None`), deleted ones
    /// included, in creation order.
    pub fn dump(&self, union_id: Option<&str>) -> Vec<Value> {
        self.tasks
            .values()
            .filter(|task| union_id.is_none_or(|u| task.participant_ids().contains(&u)))
            .map(Task::dump)
            .collect()
    }

    pub fn clear(&mut self) {
        self.tasks.clear();
        self.by_id.clear();
        self.by_source.clear();
        self.by_user.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_task(subject: &str) -> NewTask {
        NewTask {
            subject: subject.to_owned(),
            description: None,
            due_time: None,
            executor_ids: vec!["exec".to_owned()],
            participant_ids: vec![],
            detail_url: Some(DetailUrl {
                app_url: Some("https://example.invalid/app".to_owned()),
                pc_url: None,
            }),
            source_id: None,
            priority: None,
            is_only_show_executor: false,
            notify_configs: None,
            content_field_list: None,
            creator_id: None,
            todo_type: TodoType::Todo,
        }
    }

    fn subjects(page: &Page) -> Vec<String> {
        page.cards
            .iter()
            .map(|c| c["subject"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn pages_follow_creation_order_and_stop_with_the_last_card() {
        let mut store = TodoStore::default();
        for i in 0..5 {
            store
                .create(
                    format!("id{i}"),
                    new_task(&format!("t{i}")),
                    "boss",
                    "boss",
                    1,
                )
                .unwrap();
        }
        let all = ListQuery::default();
        let first = store.page("exec", &all, None, 2);
        assert_eq!(subjects(&first), ["t0", "t1"]);
        let second = store.page("exec", &all, first.next, 2);
        assert_eq!(subjects(&second), ["t2", "t3"]);
        let last = store.page("exec", &all, second.next, 2);
        assert_eq!(subjects(&last), ["t4"]);
        assert_eq!(last.next, None);
        // Exactly a full last page: no promise of an empty one.
        let exact = store.page("exec", &all, first.next, 3);
        assert_eq!(subjects(&exact), ["t2", "t3", "t4"]);
        assert_eq!(exact.next, None);
        assert!(store.page("nobody", &all, None, 2).cards.is_empty());
    }

    #[test]
    fn roles_are_or_of_ands() {
        let mut store = TodoStore::default();
        let mut both = new_task("both");
        both.executor_ids = vec!["boss".to_owned()];
        store.create("a".into(), both, "boss", "boss", 1).unwrap();
        store
            .create("b".into(), new_task("created"), "boss", "boss", 1)
            .unwrap();
        let mut watched = new_task("watched");
        watched.participant_ids = vec!["boss".to_owned()];
        store
            .create("c".into(), watched, "other", "other", 1)
            .unwrap();
        let with = |roles: Vec<Vec<Role>>| {
            let query = ListQuery {
                role_types: roles,
                ..ListQuery::default()
            };
            subjects(&store.page("boss", &query, None, 10))
        };
        assert_eq!(with(vec![]), ["both", "created", "watched"]);
        assert_eq!(with(vec![vec![Role::Executor]]), ["both"]);
        assert_eq!(with(vec![vec![Role::Creator]]), ["both", "created"]);
        assert_eq!(with(vec![vec![Role::Executor, Role::Creator]]), ["both"]);
        assert_eq!(
            with(vec![vec![Role::Executor], vec![Role::Participant]]),
            ["both", "created", "watched"]
        );
    }

    #[test]
    fn delete_hides_the_task_and_frees_its_source_id() {
        let mut store = TodoStore::default();
        let mut task = new_task("t");
        task.source_id = Some("s".to_owned());
        store
            .create("a".into(), task.clone(), "boss", "boss", 1)
            .unwrap();
        assert_eq!(
            store
                .create("b".into(), task.clone(), "boss", "boss", 1)
                .err(),
            Some(StoreError::TaskExist)
        );
        store.delete("a", "boss", 2).unwrap();
        assert!(store.get("a").is_none());
        assert!(store.by_source("s").is_none());
        assert_eq!(
            store.delete("a", "boss", 3).err(),
            Some(StoreError::NotExist)
        );
        assert!(store
            .page("exec", &ListQuery::default(), None, 10)
            .cards
            .is_empty());
        store.create("b".into(), task, "boss", "boss", 4).unwrap();
        let dump = store.dump(Some("exec"));
        assert_eq!(dump.len(), 2);
        assert_eq!(dump[0]["deleted"], true);
        assert_eq!(dump[1]["deleted"], false);
    }

    #[test]
    fn changing_executors_moves_the_task_between_lists() {
        let mut store = TodoStore::default();
        store
            .create("a".into(), new_task("t"), "boss", "boss", 1)
            .unwrap();
        let changes = Changes {
            executor_ids: Some(vec!["new".to_owned()]),
            ..Changes::default()
        };
        store.update("a", changes, "boss", 2).unwrap();
        let all = ListQuery::default();
        assert!(store.page("exec", &all, None, 10).cards.is_empty());
        assert_eq!(subjects(&store.page("new", &all, None, 10)), ["t"]);
        assert_eq!(subjects(&store.page("boss", &all, None, 10)), ["t"]);
    }
}
