//! Every connection the gateway has had: its entry in the log, and for the open ones the
//! channel to the task serving it.

use std::collections::HashMap;

use serde::Serialize;
use tokio::sync::mpsc;

use crate::clock::now_millis;

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

/// The channel to a connection's task.
pub type Commands = mpsc::UnboundedSender<Command>;

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
    /// The pings not answered yet: messageId → the data the answer must carry.
    #[serde(skip)]
    pending_pings: HashMap<String, String>,
}

#[derive(Default)]
pub struct Connections {
    entries: Vec<ConnectionEntry>,
    /// The open connections events are delivered to.
    open: HashMap<u64, Commands>,
    /// Connections still open that get no event any more (silenced, or sent `disconnect`).
    retired: HashMap<u64, Commands>,
}

impl Connections {
    fn entry_mut(&mut self, id: u64) -> Option<&mut ConnectionEntry> {
        self.entries.iter_mut().find(|c| c.id == id)
    }

    /// Registers connection `id`, open now.
    pub fn open(&mut self, id: u64, app: String, ticket: &str, ua: String, commands: Commands) {
        self.entries.push(ConnectionEntry {
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
        self.open.insert(id, commands);
    }

    /// Connection `id` gets no event any more, though it stays open; `mark` says why.
    pub fn retire(&mut self, id: u64, mark: impl FnOnce(&mut ConnectionEntry)) {
        if let Some(sender) = self.open.remove(&id) {
            self.retired.insert(id, sender);
        }
        if let Some(entry) = self.entry_mut(id) {
            mark(entry);
        }
    }

    /// Connection `id` closed, for `reason`.
    pub fn close(&mut self, id: u64, reason: &str) {
        self.open.remove(&id);
        self.retired.remove(&id);
        if let Some(entry) = self.entry_mut(id) {
            if entry.open {
                entry.open = false;
                entry.closed_at = Some(now_millis());
                entry.close_reason = Some(reason.to_owned());
            }
        }
    }

    /// A ping sent over connection `id`, with the data it must be answered with.
    pub fn ping_sent(&mut self, id: u64, message_id: &str, data: &str) {
        if let Some(entry) = self.entry_mut(id) {
            entry.pings += 1;
            entry
                .pending_pings
                .insert(message_id.to_owned(), data.to_owned());
        }
    }

    /// Whether `message_id` was a ping sent over connection `id`; an answer with code 200 and
    /// the ping's data counts as a pong.
    pub fn answer_ping(
        &mut self,
        id: u64,
        message_id: &str,
        code: Option<u64>,
        data: &str,
    ) -> bool {
        let Some(entry) = self.entry_mut(id) else {
            return false;
        };
        let Some(sent) = entry.pending_pings.remove(message_id) else {
            return false;
        };
        if code == Some(200) && sent == data {
            entry.pongs += 1;
        }
        true
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

    /// The channel to connection `id`, while events are delivered to it.
    pub fn commands(&self, id: u64) -> Option<&Commands> {
        self.open.get(&id)
    }

    /// Whether events are delivered to connection `id`.
    pub fn is_open(&self, id: u64) -> bool {
        self.open.contains_key(&id)
    }

    /// The connections events are delivered to.
    pub fn open_ids(&self) -> Vec<u64> {
        self.open.keys().copied().collect()
    }

    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// Whether no connection is open, retired ones too when `retired`.
    pub fn none_open(&self, retired: bool) -> bool {
        self.open.is_empty() && (!retired || self.retired.is_empty())
    }

    /// Sends `command` to every open connection (retired ones too when `retired`); how many
    /// there were.
    pub fn command_all(&self, retired: bool, command: impl Fn() -> Command) -> usize {
        let retired = self.retired.values().filter(|_| retired);
        self.open
            .values()
            .chain(retired)
            .filter(|sender| sender.send(command()).is_ok())
            .count()
    }

    pub fn entries(&self) -> &[ConnectionEntry] {
        &self.entries
    }
}
