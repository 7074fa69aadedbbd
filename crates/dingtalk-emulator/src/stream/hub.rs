//! The emulated gateway's memory ([`Hub`]): tickets, connections, events and their deliveries,
//! behind one lock taken for short map operations and never across an await. The hub also
//! delivers: every event to every open connection, and again after the redelivery delay until
//! it is acknowledged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};

use super::connections::{Command, Connections};
use super::events::Events;
use super::frame::{self, Reply};
use super::tickets::Tickets;
use crate::config::StreamConfig;
use crate::ids::Ids;
use crate::sync::lock;

#[derive(Default)]
struct Inner {
    tickets: Tickets,
    connections: Connections,
    events: Events,
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

    /// Changes the state with the lock held, then wakes whoever waits for a change.
    fn change<T>(&self, change: impl FnOnce(&mut Inner) -> T) -> T {
        let changed = change(&mut lock(&self.inner));
        self.version.send_modify(|v| *v += 1);
        changed
    }

    /// A new ticket for `app`.
    pub fn issue_ticket(&self, app: &str, ua: &str) -> String {
        let ticket = self.ids.token();
        let ttl = self.config.ticket_ttl;
        self.change(|inner| inner.tickets.issue(ticket.clone(), app, ua, ttl));
        ticket
    }

    /// Uses up `ticket`: the app (and `ua`) it was issued to, or why it is refused.
    pub fn redeem(&self, ticket: &str) -> Result<(String, String), &'static str> {
        let ttl = self.config.ticket_ttl;
        self.change(|inner| inner.tickets.redeem(ticket, ttl))
    }

    /// The next `count` tickets presented are refused.
    pub fn refuse_tickets(&self, count: u64) {
        lock(&self.inner).tickets.refuse_next(count);
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
        let waiting = self.change(|inner| {
            inner.connections.open(id, app, ticket, ua, commands);
            // Events that no open connection holds go to the new one, in order.
            let waiting = inner.events.waiting(&inner.connections);
            for event_id in &waiting {
                self.deliver_locked(inner, event_id, &[id]);
            }
            waiting
        });
        // Each delivery gets its redelivery timer, like those of new events.
        for event_id in waiting {
            self.redeliver_later(event_id);
        }
        id
    }

    /// Connection `id` stops reading and writing: nothing is delivered to it any more.
    pub fn silence(&self, id: u64) {
        self.change(|inner| inner.connections.retire(id, |entry| entry.silent = true));
    }

    /// Connection `id` was sent `disconnect`: nothing is delivered to it any more (as
    /// DingTalk's gateway, which moves the client elsewhere).
    pub fn disconnect_sent(&self, id: u64) {
        self.change(|inner| {
            inner
                .connections
                .retire(id, |entry| entry.disconnect_sent = true);
        });
    }

    /// The connection closed.
    pub fn close(&self, id: u64, reason: &str) {
        self.change(|inner| inner.connections.close(id, reason));
    }

    /// A new event, delivered at once to every open connection.
    pub fn raise(self: &Arc<Self>, event_type: &str, event_id: String, data: Map<String, Value>) {
        self.change(|inner| {
            inner.events.raise(event_type, event_id.clone(), data);
            let open = inner.connections.open_ids();
            self.deliver_locked(inner, &event_id, &open);
        });
        self.redeliver_later(event_id);
    }

    /// Sends event `event_id` over each connection of `to` (recording the deliveries).
    fn deliver_locked(&self, inner: &mut Inner, event_id: &str, to: &[u64]) {
        let Some(event) = inner.events.get_mut(event_id) else {
            return;
        };
        for &connection in to {
            let Some(commands) = inner.connections.commands(connection) else {
                continue;
            };
            let message_id = self.ids.token();
            let app = inner.connections.app(connection);
            let frame = frame::event(event, &message_id, &app, connection);
            if commands.send(Command::Send(frame)).is_ok() {
                event.delivered(connection, message_id);
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
        let delay = u64::try_from(self.config.redelivery_delay.as_millis()).unwrap_or(u64::MAX);
        let delivered = self.change(|inner| {
            // Delivered again since, that delivery has its own timer; with no connection
            // open, it is delivered when one opens.
            let open = inner.connections.open_ids();
            if !inner.events.due(event_id, delay) || open.is_empty() {
                return false;
            }
            self.deliver_locked(inner, event_id, &open);
            true
        });
        if delivered {
            self.redeliver_later(event_id.to_owned());
        }
    }

    /// A ping sent over connection `id`, with the data it must be answered with.
    pub fn ping_sent(&self, id: u64, message_id: &str, data: &str) {
        self.change(|inner| inner.connections.ping_sent(id, message_id, data));
    }

    /// A text frame from connection `id`: the answer to a ping or to an event.
    pub fn answer(self: &Arc<Self>, id: u64, text: &str) {
        let reply = Reply::parse(text);
        let again = self.change(|inner| {
            if inner
                .connections
                .answer_ping(id, &reply.message_id, reply.code, &reply.data)
            {
                return None;
            }
            let answered = inner
                .events
                .answer(id, &reply.message_id, reply.event_status(), text);
            if answered.is_none() {
                inner.connections.stray(id);
            }
            answered.filter(|a| a.again).map(|a| a.event_id)
        });
        if let Some(event_id) = again {
            self.redeliver_later(event_id);
        }
    }

    /// Sends `command` to every open connection (retired ones too when `retired`); how many
    /// there were.
    pub fn command_all(&self, retired: bool, command: impl Fn() -> Command) -> usize {
        lock(&self.inner).connections.command_all(retired, command)
    }

    /// Waits until every connection is closed, at most `limit`.
    pub async fn wait_closed(&self, limit: Duration) -> bool {
        self.wait_until(limit, |inner| inner.connections.none_open(true))
            .await
    }

    /// Waits until every open connection is retired (silent), at most `limit`.
    pub async fn wait_silent(&self, limit: Duration) -> bool {
        self.wait_until(limit, |inner| inner.connections.none_open(false))
            .await
    }

    /// Waits until no delivery on an open connection awaits its answer, at most `limit`.
    pub async fn settled(&self, limit: Duration) -> bool {
        self.wait_until(limit, |inner| {
            !inner.events.any_in_flight(&inner.connections)
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
        serde_json::json!({
            "tickets": inner.tickets.counts(),
            "connections": inner.connections.entries(),
            "open": inner.connections.open_count(),
            "events": inner.events.entries(),
            "pending": inner.events.pending_count(),
            "settled": !inner.events.any_in_flight(&inner.connections),
        })
    }

    /// Forgets everything and drops every open connection.
    pub fn reset(&self) {
        self.change(|inner| {
            inner.connections.command_all(true, || Command::Drop);
            *inner = Inner::default();
        });
    }
}
