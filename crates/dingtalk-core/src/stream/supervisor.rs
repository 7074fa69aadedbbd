//! The connections of one worker: the `active` one, and those `draining` after the gateway's
//! `disconnect`. DingTalk sends `disconnect`, goes on delivering over that connection for a
//! few seconds and closes it about 10 s later; the worker opens the next connection at once
//! (make-before-break) and reads the old one until it closes, so nothing sent in between is
//! lost. Frames of all connections are merged (the draining ones first: what they hold was sent
//! earlier) and each message is acknowledged over the connection that brought it.
//!
//! Waiting is one `poll(2)` over every socket, until the caller's deadline or the moment a
//! connection must be looked at anyway (its keepalive). A draining connection ends when the
//! gateway closes it, falls silent past `keepalive`, or has drained for [`DRAIN_LIMIT`]; at
//! most [`MAX_DRAINING`] drain at once (a gateway that disconnects every new connection at once
//! cannot make the worker keep them all).

use std::time::{Duration, Instant};

use tungstenite::WebSocket;

use super::connection::{Connection, Step};
use super::frame::Event;
use crate::deadline::Deadline;
use crate::net::{self, Transport};

/// The longest a connection drains (DingTalk closes it about 10 s after its `disconnect`).
pub(crate) const DRAIN_LIMIT: Duration = Duration::from_secs(60);
/// The most connections draining at once; past it the oldest is closed.
pub(crate) const MAX_DRAINING: usize = 3;

/// A connection that ended, and how it had done.
#[derive(Debug)]
pub(crate) struct Ended {
    pub(crate) reason: String,
    pub(crate) opened: Instant,
    /// It delivered a message.
    pub(crate) proven: bool,
}

/// What waiting brought.
pub(crate) enum Happened {
    /// A message, tagged with its connection.
    Message(Box<Event>),
    /// The active connection got `disconnect`: it drains now, and there is no active one.
    Disconnected { opened: Instant, proven: bool },
    /// The active connection died.
    Lost(Ended),
    /// The deadline came first.
    Idle,
}

/// How sending an answer went.
pub(crate) enum Sending {
    Done,
    /// The connection is no longer there (DingTalk delivers the message again elsewhere).
    Gone,
    /// The active connection died sending it.
    Lost(Ended),
}

struct Draining {
    connection: Connection,
    since: Instant,
}

#[derive(Default)]
pub(crate) struct Supervisor {
    active: Option<Connection>,
    draining: Vec<Draining>,
    /// The number of the next connection.
    next_id: u64,
}

fn ended(connection: Connection, reason: String) -> Ended {
    let ended = Ended {
        reason,
        opened: connection.opened,
        proven: connection.proven,
    };
    connection.close();
    ended
}

impl Supervisor {
    /// Makes `socket` the active connection (the caller moved the old one out first).
    pub(crate) fn activate(
        &mut self,
        socket: WebSocket<Transport>,
        keepalive: Duration,
        write_timeout: Duration,
    ) {
        self.next_id += 1;
        let mut connection = Connection::new(self.next_id, socket, keepalive, write_timeout);
        connection.leave();
        self.active = Some(connection);
    }

    pub(crate) fn has_active(&self) -> bool {
        self.active.is_some()
    }

    /// Whether any connection is open (active or draining).
    pub(crate) fn is_empty(&self) -> bool {
        self.active.is_none() && self.draining.is_empty()
    }

    /// Waits until `deadline` for the first thing that happens on any connection.
    pub(crate) fn next(&mut self, deadline: Instant) -> Happened {
        self.each(Connection::resume);
        let happened = self.watch(deadline);
        self.each(Connection::leave);
        happened
    }

    fn each(&mut self, mut f: impl FnMut(&mut Connection)) {
        self.active.iter_mut().for_each(&mut f);
        for draining in &mut self.draining {
            f(&mut draining.connection);
        }
    }

