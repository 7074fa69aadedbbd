//! Stored to-do tasks and the pages of a user's list.
//!
//! Tasks are numbered in the order they are created; each user has an ordered set of
//! the live tasks they take part in (as creator, executor or participant), so a page
//! walks only that user's tasks, and a cursor is simply the last number a page showed.
//! Deleted tasks are kept (marked) for `GET /_emulator/todos`, but nothing else sees them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::task::{Changes, ListQuery, NewTask, Task};

/// Cards per list page. DingTalk publishes no page size; 10 keeps paging visible in
/// tests without creating many tasks.
pub const PAGE_SIZE: usize = 10;

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
            .filter(|task| !task.is_deleted())
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
        let task = Task::new(number, id.clone(), new, creator, operator, now);
        if let Some(source_id) = task.source_id() {
            self.by_source.insert(source_id.to_owned(), number);
        }
        let people = Self::people(&task);
        self.index(number, &people);
        self.by_id.insert(id, number);
        Ok(self.tasks.entry(number).or_insert(task))
    }

    /// A live task by id.
    pub fn get(&self, id: &str) -> Option<&Task> {
        let number = self.by_id.get(id)?;
        self.tasks.get(number).filter(|task| !task.is_deleted())
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
        let number = task.number();
        let before = Self::people(task);
        task.apply(changes, operator, now);
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
        task.set_executor_status(statuses, operator, now)
            .map_err(StoreError::NotExecutor)?;
        Ok(task)
    }

    pub fn delete(&mut self, id: &str, operator: &str, now: i64) -> Result<&Task, StoreError> {
        let task = self.live_mut(id)?;
        task.delete(operator, now);
        let number = task.number();
        let source_id = task.source_id().map(str::to_owned);
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
            page.next = Some(task.number());
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

    use crate::api::todo::task::{DetailUrl, Role, TodoType};

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
