//! Every message delivered, in arrival order, in the one message shape: one entry per
//! recipient user (work notices, 1:1 robot messages) or per group (webhooks, group robot
//! messages). A test reads it through `GET /_emulator/messages`.
//!
//! It keeps the newest [`CAPACITY`] entries, so a long benchmark cannot grow it without bound.

use std::collections::VecDeque;

use serde_json::{json, Value};

use crate::clock::now_millis;

/// The most entries kept; older ones are forgotten first.
pub const CAPACITY: usize = 100_000;

/// The way a message reached its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `/topapi/message/corpconversation/asyncsend_v2`.
    WorkNotice,
    /// `/robot/send?access_token=`: a group webhook robot.
    Webhook,
    /// The app robot: `/v1.0/robot/oToMessages/batchSend`, `/v1.0/robot/groupMessages/send`.
    Robot,
    /// A reply to a bot message through its `sessionWebhook`.
    SessionWebhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WorkNotice => "work_notice",
            Channel::Webhook => "webhook",
            Channel::Robot => "robot",
            Channel::SessionWebhook => "session_webhook",
        }
    }

    /// The channel named `name` (`work_notice`, ...).
    pub fn parse(name: &str) -> Option<Channel> {
        [
            Channel::WorkNotice,
            Channel::Webhook,
            Channel::Robot,
            Channel::SessionWebhook,
        ]
        .into_iter()
        .find(|channel| channel.as_str() == name)
    }
}

/// One message for one recipient, as a channel hands it over.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub channel: Channel,
    pub user: Option<String>,
    pub conversation: Option<String>,
    /// The webhook robot's name.
    pub webhook: Option<String>,
    /// The one message shape: `{"msgtype": "text", "text": {...}}`.
    pub message: Value,
    /// `{"atUserIds", "atMobiles", "isAtAll"}`, for the channels that can mention.
    pub at: Option<Value>,
    pub task_id: Option<u64>,
    pub process_query_key: Option<String>,
    /// Silently dropped by DingTalk (a work notice's same content to the same user on the
    /// same day): recorded, never shown to the user.
    pub dropped: bool,
}

impl Delivery {
    /// A delivery of `message` over `channel`, to nobody yet.
    pub fn new(channel: Channel, message: Value) -> Delivery {
        Delivery {
            channel,
            user: None,
            conversation: None,
            webhook: None,
            message,
            at: None,
            task_id: None,
            process_query_key: None,
            dropped: false,
        }
    }
}

struct Entry {
    id: u64,
    delivery: Delivery,
    received_at: u64,
    recalled: bool,
    read_at: Option<u64>,
}

impl Entry {
    fn to_json(&self) -> Value {
        let d = &self.delivery;
        json!({
            "id": self.id,
            "channel": d.channel.as_str(),
            "user": d.user,
            "conversation": d.conversation,
            "webhook": d.webhook,
            "message": d.message,
            "at": d.at,
            "task_id": d.task_id,
            "process_query_key": d.process_query_key,
            "received_at": self.received_at,
            "recalled": self.recalled,
            "dropped": d.dropped,
            "read_at": self.read_at,
        })
    }
}

/// Which entries a test asks for; every given part must match.
#[derive(Debug, Default)]
pub struct Filter {
    pub user: Option<String>,
    pub conversation: Option<String>,
    pub webhook: Option<String>,
    pub channel: Option<Channel>,
}

impl Filter {
    fn matches(&self, delivery: &Delivery) -> bool {
        let same = |wanted: &Option<String>, got: &Option<String>| {
            wanted.is_none() || wanted.as_deref() == got.as_deref()
        };
        same(&self.user, &delivery.user)
            && same(&self.conversation, &delivery.conversation)
            && same(&self.webhook, &delivery.webhook)
            && self
                .channel
                .is_none_or(|channel| channel == delivery.channel)
    }
}

/// What one entry says about being read, for the channels' read reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub user: Option<String>,
    pub read_at: Option<u64>,
    pub recalled: bool,
    pub dropped: bool,
}

#[derive(Default)]
pub struct Inbox {
    entries: VecDeque<Entry>,
    /// The id the next entry gets; ids start at 1 and are never reused, not even by `clear`.
    next_id: u64,
}