    fn watch(&mut self, deadline: Instant) -> Happened {
        loop {
            if let Some(message) = self.poll_draining() {
                return Happened::Message(message);
            }
            if let Some(active) = self.active.as_mut() {
                match active.poll() {
                    Ok(None) => {}
                    Ok(Some(Step::Message(mut event))) => {
                        event.handling.connection = active.id;
                        return Happened::Message(event);
                    }
                    Ok(Some(Step::Disconnect)) => return self.drain_active(),
                    Err(reason) => {
                        if let Some(active) = self.active.take() {
                            return Happened::Lost(ended(active, reason));
                        }
                    }
                }
            }
            let now = Instant::now();
            if now >= deadline || self.is_empty() {
                return Happened::Idle;
            }
            let until = self.due().min(deadline);
            let sockets: Vec<_> = self
                .active
                .iter()
                .chain(self.draining.iter().map(|d| &d.connection))
                .map(Connection::tcp)
                .collect();
            // A failing poll leaves the next round to find out what is wrong by reading.
            let _ = net::wait(&sockets, until.saturating_duration_since(now));
        }
    }

    /// When some connection must be looked at even if nothing arrives.
    fn due(&self) -> Instant {
        let draining = self
            .draining
            .iter()
            .map(|d| d.connection.due().min(d.since + DRAIN_LIMIT));
        let active = self.active.iter().map(Connection::due);
        draining
            .chain(active)
            .min()
            .unwrap_or_else(|| Instant::now() + DRAIN_LIMIT)
    }

    /// A message from a draining connection, if one has arrived; those that ended (closed by the
    /// gateway, silent, drained long enough) are dropped on the way.
    fn poll_draining(&mut self) -> Option<Box<Event>> {
        let mut index = 0;
        while index < self.draining.len() {
            let draining = &mut self.draining[index];
            if draining.since.elapsed() >= DRAIN_LIMIT {
                self.draining.remove(index).connection.close();
                continue;
            }
            match draining.connection.poll() {
                Ok(Some(Step::Message(mut event))) => {
                    event.handling.connection = draining.connection.id;
                    return Some(event);
                }
                // Already draining: a second `disconnect` changes nothing.
                Ok(Some(Step::Disconnect)) | Ok(None) => index += 1,
                Err(_) => self.draining.remove(index).connection.close(),
            }
        }
        None
    }

    fn drain_active(&mut self) -> Happened {
        let Some(active) = self.active.take() else {
            return Happened::Idle;
        };
        let happened = Happened::Disconnected {
            opened: active.opened,
            proven: active.proven,
        };
        if self.draining.len() >= MAX_DRAINING {
            self.draining.remove(0).connection.close();
        }
        self.draining.push(Draining {
            connection: active,
            since: Instant::now(),
        });
        happened
    }

    /// Sends `text` (an answer) over connection `id`.
    pub(crate) fn send(&mut self, id: u64, text: String) -> Sending {
        if let Some(active) = self.active.as_mut().filter(|a| a.id == id) {
            return match active.send(text) {
                Ok(()) => Sending::Done,
                Err(reason) => match self.active.take() {
                    Some(active) => Sending::Lost(ended(active, reason)),
                    None => Sending::Gone,
                },
            };
        }
        let Some(at) = self.draining.iter().position(|d| d.connection.id == id) else {
            return Sending::Gone;
        };
        match self.draining[at].connection.send(text) {
            Ok(()) => Sending::Done,
            Err(_) => {
                self.draining.remove(at).connection.close();
                Sending::Gone
            }
        }
    }

    /// Closes every connection, waiting until `wait_until` for the gateway's Close on each (see
    /// [`Connection::close_by`]).
    pub(crate) fn close(&mut self, wait_until: Deadline) {
        if let Some(active) = self.active.take() {
            active.close_by(wait_until);
        }
        for draining in self.draining.drain(..) {
            draining.connection.close_by(wait_until);
        }
    }
}
