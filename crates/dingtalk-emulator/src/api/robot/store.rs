//! What the app robot sent, by `processQueryKey`; the groups (`openConversationId`) a test
//! created, which every app's robot is a member of; and the users a test put under flow
//! control, whom a 1:1 send reports in `flowControlledStaffIdList` instead of reaching.
//!
//! It keeps the newest [`CAPACITY`] messages, so a long benchmark cannot grow it without bound.

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::{json, Value};

/// The most sent messages kept; older ones are forgotten first.
pub const CAPACITY: usize = 100_000;

/// Where one robot message went: each user and its inbox entry, or a group's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Users(Vec<(String, u64)>),
    Group { conversation: String, inbox_id: u64 },
}

#[derive(Debug, Clone)]
pub struct Sent {
    pub app: usize,
    pub target: Target,
    pub recalled: bool,
}

#[derive(Debug)]
struct Conversation {
    id: String,
    title: String,
    members: Vec<String>,
}

#[derive(Default)]
pub struct RobotStore {
    sent: HashMap<String, Sent>,
    /// Keys of `sent`, oldest first.
    order: VecDeque<String>,
    conversations: Vec<Conversation>,
    flow_controlled: HashSet<String>,
}

impl RobotStore {
    /// Records a message `app`'s robot sent as `key`.
    pub fn add(&mut self, key: String, app: usize, target: Target) {
        let sent = Sent {
            app,
            target,
            recalled: false,
        };
        if self.order.len() == CAPACITY {
            if let Some(oldest) = self.order.pop_front() {
                self.sent.remove(&oldest);
            }
        }
        self.order.push_back(key.clone());
        self.sent.insert(key, sent);
    }

    /// The message `key` that `app`'s robot sent.
    pub fn find_mut(&mut self, app: usize, key: &str) -> Option<&mut Sent> {
        self.sent.get_mut(key).filter(|sent| sent.app == app)
    }

    pub fn add_conversation(&mut self, id: String, title: String, members: Vec<String>) {
        self.conversations.push(Conversation { id, title, members });
    }

    pub fn has_conversation(&self, id: &str) -> bool {
        self.conversations.iter().any(|c| c.id == id)
    }

    /// Every group, as `GET /_emulator/conversations` shows them.
    pub fn conversations(&self) -> Vec<Value> {
        self.conversations
            .iter()
            .map(|c| json!({"openConversationId": c.id, "title": c.title, "members": c.members}))
            .collect()
    }

    /// From now on, 1:1 messages to these users are flow-controlled.
    pub fn flow_control(&mut self, users: impl IntoIterator<Item = String>) {
        self.flow_controlled.extend(users);
    }

    pub fn is_flow_controlled(&self, user: &str) -> bool {
        self.flow_controlled.contains(user)
    }

    pub fn clear(&mut self) {
        self.sent.clear();
        self.order.clear();
        self.conversations.clear();
        self.flow_controlled.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_found_by_key_for_their_app_only() {
        let mut store = RobotStore::default();
        let target = Target::Users(vec![("ann".into(), 1)]);
        store.add("k1".into(), 0, target.clone());
        assert_eq!(
            store.find_mut(0, "k1").map(|s| s.target.clone()),
            Some(target)
        );
        assert!(store.find_mut(1, "k1").is_none());
        assert!(store.find_mut(0, "k2").is_none());
    }

    #[test]
    fn the_oldest_messages_go_first_past_capacity() {
        let mut store = RobotStore::default();
        for n in 0..=CAPACITY {
            let target = Target::Users(Vec::new());
            store.add(n.to_string(), 0, target);
        }
        assert!(store.find_mut(0, "0").is_none());
        assert!(store.find_mut(0, "1").is_some());
        assert_eq!(store.sent.len(), CAPACITY);
    }

    #[test]
    fn groups_and_flow_control_are_cleared_by_reset() {
        let mut store = RobotStore::default();
        store.add_conversation("cid1".into(), "ops".into(), vec!["ann".into()]);
        store.flow_control(["bob".to_owned()]);
        assert!(store.has_conversation("cid1") && store.is_flow_controlled("bob"));
        assert_eq!(store.conversations()[0]["members"], json!(["ann"]));
        store.clear();
        assert!(!store.has_conversation("cid1") && !store.is_flow_controlled("bob"));
    }
}
