//! Every message the gateway pushes (events and callbacks), with each of its deliveries over a
//! connection and the answer each got.

use std::collections::VecDeque;
use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::connections::Connections;
use super::topics::Topic;
use crate::clock::now_millis;

/// The most messages kept; older ones are forgotten (and no longer delivered).
const MAX_MESSAGES: usize = 10_000;
/// How much of an answer frame the log keeps.
const LOGGED_ANSWER: usize = 1024;

/// One delivery of a message over a connection, and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub connection: u64,
    #[serde(rename = "messageId")]
    pub message_id: String,
    pub sent_at: u64,
    /// A copy sent after the message was acknowledged (`/_emulator/stream/duplicate`).
    pub duplicate: bool,
    /// `SUCCESS`, `LATER`, or the answer's text when it is neither; `null` before an answer.
    pub status: Option<String>,
    pub answered_at: Option<u64>,
    /// Microseconds from the frame being handed to the connection to its answer: how long the
    /// client took to acknowledge it, as the gateway sees it (`make bench` reads it).
    pub answer_us: Option<u64>,
    /// The answer frame as sent (at most 1 KiB).
    pub answer: Option<String>,
    /// When the frame was handed to the connection.
    #[serde(skip)]
    handed_over: Option<Instant>,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not acknowledged yet (never delivered, delivered without answer, or answered `LATER`).
    Pending,
    /// Answered `SUCCESS`.
    Acknowledged,
}

/// One message and its deliveries.
#[derive(Debug, Clone)]
pub struct MessageEntry {
    /// The eventId of an event; an id of the emulator's for a callback.
    pub id: String,
    pub topic: Topic,
    /// The event's type (`None` for a callback).
    pub event_type: Option<String>,
    /// The app whose connections get it; `None`: any app's.
    pub app: Option<String>,
    pub born_time: u64,
    pub data: Map<String, Value>,
    pub status: Status,
    /// Deliveries after the first, made because no acknowledgement came.
    pub redeliveries: usize,
    /// Copies delivered after an acknowledgement.
    pub duplicates: usize,
    pub deliveries: Vec<Delivery>,
}

impl MessageEntry {
    /// Whether an open connection holds a delivery of it that was not answered yet (a
    /// message acknowledged is settled, whatever became of its other deliveries, except a
    /// duplicate sent after the acknowledgement).
    fn in_flight(&self, connections: &Connections) -> bool {
        self.deliveries.iter().any(|d| {
            d.status.is_none()
                && (self.status == Status::Pending || d.duplicate)
                && connections.is_open(d.connection)
        })
    }

    /// Whether it is pending and its last delivery is `delay_ms` old.
    pub fn is_due(&self, delay_ms: u64) -> bool {
        let last = self.deliveries.last().map_or(0, |d| d.sent_at);
        self.status == Status::Pending && last.saturating_add(delay_ms) <= now_millis() + 5
    }

    /// A delivery of it sent now over `connection` as `message_id`.
    pub fn delivered(&mut self, connection: u64, message_id: String, duplicate: bool) {
        if duplicate {
            self.duplicates += 1;
        } else if !self.deliveries.is_empty() {
            self.redeliveries += 1;
        }
        self.deliveries.push(Delivery {
            connection,
            message_id,
            sent_at: now_millis(),
            duplicate,
            status: None,
            answered_at: None,
            answer_us: None,
            answer: None,
            handed_over: Some(Instant::now()),
        });
    }

    /// The entry of the log: events keep the names they always had (`eventId`, `type`),
    /// callbacks have their `id` and `topic`.
    fn to_json(&self) -> Value {
        let mut entry = json!({
            "topic": self.topic.path(),
            "app": self.app,
            "born_time": self.born_time,
            "data": self.data,
            "status": self.status,
            "redeliveries": self.redeliveries,
            "duplicates": self.duplicates,
            "deliveries": self.deliveries,
        });
        match &self.event_type {
            Some(event_type) => {
                entry["eventId"] = json!(self.id);
                entry["type"] = json!(event_type);
            }
            None => entry["id"] = json!(self.id),
        }
        entry
    }
}

/// What an answer to a delivery did.
pub struct Answered {
    pub id: String,
    /// Not `SUCCESS`: the message is delivered again after the redelivery delay.
    pub again: bool,
    /// Acknowledged by this answer (and not before).
    pub acknowledged: bool,
}

#[derive(Default)]
pub struct Messages {
    entries: VecDeque<MessageEntry>,
}

impl Messages {
    /// A new message, pending, not delivered yet.
    pub fn add(&mut self, entry: MessageEntry) {
        if self.entries.len() >= MAX_MESSAGES {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub fn get(&self, id: &str) -> Option<&MessageEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut MessageEntry> {
        self.entries.iter_mut().find(|e| e.id == id)
    }

    /// The pending messages no open connection holds, or whose last delivery is `delay_ms`
    /// old, in order: they go to the next connection that opens and wants them.
    pub fn waiting(&self, connections: &Connections, delay_ms: u64) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| {
                e.status == Status::Pending && (!e.in_flight(connections) || e.is_due(delay_ms))
            })
            .map(|e| e.id.clone())
            .collect()
    }

    /// Whether a delivery on an open connection awaits its answer.
    pub fn any_in_flight(&self, connections: &Connections) -> bool {
        self.entries.iter().any(|e| e.in_flight(connections))
    }

    pub fn pending_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.status == Status::Pending)
            .count()
    }

    /// Records `text`, the client's answer over `connection` to delivery `message_id`, whose
    /// status is `status(topic)` (`SUCCESS`, `LATER`, or `None` for anything else); `None`
    /// when it answers no delivery.
    pub fn answer(
        &mut self,
        connection: u64,
        message_id: &str,
        status: impl FnOnce(&Topic) -> Option<&'static str>,
        text: &str,
    ) -> Option<Answered> {
        let (entry, at) = self.entries.iter_mut().find_map(|entry| {
            let at = entry.deliveries.iter().position(|d| {
                d.connection == connection && d.message_id == message_id && d.status.is_none()
            })?;
            Some((entry, at))
        })?;
        let logged: String = text.chars().take(LOGGED_ANSWER).collect();
        let status = status(&entry.topic).map_or_else(|| logged.clone(), str::to_owned);
        let success = status == "SUCCESS";
        let acknowledged = success && entry.status == Status::Pending;
        if success {
            entry.status = Status::Acknowledged;
        }
        let again = !success && entry.status == Status::Pending;
        let delivery = &mut entry.deliveries[at];
        delivery.status = Some(status);
        delivery.answered_at = Some(now_millis());
        delivery.answer_us = delivery
            .handed_over
            .map(|at| u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX));
        delivery.answer = Some(logged);
        if again {
            // Waits the redelivery delay from the answer, not from the delivery.
            delivery.sent_at = now_millis();
        }
        Some(Answered {
            id: entry.id.clone(),
            again,
            acknowledged,
        })
    }

    /// The log's `events` (EVENT messages) and `callbacks` (CALLBACK messages).
    pub fn to_json(&self) -> (Value, Value) {
        let (events, callbacks): (Vec<&MessageEntry>, Vec<&MessageEntry>) =
            self.entries.iter().partition(|e| e.topic == Topic::Event);
        let list = |entries: Vec<&MessageEntry>| {
            Value::Array(entries.into_iter().map(MessageEntry::to_json).collect())
        };
        (list(events), list(callbacks))
    }
}
