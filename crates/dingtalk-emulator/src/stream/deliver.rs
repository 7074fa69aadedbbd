//! How the gateway delivers: each message of an app goes over one of that app's connections
//! subscribed to its topic (a message of no app, over any app's), drawn at random (DingTalk's FAQ: "通过随机策略选取一个Stream通道推送");
//! with none open it waits for the next one that opens. What is not acknowledged within the
//! redelivery delay (or is answered `LATER`) is delivered again, over a connection drawn anew.
//! The answers of the client are judged here too.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::connections::Command;
use super::frame::{self, Reply};
use super::hub::{Hub, Inner};
use super::messages::{MessageEntry, Status};
use super::system::SystemAnswer;
use super::topics::Topic;
use crate::clock::now_millis;

/// A callback acknowledged by the client, and what it answered: DingTalk acts on some
/// answers (a card callback's `response` updates the card).
#[derive(Debug, Clone)]
pub struct CallbackAnswer {
    pub topic: String,
    /// The callback's data, as delivered.
    pub data: Map<String, Value>,
    /// The answer's `data`, as JSON text.
    pub response: String,
}

impl Hub {
    /// Raises an event of `app` (of none: for any app): delivered at once over one of its
    /// connections subscribed to events, or over the next that opens.
    pub fn raise_event(
        self: &Arc<Self>,
        app: Option<&str>,
        event_type: &str,
        event_id: String,
        data: Map<String, Value>,
    ) {
        self.raise(MessageEntry::new(
            event_id,
            Topic::Event,
            Some(event_type.to_owned()),
            app,
            data,
        ));
    }

    /// Raises a callback of `topic` for `app` (a bot message, a card action; `None`: for any
    /// app); its id in the log.
    pub fn raise_callback(
        self: &Arc<Self>,
        app: Option<&str>,
        topic: &str,
        data: Map<String, Value>,
    ) -> String {
        let id = self.ids.token();
        let topic = Topic::Callback(topic.to_owned());
        self.raise(MessageEntry::new(id.clone(), topic, None, app, data));
        id
    }

    fn raise(self: &Arc<Self>, entry: MessageEntry) {
        let id = entry.id.clone();
        self.change(|inner| {
            let to = self.pick(inner, entry.app.as_deref(), &entry.topic);
            inner.messages.add(entry);
            if let Some(to) = to {
                self.deliver_locked(inner, &id, to, None);
            }
        });
        self.redeliver_later(id);
    }

    /// One of `app`'s connections that wants `topic`, drawn at random.
    fn pick(&self, inner: &Inner, app: Option<&str>, topic: &Topic) -> Option<u64> {
        inner
            .connections
            .pick(app, topic, |count| self.ids.below(count))
    }

    /// Sends message `id` over connection `to` (recording the delivery): a copy after its
    /// acknowledgement when `duplicate` holds the messageId to use (`None` inside: a new one).
    fn deliver_locked(
        &self,
        inner: &mut Inner,
        id: &str,
        to: u64,
        duplicate: Option<Option<String>>,
    ) {
        let app = inner.connections.app(to);
        let Some(commands) = inner.connections.commands(to) else {
            return;
        };
        let Some(entry) = inner.messages.get_mut(id) else {
            return;
        };
        let message_id = match &duplicate {
            Some(Some(same)) => same.clone(),
            _ => self.ids.token(),
        };
        let frame = frame::message(entry, &message_id, &app, to);
        if commands.send(Command::Send(frame)).is_ok() {
            entry.delivered(to, message_id, duplicate.is_some());
        }
    }

    /// Delivers to the connection `id` that just opened the messages waiting for one it wants.
    pub(super) fn deliver_waiting(self: &Arc<Self>, id: u64) {
        let delay = self.redelivery_delay_ms();
        let delivered = self.change(|inner| {
            let waiting = inner.messages.waiting(&inner.connections, delay);
            let mut delivered = Vec::new();
            for message in waiting {
                let wanted = inner.messages.get(&message).is_some_and(|entry| {
                    inner
                        .connections
                        .wants(id, entry.app.as_deref(), &entry.topic)
                });
                if wanted {
                    self.deliver_locked(inner, &message, id, None);
                    delivered.push(message);
                }
            }
            delivered
        });
        // Each delivery gets its redelivery timer, like those of new messages.
        for message in delivered {
            self.redeliver_later(message);
        }
    }

