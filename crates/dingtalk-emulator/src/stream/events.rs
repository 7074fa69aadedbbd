//! Every event raised, with each of its deliveries over a connection and the answer each got.

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::{Map, Value};

use super::connections::Connections;
use crate::clock::now_millis;

/// The most events kept; older ones are forgotten (and no longer delivered).
const MAX_EVENTS: usize = 10_000;
/// How much of an answer frame the log keeps.
const LOGGED_ANSWER: usize = 1024;

/// One delivery of an event over a connection, and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub connection: u64,
    #[serde(rename = "messageId")]
    pub message_id: String,
    pub sent_at: u64,
    /// `SUCCESS`, `LATER`, or the answer's text when it is neither; `null` before an answer.
    pub status: Option<String>,
    pub answered_at: Option<u64>,
    /// The answer frame as sent (at most 1 KiB).
    pub answer: Option<String>,
}

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    /// Not acknowledged yet (never delivered, delivered without answer, or answered `LATER`).
    Pending,
    /// Answered `SUCCESS`.
    Acknowledged,
}

/// One event and its deliveries.
#[derive(Debug, Clone, Serialize)]
pub struct EventEntry {
    #[serde(rename = "eventId")]
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub born_time: u64,
    pub data: Map<String, Value>,
    pub status: EventStatus,
    /// Deliveries after the first.
    pub redeliveries: usize,
    pub deliveries: Vec<Delivery>,
}

impl EventEntry {
    /// Whether an open connection holds a delivery of it that was not answered yet (an event
    /// acknowledged over another delivery is settled, whatever became of the others).
    fn in_flight(&self, connections: &Connections) -> bool {
        self.status == EventStatus::Pending
            && self
                .deliveries
                .iter()
                .any(|d| d.status.is_none() && connections.is_open(d.connection))
    }

    /// A delivery of it sent now over `connection` as `message_id`.
    pub fn delivered(&mut self, connection: u64, message_id: String) {
        if !self.deliveries.is_empty() {
            self.redeliveries += 1;
        }
        self.deliveries.push(Delivery {
            connection,
            message_id,
            sent_at: now_millis(),
            status: None,
            answered_at: None,
            answer: None,
        });
    }
}

/// What an answer to a delivery did.
pub struct Answered {
    pub event_id: String,
    /// Not `SUCCESS`: the event is delivered again after the redelivery delay.
    pub again: bool,
}

#[derive(Default)]
pub struct Events {
    entries: VecDeque<EventEntry>,
}

impl Events {
    /// A new event, pending, not delivered yet.
    pub fn raise(&mut self, event_type: &str, event_id: String, data: Map<String, Value>) {
        if self.entries.len() >= MAX_EVENTS {
            self.entries.pop_front();
        }
        self.entries.push_back(EventEntry {
            event_id,
            event_type: event_type.to_owned(),
            born_time: now_millis(),
            data,
            status: EventStatus::Pending,
            redeliveries: 0,
            deliveries: Vec::new(),
        });
    }

    pub fn get_mut(&mut self, event_id: &str) -> Option<&mut EventEntry> {
        self.entries.iter_mut().find(|e| e.event_id == event_id)
    }

    /// The pending events no open connection holds, in order: they go to the next connection
    /// that opens.
    pub fn waiting(&self, connections: &Connections) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| e.status == EventStatus::Pending && !e.in_flight(connections))
            .map(|e| e.event_id.clone())
            .collect()
    }

    /// Whether a delivery on an open connection awaits its answer.
    pub fn any_in_flight(&self, connections: &Connections) -> bool {
        self.entries.iter().any(|e| e.in_flight(connections))
    }

    pub fn pending_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.status == EventStatus::Pending)
            .count()
    }

    /// Whether event `event_id` is still pending and its last delivery is `delay_ms` old (so
    /// no later delivery has a timer of its own).
    pub fn due(&self, event_id: &str, delay_ms: u64) -> bool {
        let Some(event) = self.entries.iter().find(|e| e.event_id == event_id) else {
            return false;
        };
        let last = event.deliveries.last().map_or(0, |d| d.sent_at);
        event.status == EventStatus::Pending && last.saturating_add(delay_ms) <= now_millis() + 5
    }

    /// Records `text`, the client's answer over `connection` to delivery `message_id`, whose
    /// status (`SUCCESS`, `LATER`) is `status` when it has one; `None` when it answers no
    /// delivery.
    pub fn answer(
        &mut self,
        connection: u64,
        message_id: &str,
        status: Option<&'static str>,
        text: &str,
    ) -> Option<Answered> {
        let (event, at) = self.entries.iter_mut().find_map(|event| {
            let at = event
                .deliveries
                .iter()
                .position(|d| d.connection == connection && d.message_id == message_id)?;
            Some((event, at))
        })?;
        let logged: String = text.chars().take(LOGGED_ANSWER).collect();
        let status = status.map_or_else(|| logged.clone(), str::to_owned);
        let again = status != "SUCCESS";
        if !again {
            event.status = EventStatus::Acknowledged;
        }
        let delivery = &mut event.deliveries[at];
        delivery.status = Some(status);
        delivery.answered_at = Some(now_millis());
        delivery.answer = Some(logged);
        if again {
            // Waits the redelivery delay from the answer, not from the delivery.
            delivery.sent_at = now_millis();
        }
        Some(Answered {
            event_id: event.event_id.clone(),
            again,
        })
    }

    pub fn entries(&self) -> &VecDeque<EventEntry> {
        &self.entries
    }
}
