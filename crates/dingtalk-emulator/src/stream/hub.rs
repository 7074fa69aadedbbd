//! The emulated gateway's memory: tickets, open connections, every event with its deliveries
//! and answers. One lock, taken for short map operations and never across an await.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};

use crate::clock::now_millis;
use crate::config::StreamConfig;
use crate::ids::Ids;
use crate::sync::lock;

/// The most events kept; older ones are forgotten (and no longer delivered).
const MAX_EVENTS: usize = 10_000;
/// How much of an answer frame the log keeps.
const LOGGED_ANSWER: usize = 1024;

/// What a connection's task is told to do.
#[derive(Debug)]
pub enum Command {
    /// Send this text frame.
    Send(String),
    /// Send a `disconnect` frame.
    Disconnect,
    /// Close the TCP connection at once, without a close frame.
    Drop,
    /// Stop reading and writing, keeping the connection open.
    Silence,
}

/// A ticket issued by `/v1.0/gateway/connections/open`.
struct Ticket {
    app: String,
    ua: String,
    issued: Instant,
}

/// One WebSocket connection, open or closed.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionEntry {
    pub id: u64,
    pub app: String,
    pub ticket: String,
    pub ua: String,
    pub open: bool,
    pub opened_at: u64,
    pub closed_at: Option<u64>,
    /// Why it closed: `client closed`, `dropped by control`, an error.
    pub close_reason: Option<String>,
    /// Silenced by the control API: neither reads nor writes.
    pub silent: bool,
    /// Sent a `disconnect` frame: no event is delivered over it any more.
    pub disconnect_sent: bool,
    pub pings: u64,
    /// `ping`s answered with code 200 and the same data.
    pub pongs: u64,
    /// Other frames from the client that answered nothing this connection sent.
    pub stray_frames: u64,
    #[serde(skip)]
    pending_pings: HashMap<String, String>,
}

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
    fn in_flight(&self, open: &HashMap<u64, mpsc::UnboundedSender<Command>>) -> bool {
        self.status == EventStatus::Pending
            && self
                .deliveries
                .iter()
                .any(|d| d.status.is_none() && open.contains_key(&d.connection))
    }
}

#[derive(Default)]
struct Inner {
    tickets: HashMap<String, Ticket>,
    refuse: u64,
    issued: u64,
    refused: u64,
    connections: Vec<ConnectionEntry>,
    open: HashMap<u64, mpsc::UnboundedSender<Command>>,
    /// Connections still open that get no event any more (silenced, or sent `disconnect`).
    retired: HashMap<u64, mpsc::UnboundedSender<Command>>,
    events: VecDeque<EventEntry>,
}

/// The gateway's state.
pub struct Hub {
    pub config: StreamConfig,
    /// `ws` or `wss`, for the endpoint handed out.
    pub scheme: &'static str,
    inner: Mutex<Inner>,
    ids: Ids,
    /// Connection ids are never reused, not even after a reset: a connection that closes
    /// late must not be mistaken for a newer one.
    last_connection: AtomicU64,
    /// Bumped on every change, for `GET /_emulator/events?wait=`.
    version: watch::Sender<u64>,
}

impl Hub {
    pub fn new(config: StreamConfig, tls: bool) -> Self {
        Hub {
            config,
            scheme: if tls { "wss" } else { "ws" },
            inner: Mutex::new(Inner::default()),
            ids: Ids::new(),
            last_connection: AtomicU64::new(0),
            version: watch::Sender::new(0),
        }
    }

