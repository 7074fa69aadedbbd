//! Work-notice send tasks, and what each user was sent today.
//!
//! DingTalk drops, without failing the send, a notice an app already sent the same user that
//! day with the same content (code 143106), and any past 500 a day per app and user (143105);
//! `getsendresult` lists those users as forbidden. Days are China Standard Time (UTC+8)
//! calendar days, DingTalk's. A task can be looked up for 24 hours, then it is forgotten.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

/// How long a task can be queried or recalled: 24 hours, in milliseconds.
pub const TASK_LIFETIME_MS: u64 = 24 * 3600 * 1000;
/// Notices an app may send one user in a day (DingTalk's limit for an internal app).
pub const DAILY_LIMIT: usize = 500;
/// UTC+8, in milliseconds.
const CHINA_OFFSET_MS: u64 = 8 * 3600 * 1000;
const DAY_MS: u64 = 24 * 3600 * 1000;

/// Why DingTalk did not deliver to a user: its flow-control code and the threshold crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden {
    pub code: &'static str,
    pub count: u64,
}

/// The same content to the same user on the same day.
pub const REPEATED: Forbidden = Forbidden {
    code: "143106",
    count: 1,
};
/// More than [`DAILY_LIMIT`] notices to one user in a day.
pub const OVER_DAILY_LIMIT: Forbidden = Forbidden {
    code: "143105",
    count: DAILY_LIMIT as u64,
};

/// One user a task was sent to, and the inbox entry that recorded it.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user: String,
    pub inbox_id: u64,
    pub forbidden: Option<Forbidden>,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub app: usize,
    pub agent_id: i64,
    pub created_ms: u64,
    pub recipients: Vec<Recipient>,
    pub invalid_users: Vec<String>,
    pub invalid_depts: Vec<i64>,
    pub recalled: bool,
}

/// The notices one app sent one user on one day.
struct Day {
    day: u64,
    messages: Vec<Value>,
}

pub struct NoticeStore {
    tasks: HashMap<u64, Task>,
    /// Task ids, oldest first, to forget them after [`TASK_LIFETIME_MS`].
    order: VecDeque<u64>,
    next_task_id: u64,
    days: HashMap<(usize, String), Day>,
}

fn day_of(ms: u64) -> u64 {
    (ms + CHINA_OFFSET_MS) / DAY_MS
}

impl NoticeStore {
    /// Task ids count up from `first_task_id` (DingTalk's look like 256271667526).
    pub fn new(first_task_id: u64) -> Self {
        NoticeStore {
            tasks: HashMap::new(),
            order: VecDeque::new(),
            next_task_id: first_task_id,
            days: HashMap::new(),
        }
    }

    /// Whether `app` may deliver `message` to `user` now, recording it when it may.
    pub fn admit(
        &mut self,
        app: usize,
        user: &str,
        message: &Value,
        now_ms: u64,
    ) -> Option<Forbidden> {
        let today = day_of(now_ms);
        let day = self
            .days
            .entry((app, user.to_owned()))
            .or_insert_with(|| Day {
                day: today,
                messages: Vec::new(),
            });
        if day.day != today {
            day.day = today;
            day.messages.clear();
        }
        // Objects compare whatever the order of their keys: the same content is the same.
        if day.messages.contains(message) {
            return Some(REPEATED);
        }
        if day.messages.len() >= DAILY_LIMIT {
            return Some(OVER_DAILY_LIMIT);
        }
        day.messages.push(message.clone());
        None
    }

    /// The id of the next task, never given before.
    pub fn new_task_id(&mut self) -> u64 {
        let id = self.next_task_id;
        self.next_task_id += 1;
        id
    }

    /// Stores a task under an id from [`NoticeStore::new_task_id`].
    pub fn add(&mut self, id: u64, task: Task) {
        self.forget_before(task.created_ms.saturating_sub(TASK_LIFETIME_MS));
        self.tasks.insert(id, task);
        self.order.push_back(id);
    }

    fn forget_before(&mut self, oldest_ms: u64) {
        while let Some(&id) = self.order.front() {
            if self
                .tasks
                .get(&id)
                .is_some_and(|t| t.created_ms >= oldest_ms)
            {
                break;
            }
            self.order.pop_front();
            self.tasks.remove(&id);
        }
    }

    /// The task `task_id` that `app` sent through `agent_id` in the last 24 hours.
    pub fn find_mut(
        &mut self,
        app: usize,
        agent_id: i64,
        task_id: u64,
        now_ms: u64,
    ) -> Option<&mut Task> {
        self.tasks.get_mut(&task_id).filter(|task| {
            task.app == app
                && task.agent_id == agent_id
                && now_ms.saturating_sub(task.created_ms) < TASK_LIFETIME_MS
        })
    }

    pub fn clear(&mut self) {
        self.tasks.clear();
        self.order.clear();
        self.days.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOON: u64 = 1_700_000_000_000;

    #[test]
    fn the_same_content_reaches_a_user_once_a_day() {
        let mut store = NoticeStore::new(1);
        let hi = json!({"msgtype": "text", "text": {"content": "hi"}});
        let same = json!({"text": {"content": "hi"}, "msgtype": "text"});
        assert_eq!(store.admit(0, "ann", &hi, NOON), None);
        assert_eq!(store.admit(0, "ann", &same, NOON + 1), Some(REPEATED));
        assert_eq!(store.admit(0, "bob", &hi, NOON), None, "another user");
        assert_eq!(store.admit(1, "ann", &hi, NOON), None, "another app");
        assert_eq!(
            store.admit(0, "ann", &hi, NOON + DAY_MS),
            None,
            "the next day"
        );
    }

    #[test]
    fn days_are_china_days() {
        // 2023-11-14 15:59:59.999 UTC is 23:59:59.999 in Beijing; a millisecond later is the next day.
        let before_midnight = 1_699_977_599_999;
        assert_ne!(day_of(before_midnight), day_of(before_midnight + 1));
        assert_eq!(day_of(before_midnight - 1000), day_of(before_midnight));
    }

    #[test]
    fn over_500_a_day_is_forbidden() {
        let mut store = NoticeStore::new(1);
        for n in 0..DAILY_LIMIT {
            assert_eq!(store.admit(0, "ann", &json!(n), NOON), None);
        }
        assert_eq!(
            store.admit(0, "ann", &json!("one more"), NOON),
            Some(OVER_DAILY_LIMIT)
        );
    }

    #[test]
    fn tasks_are_found_by_their_app_and_agent_for_24_hours() {
        let mut store = NoticeStore::new(500);
        let task = Task {
            app: 0,
            agent_id: 7,
            created_ms: NOON,
            recipients: Vec::new(),
            invalid_users: Vec::new(),
            invalid_depts: Vec::new(),
            recalled: false,
        };
        let id = store.new_task_id();
        store.add(id, task.clone());
        assert_eq!(id, 500);
        assert!(store.find_mut(0, 7, id, NOON).is_some());
        assert!(store.find_mut(1, 7, id, NOON).is_none(), "another app");
        assert!(store.find_mut(0, 8, id, NOON).is_none(), "another agent");
        assert!(store.find_mut(0, 7, id + 1, NOON).is_none());
        assert!(store.find_mut(0, 7, id, NOON + TASK_LIFETIME_MS).is_none());
        let later = store.new_task_id();
        store.add(
            later,
            Task {
                created_ms: NOON + TASK_LIFETIME_MS + 1,
                ..task
            },
        );
        assert_eq!(later, 501);
        assert!(!store.tasks.contains_key(&id), "forgotten after a day");
    }
}