    fn redelivery_delay_ms(&self) -> u64 {
        u64::try_from(self.config.redelivery_delay.as_millis()).unwrap_or(u64::MAX)
    }

    /// After the redelivery delay, delivers message `id` again if it is still not
    /// acknowledged and was not delivered since.
    fn redeliver_later(self: &Arc<Self>, id: String) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let hub = Arc::clone(self);
        let delay = self.config.redelivery_delay;
        runtime.spawn(async move {
            tokio::time::sleep(delay).await;
            hub.redeliver_if_due(&id);
        });
    }

    fn redeliver_if_due(self: &Arc<Self>, id: &str) {
        let delay = self.redelivery_delay_ms();
        let delivered = self.change(|inner| {
            // Delivered again since, that delivery has its own timer; with no connection
            // that wants it, it is delivered when one opens.
            let Some(entry) = inner.messages.get(id) else {
                return false;
            };
            if !entry.is_due(delay) {
                return false;
            }
            let Some(to) = self.pick(inner, entry.app.as_deref(), &entry.topic) else {
                return false;
            };
            self.deliver_locked(inner, id, to, None);
            true
        });
        if delivered {
            self.redeliver_later(id.to_owned());
        }
    }

    /// A text frame from connection `id`: the answer to a ping, to a `disconnect` or to a
    /// message (or to nothing). A callback acknowledged by it is returned.
    pub fn answer(self: &Arc<Self>, id: u64, text: &str) -> Option<CallbackAnswer> {
        let reply = Reply::parse(text);
        let (again, acknowledged) = self.change(|inner| {
            let system = inner.connections.entry_mut(id).and_then(|entry| {
                let answer = entry
                    .system
                    .answer(&reply.message_id, reply.code, &reply.data)?;
                if answer == SystemAnswer::Pong {
                    entry.pongs += 1;
                }
                Some(answer)
            });
            if system.is_some() {
                return (None, None);
            }
            self.answer_message(inner, id, &reply, text)
        });
        if let Some(message) = again {
            self.redeliver_later(message);
        }
        acknowledged
    }

    /// Records `reply` (`text`) as the answer to a delivery: the message to deliver again
    /// (not acknowledged) and the callback it acknowledged, if any.
    fn answer_message(
        &self,
        inner: &mut Inner,
        id: u64,
        reply: &Reply,
        text: &str,
    ) -> (Option<String>, Option<CallbackAnswer>) {
        let status = |topic: &Topic| reply.status(topic);
        let Some(answered) = inner.messages.answer(id, &reply.message_id, status, text) else {
            inner.connections.stray(id);
            return (None, None);
        };
        if answered.again {
            return (Some(answered.id), None);
        }
        if !answered.acknowledged {
            return (None, None);
        }
        self.duplicate_if_asked(inner, &answered.id, &reply.message_id);
        let callback = inner
            .messages
            .get(&answered.id)
            .and_then(|entry| match &entry.topic {
                Topic::Callback(topic) if entry.status == Status::Acknowledged => {
                    Some(CallbackAnswer {
                        topic: topic.clone(),
                        data: entry.data.clone(),
                        response: reply.data.clone(),
                    })
                }
                _ => None,
            });
        (None, callback)
    }

    /// Delivers a copy of message `id`, just acknowledged as `message_id`, when
    /// `/_emulator/stream/duplicate` asked for one.
    fn duplicate_if_asked(&self, inner: &mut Inner, id: &str, message_id: &str) {
        if inner.duplicates.left == 0 {
            return;
        }
        let Some(entry) = inner.messages.get(id) else {
            return;
        };
        let Some(to) = self.pick(inner, entry.app.as_deref(), &entry.topic) else {
            return;
        };
        inner.duplicates.left -= 1;
        let same = inner
            .duplicates
            .same_message_id
            .then(|| message_id.to_owned());
        self.deliver_locked(inner, id, to, Some(same));
    }
}

impl MessageEntry {
    /// A message of `app` (`None`: any app's) raised now, pending, not delivered yet.
    pub fn new(
        id: String,
        topic: Topic,
        event_type: Option<String>,
        app: Option<&str>,
        data: Map<String, Value>,
    ) -> MessageEntry {
        MessageEntry {
            id,
            topic,
            event_type,
            app: app.map(str::to_owned),
            born_time: now_millis(),
            data,
            status: Status::Pending,
            redeliveries: 0,
            duplicates: 0,
            deliveries: Vec::new(),
        }
    }
}