    fn changed(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    /// A new ticket for `app`.
    pub fn issue_ticket(&self, app: &str, ua: &str) -> String {
        let ticket = self.ids.token();
        let mut inner = lock(&self.inner);
        let now = Instant::now();
        let ttl = self.config.ticket_ttl;
        inner
            .tickets
            .retain(|_, t| now.duration_since(t.issued) <= ttl);
        inner.tickets.insert(
            ticket.clone(),
            Ticket {
                app: app.to_owned(),
                ua: ua.to_owned(),
                issued: now,
            },
        );
        inner.issued += 1;
        drop(inner);
        self.changed();
        ticket
    }

    /// Uses up `ticket`: the app it was issued to, or why it is refused.
    pub fn redeem(&self, ticket: &str) -> Result<(String, String), &'static str> {
        let mut inner = lock(&self.inner);
        let Some(issued) = inner.tickets.remove(ticket) else {
            return Err("unknown or already used ticket");
        };
        let refused = if issued.issued.elapsed() > self.config.ticket_ttl {
            Some("expired ticket")
        } else if inner.refuse > 0 {
            inner.refuse -= 1;
            Some("ticket refused by the emulator's control API")
        } else {
            None
        };
        if let Some(reason) = refused {
            inner.refused += 1;
            drop(inner);
            self.changed();
            return Err(reason);
        }
        Ok((issued.app, issued.ua))
    }

    /// The next `count` tickets presented are refused.
    pub fn refuse_tickets(&self, count: u64) {
        lock(&self.inner).refuse += count;
    }

    /// Registers an open connection; the events waiting for one are delivered to it.
    pub fn open(
        self: &Arc<Self>,
        app: String,
        ticket: &str,
        ua: String,
        commands: mpsc::UnboundedSender<Command>,
    ) -> u64 {
        let id = self.last_connection.fetch_add(1, Ordering::Relaxed) + 1;
        let mut inner = lock(&self.inner);
        inner.connections.push(ConnectionEntry {
            id,
            app,
            ticket: ticket.to_owned(),
            ua,
            open: true,
            opened_at: now_millis(),
            closed_at: None,
            close_reason: None,
            silent: false,
            disconnect_sent: false,
            pings: 0,
            pongs: 0,
            stray_frames: 0,
            pending_pings: HashMap::new(),
        });
        inner.open.insert(id, commands);
        // Events that no open connection holds go to the new one, in order.
        let waiting: Vec<String> = inner
            .events
            .iter()
            .filter(|e| e.status == EventStatus::Pending && !e.in_flight(&inner.open))
            .map(|e| e.event_id.clone())
            .collect();
        for event_id in &waiting {
            self.deliver_locked(&mut inner, event_id, &[id]);
        }
        drop(inner);
        self.changed();
        // Each delivery gets its redelivery timer, like those of new events.
        for event_id in waiting {
            self.redeliver_later(event_id);
        }
        id
    }

    /// Connection `id` stops reading and writing: nothing is delivered to it any more.
    pub fn silence(&self, id: u64) {
        self.retire(id, |entry| entry.silent = true);
    }

    /// Connection `id` was sent `disconnect`: nothing is delivered to it any more (as
    /// DingTalk's gateway, which moves the client elsewhere).
    pub fn disconnect_sent(&self, id: u64) {
        self.retire(id, |entry| entry.disconnect_sent = true);
    }

    fn retire(&self, id: u64, mark: impl FnOnce(&mut ConnectionEntry)) {
        let mut inner = lock(&self.inner);
        if let Some(sender) = inner.open.remove(&id) {
            inner.retired.insert(id, sender);
        }
        if let Some(entry) = inner.connections.iter_mut().find(|c| c.id == id) {
            mark(entry);
        }
        drop(inner);
        self.changed();
    }

    /// The connection closed.
    pub fn close(&self, id: u64, reason: &str) {
        let mut inner = lock(&self.inner);
        inner.open.remove(&id);
        inner.retired.remove(&id);
        if let Some(entry) = inner.connections.iter_mut().find(|c| c.id == id) {
            if entry.open {
                entry.open = false;
                entry.closed_at = Some(now_millis());
                entry.close_reason = Some(reason.to_owned());
            }
        }
        drop(inner);
        self.changed();
    }

    /// A new event, delivered at once to every open connection.
    pub fn raise(self: &Arc<Self>, event_type: &str, event_id: String, data: Map<String, Value>) {
        let mut inner = lock(&self.inner);
        if inner.events.len() >= MAX_EVENTS {
            inner.events.pop_front();
        }
        inner.events.push_back(EventEntry {
            event_id: event_id.clone(),
            event_type: event_type.to_owned(),
            born_time: now_millis(),
            data,
            status: EventStatus::Pending,
            redeliveries: 0,
            deliveries: Vec::new(),
        });
        let open: Vec<u64> = inner.open.keys().copied().collect();
        self.deliver_locked(&mut inner, &event_id, &open);
        drop(inner);
        self.changed();
        self.redeliver_later(event_id);
    }

