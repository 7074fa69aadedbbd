//! The emulated gateway's memory ([`Hub`]): tickets, connections, messages and their
//! deliveries, behind one lock taken for short map operations and never across an await.
//! How messages are delivered is in `deliver.rs`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::connections::{Command, Connections, Pushing};
use super::messages::Messages;
use super::tickets::{Client, Tickets};
use crate::config::StreamConfig;
use crate::ids::Ids;
use crate::sync::lock;

/// Copies still to deliver after acknowledgements (`/_emulator/stream/duplicate`).
#[derive(Default)]
pub struct Duplicates {
    pub left: u64,
    /// The copy carries the acknowledged delivery's messageId (else a new one).
    pub same_message_id: bool,
}

#[derive(Default)]
pub struct Inner {
    pub tickets: Tickets,
    pub connections: Connections,
    pub messages: Messages,
    pub duplicates: Duplicates,
}

/// The gateway's state.
pub struct Hub {
    pub config: StreamConfig,
    /// `ws` or `wss`, for the endpoint handed out.
    pub scheme: &'static str,
    pub(super) inner: Mutex<Inner>,
    pub(super) ids: Ids,
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
    pub(super) fn change<T>(&self, change: impl FnOnce(&mut Inner) -> T) -> T {
        let changed = change(&mut lock(&self.inner));
        self.version.send_modify(|v| *v += 1);
        changed
    }

    /// A new ticket for `client`.
    pub fn issue_ticket(&self, client: Client) -> String {
        let ticket = self.ids.token();
        let ttl = self.config.ticket_ttl;
        self.change(|inner| inner.tickets.issue(ticket.clone(), client, ttl));
        ticket
    }

    /// Uses up `ticket`: the client it was issued to, or why it is refused.
    pub fn redeem(&self, ticket: &str) -> Result<Client, &'static str> {
        let ttl = self.config.ticket_ttl;
        self.change(|inner| inner.tickets.redeem(ticket, ttl))
    }

    /// The next `count` tickets presented are refused.
    pub fn refuse_tickets(&self, count: u64) {
        lock(&self.inner).tickets.refuse_next(count);
    }

    /// The next `count` acknowledgements are each followed by a copy of what they acknowledged.
    pub fn duplicate_next(&self, count: u64, same_message_id: bool) {
        self.change(|inner| {
            inner.duplicates = Duplicates {
                left: count,
                same_message_id,
            };
        });
    }

    /// Registers an open connection of `client`; the messages waiting for one it wants are
    /// delivered to it.
    pub fn open(
        self: &Arc<Self>,
        client: Client,
        ticket: &str,
        commands: mpsc::UnboundedSender<Command>,
    ) -> u64 {
        let id = self.last_connection.fetch_add(1, Ordering::Relaxed) + 1;
        self.change(|inner| inner.connections.open(id, client, ticket, commands));
        self.deliver_waiting(id);
        id
    }

    /// Connection `id` stops reading and writing. A zombie that `keeps_pushing` is still
    /// chosen for deliveries, which it swallows; otherwise nothing goes over it any more.
    pub fn silence(&self, id: u64, keeps_pushing: bool) {
        let pushing = if keeps_pushing {
            Pushing::Yes
        } else {
            Pushing::No
        };
        self.change(|inner| {
            inner
                .connections
                .set_pushing(id, pushing, |entry| entry.silent = true);
        });
    }

    /// Connection `id` was sent `disconnect` as `message_id`. DingTalk moves the client
    /// elsewhere, so nothing is delivered over it any more, unless it `keeps_pushing` (a
    /// fault: then it is chosen first until it closes).
    pub fn disconnect_sent(&self, id: u64, message_id: &str, keeps_pushing: bool) {
        let pushing = if keeps_pushing {
            Pushing::First
        } else {
            Pushing::No
        };
        self.change(|inner| {
            inner.connections.set_pushing(id, pushing, |entry| {
                entry.disconnect_sent = true;
                entry.system.disconnect(message_id);
            });
        });
    }

    /// The connection closed.
    pub fn close(&self, id: u64, reason: &str) {
        self.change(|inner| inner.connections.close(id, reason));
    }

    /// A ping sent over connection `id` as `message_id`, whose data carries `opaque`.
    pub fn ping_sent(&self, id: u64, message_id: &str, opaque: &str) {
        self.change(|inner| {
            if let Some(entry) = inner.connections.entry_mut(id) {
                entry.pings += 1;
                entry.system.ping(message_id, opaque);
            }
        });
    }

    /// Sends `command` to every open connection (`pushed_only`: those messages are pushed
    /// over); how many there were.
    pub fn command_all(&self, pushed_only: bool, command: impl Fn() -> Command) -> usize {
        lock(&self.inner)
            .connections
            .command_all(pushed_only, command)
    }

    /// Waits until every connection is closed, at most `limit`.
    pub async fn wait_closed(&self, limit: Duration) -> bool {
        self.wait_until(limit, |inner| inner.connections.none_open())
            .await
    }

    /// Waits until every open connection is silent, at most `limit`.
    pub async fn wait_silent(&self, limit: Duration) -> bool {
        self.wait_until(limit, |inner| {
            inner
                .connections
                .entries()
                .iter()
                .all(|c| !c.open || c.silent)
        })
        .await
    }

    /// Waits until no delivery on an open connection awaits its answer, at most `limit`.
    pub async fn settled(&self, limit: Duration) -> bool {
        self.wait_until(limit, |inner| {
            !inner.messages.any_in_flight(&inner.connections)
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

    /// The log for `GET /_emulator/events` (under `stream`) and `GET /_emulator/stream`.
    pub fn snapshot(&self) -> Value {
        let inner = lock(&self.inner);
        let (events, callbacks) = inner.messages.to_json();
        serde_json::json!({
            "tickets": inner.tickets.counts(),
            "connections": inner.connections.entries(),
            "open": inner.connections.pushed_count(),
            "events": events,
            "callbacks": callbacks,
            "pending": inner.messages.pending_count(),
            "settled": !inner.messages.any_in_flight(&inner.connections),
            "duplicates_left": inner.duplicates.left,
        })
    }

    /// Forgets everything and drops every open connection.
    pub fn reset(&self) {
        self.change(|inner| {
            inner.connections.command_all(false, || Command::Drop);
            *inner = Inner::default();
        });
    }
}
