//! The session webhooks handed out with bot messages: each answers into the conversation the
//! message came from until it expires; and the 1:1 conversation ids, one per app and user.
//!
//! It keeps the newest [`CAPACITY`] sessions, so a long benchmark cannot grow it without bound.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

/// The most sessions kept; the oldest are forgotten first.
pub const CAPACITY: usize = 100_000;

/// Where a session webhook's messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conversation {
    /// The 1:1 chat of the robot with this user.
    User(String),
    /// This group (`openConversationId`).
    Group(String),
}

#[derive(Debug, Clone)]
pub struct Session {
    pub conversation: Conversation,
    pub expires: Instant,
}

#[derive(Default)]
pub struct SessionStore {
    sessions: HashMap<String, Session>,
    /// Keys of `sessions`, oldest first.
    order: VecDeque<String>,
    /// `(app, user)` → the 1:1 conversation's id.
    chats: HashMap<(String, String), String>,
}

/// Why a session webhook takes no message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Unknown,
    Expired,
}

impl SessionStore {
    pub fn add(&mut self, token: String, session: Session) {
        if self.order.len() == CAPACITY {
            if let Some(oldest) = self.order.pop_front() {
                self.sessions.remove(&oldest);
            }
        }
        self.order.push_back(token.clone());
        self.sessions.insert(token, session);
    }

    /// The session `token`, if it still takes messages at `now`.
    pub fn open(&self, token: &str, now: Instant) -> Result<&Session, Closed> {
        let session = self.sessions.get(token).ok_or(Closed::Unknown)?;
        if now >= session.expires {
            return Err(Closed::Expired);
        }
        Ok(session)
    }

    /// The id of `app`'s 1:1 conversation with `user`, made by `new_id` the first time.
    pub fn chat_id(&mut self, app: &str, user: &str, new_id: impl FnOnce() -> String) -> String {
        self.chats
            .entry((app.to_owned(), user.to_owned()))
            .or_insert_with(new_id)
            .clone()
    }

    pub fn clear(&mut self) {
        self.sessions.clear();
        self.order.clear();
        self.chats.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_session_takes_messages_until_it_expires() {
        let mut store = SessionStore::default();
        let now = Instant::now();
        let session = Session {
            conversation: Conversation::User("ann".into()),
            expires: now + Duration::from_secs(1),
        };
        store.add("t".into(), session);
        assert!(store.open("t", now).is_ok());
        assert_eq!(
            store.open("t", now + Duration::from_secs(1)).err(),
            Some(Closed::Expired)
        );
        assert_eq!(store.open("nope", now).err(), Some(Closed::Unknown));
    }

    #[test]
    fn a_chat_keeps_its_id_and_the_oldest_sessions_go_first() {
        let mut store = SessionStore::default();
        let first = store.chat_id("k", "ann", || "cid1".into());
        assert_eq!(store.chat_id("k", "ann", || "cid2".into()), first);
        assert_ne!(store.chat_id("k", "bob", || "cid3".into()), first);
        let expires = Instant::now() + Duration::from_secs(60);
        for n in 0..=CAPACITY {
            let conversation = Conversation::Group("g".into());
            store.add(
                n.to_string(),
                Session {
                    conversation,
                    expires,
                },
            );
        }
        assert_eq!(store.open("0", Instant::now()).err(), Some(Closed::Unknown));
        assert!(store.open("1", Instant::now()).is_ok());
    }
}