    /// Sends event `event_id` over each connection of `to` (recording the deliveries).
    fn deliver_locked(&self, inner: &mut Inner, event_id: &str, to: &[u64]) {
        let Some(event) = inner.events.iter_mut().find(|e| e.event_id == event_id) else {
            return;
        };
        for connection in to {
            let Some(sender) = inner.open.get(connection) else {
                continue;
            };
            let message_id = self.ids.token();
            let app = inner
                .connections
                .iter()
                .find(|c| c.id == *connection)
                .map_or_else(String::new, |c| c.app.clone());
            let frame = super::frames::event(event, &message_id, &app, *connection);
            if sender.send(Command::Send(frame)).is_ok() {
                if !event.deliveries.is_empty() {
                    event.redeliveries += 1;
                }
                event.deliveries.push(Delivery {
                    connection: *connection,
                    message_id,
                    sent_at: now_millis(),
                    status: None,
                    answered_at: None,
                    answer: None,
                });
            }
        }
    }

    /// After the redelivery delay, delivers `event_id` again if it is still not acknowledged
    /// and was not delivered since.
    fn redeliver_later(self: &Arc<Self>, event_id: String) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let hub = Arc::clone(self);
        let delay = self.config.redelivery_delay;
        runtime.spawn(async move {
            tokio::time::sleep(delay).await;
            hub.redeliver_if_due(&event_id);
        });
    }

    fn redeliver_if_due(self: &Arc<Self>, event_id: &str) {
        let mut inner = lock(&self.inner);
        let delay = u64::try_from(self.config.redelivery_delay.as_millis()).unwrap_or(u64::MAX);
        let Some(event) = inner.events.iter().find(|e| e.event_id == event_id) else {
            return;
        };
        if event.status != EventStatus::Pending {
            return;
        }
        let last = event.deliveries.last().map_or(0, |d| d.sent_at);
        if last.saturating_add(delay) > now_millis() + 5 {
            return; // delivered again since; that delivery has its own timer
        }
        let open: Vec<u64> = inner.open.keys().copied().collect();
        if open.is_empty() {
            return; // delivered when a connection opens
        }
        self.deliver_locked(&mut inner, event_id, &open);
        drop(inner);
        self.changed();
        self.redeliver_later(event_id.to_owned());
    }

    /// A ping sent over connection `id`, with the data it must be answered with.
    pub fn ping_sent(&self, id: u64, message_id: &str, data: &str) {
        let mut inner = lock(&self.inner);
        if let Some(entry) = inner.connections.iter_mut().find(|c| c.id == id) {
            entry.pings += 1;
            entry
                .pending_pings
                .insert(message_id.to_owned(), data.to_owned());
        }
        drop(inner);
        self.changed();
    }

    /// A text frame from connection `id`: the answer to a ping or to an event.
    pub fn answer(self: &Arc<Self>, id: u64, text: &str) {
        let parsed: Option<Map<String, Value>> = serde_json::from_str(text).ok();
        let field = |name: &str| {
            parsed
                .as_ref()
                .and_then(|p| p.get(name))
                .and_then(Value::as_str)
        };
        let code = parsed
            .as_ref()
            .and_then(|p| p.get("code"))
            .and_then(Value::as_u64);
        let message_id = parsed
            .as_ref()
            .and_then(|p| p.get("headers"))
            .and_then(|h| h.get("messageId"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let data = field("data").unwrap_or_default().to_owned();
        let mut inner = lock(&self.inner);
        let mut later = false;
        let mut matched = false;
        if let Some(entry) = inner.connections.iter_mut().find(|c| c.id == id) {
            if let Some(sent) = entry.pending_pings.remove(&message_id) {
                matched = true;
                if code == Some(200) && sent == data {
                    entry.pongs += 1;
                }
            }
        }
        if !matched {
            let delivery = inner.events.iter_mut().find_map(|event| {
                let at = event
                    .deliveries
                    .iter()
                    .position(|d| d.connection == id && d.message_id == message_id)?;
                Some((event, at))
            });
            if let Some((event, at)) = delivery {
                matched = true;
                let status: Option<String> = serde_json::from_str::<Value>(&data)
                    .ok()
                    .and_then(|d| d.get("status").and_then(Value::as_str).map(str::to_owned));
                let status = match (code, status.as_deref()) {
                    (Some(200), Some("SUCCESS")) => "SUCCESS".to_owned(),
                    (Some(200), Some("LATER")) => "LATER".to_owned(),
                    _ => text.chars().take(LOGGED_ANSWER).collect(),
                };
                if status == "SUCCESS" {
                    event.status = EventStatus::Acknowledged;
                } else {
                    later = true;
                }
                let delivery = &mut event.deliveries[at];
                delivery.status = Some(status);
                delivery.answered_at = Some(now_millis());
                delivery.answer = Some(text.chars().take(LOGGED_ANSWER).collect());
                if later {
                    // Waits the redelivery delay from the answer, not from the delivery.
                    delivery.sent_at = now_millis();
                }
            }
        }
        if !matched {
            if let Some(entry) = inner.connections.iter_mut().find(|c| c.id == id) {
                entry.stray_frames += 1;
            }
        }
        drop(inner);
        self.changed();
        if later {
            self.redeliver_later_answered(&message_id);
        }
    }

    fn redeliver_later_answered(self: &Arc<Self>, message_id: &str) {
        let event_id = lock(&self.inner).events.iter().find_map(|e| {
            e.deliveries
                .iter()
                .any(|d| d.message_id == message_id)
                .then(|| e.event_id.clone())
        });
        if let Some(event_id) = event_id {
            self.redeliver_later(event_id);
        }
    }

    /// Sends `command` to every open connection (retired ones too when `retired`); how many
    /// there were.
    pub fn command_all(&self, retired: bool, command: impl Fn() -> Command) -> usize {
        let inner = lock(&self.inner);
        let silenced = inner.retired.values().filter(|_| retired);
        inner
            .open
            .values()
            .chain(silenced)
            .filter(|sender| sender.send(command()).is_ok())
            .count()
    }

    /// Waits until every connection is closed, at most `limit`.
    pub async fn wait_closed(&self, limit: Duration) -> bool {
        self.wait_until(limit, |inner| {
            inner.open.is_empty() && inner.retired.is_empty()
        })
        .await
    }

    /// Waits until every open connection is retired (silent), at most `limit`.
    pub async fn wait_silent(&self, limit: Duration) -> bool {
        self.wait_until(limit, |inner| inner.open.is_empty()).await
    }

    /// Waits until no delivery on an open connection awaits its answer, at most `limit`.
    pub async fn settled(&self, limit: Duration) -> bool {
        self.wait_until(limit, |inner| {
            !inner.events.iter().any(|e| e.in_flight(&inner.open))
        })
        .await
    }

    async fn wait_until(&self, limit: Duration, done: impl Fn(&Inner) -> bool) -> bool {
        let mut version = self.version.subscribe();
        let wait = async {
            loop {
                if done(&lock(&self.inner)) {
                    return;
                }
                if version.changed().await.is_err() {
                    return;
                }
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }

    /// The log for `GET /_emulator/events`.
    pub fn snapshot(&self) -> Value {
        let inner = lock(&self.inner);
        let pending = inner
            .events
            .iter()
            .filter(|e| e.status == EventStatus::Pending)
            .count();
        serde_json::json!({
            "tickets": {"issued": inner.issued, "refused": inner.refused},
            "connections": inner.connections,
            "open": inner.open.len(),
            "events": inner.events,
            "pending": pending,
            "settled": !inner.events.iter().any(|e| e.in_flight(&inner.open)),
        })
    }

    /// Forgets everything and drops every open connection.
    pub fn reset(&self) {
        let mut inner = lock(&self.inner);
        for sender in inner.open.values().chain(inner.retired.values()) {
            let _ = sender.send(Command::Drop);
        }
        *inner = Inner::default();
        drop(inner);
        self.changed();
    }
}