impl Inbox {
    /// Records a delivery; its id.
    pub fn deliver(&mut self, delivery: Delivery) -> u64 {
        self.next_id += 1;
        if self.entries.len() == CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            id: self.next_id,
            delivery,
            received_at: now_millis(),
            recalled: false,
            read_at: None,
        });
        self.next_id
    }

    fn entry_mut(&mut self, id: u64) -> Option<&mut Entry> {
        let first = self.entries.front()?.id;
        let index = usize::try_from(id.checked_sub(first)?).ok()?;
        self.entries.get_mut(index)
    }

    fn entry(&self, id: u64) -> Option<&Entry> {
        let first = self.entries.front()?.id;
        let index = usize::try_from(id.checked_sub(first)?).ok()?;
        self.entries.get(index)
    }

    /// Marks these entries recalled (the ones still kept).
    pub fn recall(&mut self, ids: &[u64]) {
        for &id in ids {
            if let Some(entry) = self.entry_mut(id) {
                entry.recalled = true;
            }
        }
    }

    /// Marks these entries read now, unless they already were, were dropped or recalled; the
    /// ids that are not kept.
    pub fn mark_read(&mut self, ids: &[u64]) -> Vec<u64> {
        let now = now_millis();
        let mut unknown = Vec::new();
        for &id in ids {
            match self.entry_mut(id) {
                Some(entry) => {
                    let unread = entry.read_at.is_none() && !entry.recalled;
                    if unread && !entry.delivery.dropped {
                        entry.read_at = Some(now);
                    }
                }
                None => unknown.push(id),
            }
        }
        unknown
    }

    /// Who got entry `id` and whether they read it; `None` once it is forgotten.
    pub fn seen(&self, id: u64) -> Option<Seen> {
        self.entry(id).map(|entry| Seen {
            user: entry.delivery.user.clone(),
            read_at: entry.read_at,
            recalled: entry.recalled,
            dropped: entry.delivery.dropped,
        })
    }

    /// The entries `filter` selects, oldest first, as `GET /_emulator/messages` shows them.
    pub fn list(&self, filter: &Filter) -> Vec<Value> {
        self.entries
            .iter()
            .filter(|entry| filter.matches(&entry.delivery))
            .map(Entry::to_json)
            .collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(content: &str) -> Value {
        json!({"msgtype": "text", "text": {"content": content}})
    }

    #[test]
    fn entries_are_listed_in_order_and_filtered() {
        let mut inbox = Inbox::default();
        let mut to_ann = Delivery::new(Channel::WorkNotice, text("a"));
        to_ann.user = Some("ann".into());
        let mut to_group = Delivery::new(Channel::Robot, text("b"));
        to_group.conversation = Some("cid1".into());
        let first = inbox.deliver(to_ann);
        let second = inbox.deliver(to_group);
        assert_eq!((first, second), (1, 2));
        assert_eq!(inbox.list(&Filter::default()).len(), 2);
        let only_ann = inbox.list(&Filter {
            user: Some("ann".into()),
            ..Filter::default()
        });
        assert_eq!(only_ann.len(), 1);
        assert_eq!(only_ann[0]["channel"], "work_notice");
        assert_eq!(only_ann[0]["message"]["text"]["content"], "a");
        let robots = inbox.list(&Filter {
            channel: Some(Channel::Robot),
            ..Filter::default()
        });
        assert_eq!(robots[0]["conversation"], "cid1");
        assert_eq!(
            Channel::parse("session_webhook"),
            Some(Channel::SessionWebhook)
        );
        assert_eq!(Channel::parse("sms"), None);
    }

    #[test]
    fn read_and_recall_marks_stay_with_their_entry() {
        let mut inbox = Inbox::default();
        let id = inbox.deliver(Delivery::new(Channel::Webhook, text("x")));
        let mut dropped = Delivery::new(Channel::WorkNotice, text("y"));
        dropped.dropped = true;
        let dropped = inbox.deliver(dropped);
        assert_eq!(inbox.mark_read(&[id, dropped, 99]), [99]);
        assert!(inbox.seen(id).unwrap().read_at.is_some());
        assert_eq!(inbox.seen(dropped).unwrap().read_at, None, "never shown");
        inbox.recall(&[id]);
        assert!(inbox.seen(id).unwrap().recalled);
        inbox.clear();
        assert_eq!(inbox.seen(id), None);
        assert_eq!(inbox.deliver(Delivery::new(Channel::Webhook, text("z"))), 3);
    }

    #[test]
    fn the_oldest_entries_go_first_past_capacity() {
        let mut inbox = Inbox::default();
        for _ in 0..=CAPACITY {
            inbox.deliver(Delivery::new(Channel::Webhook, Value::Null));
        }
        assert_eq!(inbox.seen(1), None);
        assert!(inbox.seen(2).is_some());
        assert!(inbox.seen(CAPACITY as u64 + 1).is_some());
    }
}
