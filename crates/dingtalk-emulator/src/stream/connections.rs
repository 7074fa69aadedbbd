//! Every connection the gateway has had: its entry in the log, and for the live ones the
//! channel to the task serving it and whether messages may be pushed over it.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

use super::system::SystemFrames;
use super::tickets::Client;
use super::topics::{Subscription, Topic};
use crate::clock::now_millis;

/// What a connection's task is told to do.
#[derive(Debug)]
pub enum Command {
    /// Send this text frame.
    Send(String),
    /// Send a `disconnect` frame, then close the connection after `close_after`; messages
    /// are pushed over it until then when it `keeps_pushing` (a fault).
    Disconnect {
        close_after: Duration,
        keeps_pushing: bool,
    },
    /// Close the TCP connection at once, without a close frame.
    Drop,
    /// Stop reading and writing, keeping the connection open; messages are still pushed into
    /// it when it `keeps_pushing` (a zombie the gateway believes alive).
    Silence { keeps_pushing: bool },
}

/// The channel to a connection's task.
pub type Commands = mpsc::UnboundedSender<Command>;

/// Whether messages are pushed over a live connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pushing {
    /// One of the candidates for each message.
    Yes,
    /// Chosen before every other candidate (a `disconnect` told to keep delivering).
    First,
    /// No more (sent `disconnect`, or silenced).
    No,
}

/// One WebSocket connection, open or closed.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionEntry {
    pub id: u64,
    pub app: String,
    pub ticket: String,
    pub ua: String,
    /// The ticket's subscriptions, as the client sent them.
    pub subscriptions: Vec<Subscription>,
    pub open: bool,
    pub opened_at: u64,
    pub closed_at: Option<u64>,
    /// Why it closed: `client closed`, `dropped by the emulator`, an error.
    pub close_reason: Option<String>,
    /// Silenced by the control API: neither reads nor writes.
    pub silent: bool,
    /// Sent a `disconnect` frame.
    pub disconnect_sent: bool,
    pub pings: u64,
    /// `ping`s answered with code 200 and the ping's `opaque`.
    pub pongs: u64,
    /// Other frames from the client that answered nothing this connection sent.
    pub stray_frames: u64,
    /// The SYSTEM frames not answered yet.
    #[serde(skip)]
    pub system: SystemFrames,
}

/// A live connection: its task's channel, who holds it, and whether messages go over it.
struct Live {
    commands: Commands,
    client: Client,
    pushing: Pushing,
}

#[derive(Default)]
pub struct Connections {
    entries: Vec<ConnectionEntry>,
    live: HashMap<u64, Live>,
}

impl Connections {
    pub fn entry_mut(&mut self, id: u64) -> Option<&mut ConnectionEntry> {
        self.entries.iter_mut().find(|c| c.id == id)
    }

    /// Registers connection `id` of `client`, open now.
    pub fn open(&mut self, id: u64, client: Client, ticket: &str, commands: Commands) {
        self.entries.push(ConnectionEntry {
            id,
            app: client.app.clone(),
            ticket: ticket.to_owned(),
            ua: client.ua.clone(),
            subscriptions: client.subscriptions.list().to_vec(),
            open: true,
            opened_at: now_millis(),
            closed_at: None,
            close_reason: None,
            silent: false,
            disconnect_sent: false,
            pings: 0,
            pongs: 0,
            stray_frames: 0,
            system: SystemFrames::default(),
        });
        let pushing = Pushing::Yes;
        self.live.insert(
            id,
            Live {
                commands,
                client,
                pushing,
            },
        );
    }

    /// Connection `id` is pushed messages as `pushing` says from now; `mark` notes why.
    pub fn set_pushing(
        &mut self,
        id: u64,
        pushing: Pushing,
        mark: impl FnOnce(&mut ConnectionEntry),
    ) {
        if let Some(live) = self.live.get_mut(&id) {
            live.pushing = pushing;
        }
        if let Some(entry) = self.entry_mut(id) {
            mark(entry);
        }
    }

    /// Connection `id` closed, for `reason`.
    pub fn close(&mut self, id: u64, reason: &str) {
        self.live.remove(&id);
        if let Some(entry) = self.entry_mut(id) {
            if entry.open {
                entry.open = false;
                entry.closed_at = Some(now_millis());
                entry.close_reason = Some(reason.to_owned());
            }
        }
    }

    /// A frame from connection `id` that answered nothing it was sent.
    pub fn stray(&mut self, id: u64) {
        if let Some(entry) = self.entry_mut(id) {
            entry.stray_frames += 1;
        }
    }

    /// The app of connection `id`'s ticket.
    pub fn app(&self, id: u64) -> String {
        self.entries
            .iter()
            .find(|c| c.id == id)
            .map_or_else(String::new, |c| c.app.clone())
    }

    /// The channel to connection `id`, while it is open.
    pub fn commands(&self, id: u64) -> Option<&Commands> {
        self.live.get(&id).map(|live| &live.commands)
    }

    /// Whether connection `id` is still open (pushed messages or not).
    pub fn is_open(&self, id: u64) -> bool {
        self.live.contains_key(&id)
    }

    /// The connection a message of `topic` for `app` goes over: one of the app's open
    /// connections subscribed to it (any app's for a message of none), drawn by `draw`
    /// (DingTalk picks one at random); those marked [`Pushing::First`] before the others.
    /// `None` when there is none.
    pub fn pick(
        &self,
        app: Option<&str>,
        topic: &Topic,
        draw: impl FnOnce(usize) -> usize,
    ) -> Option<u64> {
        let mut candidates: Vec<(u64, Pushing)> = self
            .live
            .iter()
            .filter(|(id, _)| self.wants(**id, app, topic))
            .map(|(id, live)| (*id, live.pushing))
            .collect();
        if candidates.iter().any(|(_, p)| *p == Pushing::First) {
            candidates.retain(|(_, p)| *p == Pushing::First);
        }
        // Sorted, so that a draw means the same connection whatever the map's order.
        candidates.sort_unstable();
        let at = draw(candidates.len());
        candidates.get(at).map(|(id, _)| *id)
    }

    /// Whether connection `id` is pushed messages of `topic` for `app` (any app: `None`).
    pub fn wants(&self, id: u64, app: Option<&str>, topic: &Topic) -> bool {
        self.live.get(&id).is_some_and(|live| {
            live.pushing != Pushing::No
                && app.is_none_or(|app| live.client.app == app)
                && live.client.subscriptions.wants(topic)
        })
    }

    /// How many connections messages are pushed over.
    pub fn pushed_count(&self) -> usize {
        self.live
            .values()
            .filter(|live| live.pushing != Pushing::No)
            .count()
    }

    /// Whether no connection is open.
    pub fn none_open(&self) -> bool {
        self.live.is_empty()
    }

    /// Sends `command` to every open connection (`pushed_only`: those messages are pushed
    /// over); how many there were.
    pub fn command_all(&self, pushed_only: bool, command: impl Fn() -> Command) -> usize {
        self.live
            .values()
            .filter(|live| !pushed_only || live.pushing != Pushing::No)
            .filter(|live| live.commands.send(command()).is_ok())
            .count()
    }

    pub fn entries(&self) -> &[ConnectionEntry] {
        &self.entries
    }
}
