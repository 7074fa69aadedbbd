//! What was pushed and how each attempt went, for `GET /_emulator/events`.

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::sync::lock;

/// Where an event's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being pushed, or waiting to be pushed again.
    Delivering,
    /// An answer decrypted to `success`.
    Acknowledged,
    /// Every attempt failed; no more retries.
    Failed,
}

/// One POST of an event and what came back.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// 1 for the first push, 2 for the first retry, ...
    pub number: usize,
    /// When it was sent, milliseconds since the epoch.
    pub sent_at: u64,
    /// The HTTP status of the answer; `null` when none came (refused, timed out).
    pub http_status: Option<u16>,
    /// The answer's body as text (at most 1 KiB), `null` when none came.
    pub answer: Option<String>,
    /// What the answer decrypted to, when it did.
    pub decrypted: Option<String>,
    pub acknowledged: bool,
    /// Why the attempt does not count as acknowledged.
    pub error: Option<String>,
}

/// One event and its delivery.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event as pushed (before encryption).
    pub event: Map<String, Value>,
    pub status: Status,
    pub acknowledged: bool,
    /// Attempts after the first.
    pub retries: usize,
    pub attempts: Vec<Attempt>,
    #[serde(skip)]
    task: Option<AbortHandle>,
}

/// Every event pushed since start (or the last reset).
pub struct Log {
    entries: Mutex<Vec<Entry>>,
    next_id: Mutex<u64>,
    /// How many events are still being delivered; waiters watch it reach 0.
    pending: watch::Sender<usize>,
}

impl Default for Log {
    fn default() -> Self {
        Log {
            entries: Mutex::new(Vec::new()),
            next_id: Mutex::new(1),
            pending: watch::Sender::new(0),
        }
    }
}

impl Log {
    /// Records a new event being delivered; returns its id.
    pub fn start(&self, event_type: &str, event: Map<String, Value>) -> u64 {
        let id = {
            let mut next = lock(&self.next_id);
            let id = *next;
            *next += 1;
            id
        };
        let mut entries = lock(&self.entries);
        entries.push(Entry {
            id,
            event_type: event_type.to_owned(),
            event,
            status: Status::Delivering,
            acknowledged: false,
            retries: 0,
            attempts: Vec::new(),
            task: None,
        });
        self.publish(&entries);
        id
    }

    /// Keeps the task delivering event `id`, so a reset can stop it.
    pub fn set_task(&self, id: u64, task: AbortHandle) {
        let mut entries = lock(&self.entries);
        match entries.iter_mut().find(|e| e.id == id) {
            Some(entry) => entry.task = Some(task),
            // Reset while the task was being spawned.
            None => task.abort(),
        }
    }

    /// Adds an attempt to event `id`, and its final status when there is one.
    pub fn record(&self, id: u64, attempt: Attempt, done: Option<Status>) {
        let mut entries = lock(&self.entries);
        if let Some(entry) = entries.iter_mut().find(|e| e.id == id) {
            entry.acknowledged |= attempt.acknowledged;
            entry.attempts.push(attempt);
            entry.retries = entry.attempts.len() - 1;
            if let Some(status) = done {
                entry.status = status;
                entry.task = None;
            }
        }
        self.publish(&entries);
    }

    fn publish(&self, entries: &[Entry]) {
        let pending = entries
            .iter()
            .filter(|e| e.status == Status::Delivering)
            .count();
        self.pending.send_replace(pending);
    }

    /// Every entry, oldest first, and how many are still being delivered.
    pub fn snapshot(&self) -> (Vec<Entry>, usize) {
        let entries = lock(&self.entries).clone();
        let pending = entries
            .iter()
            .filter(|e| e.status == Status::Delivering)
            .count();
        (entries, pending)
    }

    /// Waits until no event is being delivered, at most `limit`; whether that happened.
    pub async fn settled(&self, limit: Duration) -> bool {
        let mut pending = self.pending.subscribe();
        tokio::time::timeout(limit, pending.wait_for(|&n| n == 0))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Forgets every event and stops the deliveries in flight.
    pub fn clear(&self) {
        let mut entries = lock(&self.entries);
        for entry in entries.drain(..) {
            if let Some(task) = entry.task {
                task.abort();
            }
        }
        self.publish(&entries);
    }
}
