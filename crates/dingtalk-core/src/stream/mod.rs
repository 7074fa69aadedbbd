//! Stream mode: DingTalk's events over an outbound WebSocket, so an app needs no public URL.
//!
//! The protocol, as DingTalk documents it:
//! 1. `POST /v1.0/gateway/connections/open` on the v1.0 host with the app's key and secret
//!    (`clientId`, `clientSecret`) and its subscriptions (every event: `EVENT` / `*`) answers an
//!    `endpoint` and a one-use `ticket` (`open.rs`);
//! 2. a WebSocket to `endpoint?ticket=...` (`socket.rs`, `tunnel.rs` for `options[proxy]`);
//! 3. JSON frames (`frame.rs`): `ping` is answered with its own data, `disconnect` means "connect
//!    again with a new ticket", and every `EVENT` is acknowledged `SUCCESS` or `LATER` (then
//!    DingTalk delivers it again).
//!
//! [`Stream`] runs on the caller's thread, blocking with timeouts (`connection.rs`): it is made
//! for a worker whose event handler must run on that same thread (PHP's). It reconnects by
//! itself — after a dropped connection, a refused ticket, a gateway that went away, went silent
//! or asked for it — as `reconnect.rs` decides; only an answer that no retry can change (wrong
//! key or secret, a permission missing) ends it with an error. A connection attempt (the ticket,
//! then the WebSocket) ends by `options[timeout]` and by the caller's own deadline, whichever
//! comes first, however slowly the gateway answers.

mod connection;
mod frame;
mod open;
mod options;
mod reconnect;
mod socket;
mod tunnel;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConfig;

pub use frame::{Ack, Event};
pub use options::StreamOptions;

use crate::deadline::Deadline;
use crate::error::{Error, ErrorClass, Result};
use crate::exec::Executor;
use crate::redact::redact;
use connection::{Connection, Step};
use reconnect::Reconnect;

/// What happened to the worker's connections so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Tickets asked for (`/v1.0/gateway/connections/open` calls that answered one).
    pub tickets: u64,
    /// WebSocket connections opened.
    pub connections: u64,
    /// Connections that died or could not be opened (the gateway's `disconnect` not counted).
    pub failures: u64,
    /// Why the last one failed (no secret, no ticket in it).
    pub last_failure: Option<String>,
}

/// A Stream-mode client of one app: call [`Stream::next_event`] in a loop and acknowledge each
/// event. Dropping it closes the connection.
pub struct Stream {
    exec: Arc<Executor>,
    options: StreamOptions,
    tls: Option<Arc<ClientConfig>>,
    connection: Option<Connection>,
    reconnect: Reconnect,
    stats: StreamStats,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("app_key", &self.exec.app_key())
            .field("connected", &self.connection.is_some())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Whether a failure to get a ticket ends the worker: no retry changes a wrong secret or a
/// missing permission, while anything else (network, gateway busy or broken) may pass.
fn is_final(error: &Error) -> bool {
    match error {
        Error::Api(api) => matches!(api.class, ErrorClass::BadCredentials | ErrorClass::Final),
        Error::InvalidArgument { .. } => true,
        _ => false,
    }
}

impl Stream {
    pub(crate) fn new(exec: Arc<Executor>, options: StreamOptions) -> Self {
        let reconnect = Reconnect::new(options.reconnect_delay, options.max_reconnect_delay);
        Stream {
            exec,
            options,
            tls: None,
            connection: None,
            reconnect,
            stats: StreamStats::default(),
        }
    }

    /// The next event, waiting at most `wait` (then `None`), connecting and reconnecting as
    /// needed. `end` is the caller's own deadline, if it has one (a worker that runs for a
    /// while): a connection attempt never runs past it, even one started within `wait`. An
    /// error only for what no retry can change (see the module docs).
    pub fn next_event(&mut self, wait: Duration, end: Option<Instant>) -> Result<Option<Event>> {
        let deadline = Instant::now() + wait;
        loop {
            let Some(connection) = self.connection.as_mut() else {
                if !self.wait_to_connect(deadline) {
                    return Ok(None);
                }
                self.connect(end)?;
                continue;
            };
            match connection.next(deadline) {
                Ok(Step::Event(event)) => {
                    self.reconnect.proven();
                    return Ok(Some(*event));
                }
                Ok(Step::Idle) => return Ok(None),
                Ok(Step::Disconnect) => {
                    // Asked for by the gateway: a new ticket, as the policy allows.
                    if let Some(connection) = self.connection.take() {
                        self.reconnect.lived(connection.opened);
                        connection.close();
                    }
                    self.reconnect.disconnected();
                }
                Err(reason) => self.lost(reason),
            }
        }
    }

    /// Acknowledges `event`: `Success`, or `Later` to have it delivered again. `false` when the
    /// acknowledgement could not be sent (the connection is gone; DingTalk delivers the event
    /// again over the next one).
    pub fn acknowledge(&mut self, event: &Event, ack: Ack) -> bool {
        let Some(connection) = self.connection.as_mut() else {
            return false;
        };
        match connection.acknowledge(&event.message_id, ack) {
            Ok(()) => true,
            Err(reason) => {
                self.lost(reason);
                false
            }
        }
    }

    /// Closes the connection, if one is open; the next [`Stream::next_event`] opens another.
    pub fn close(&mut self) {
        if let Some(connection) = self.connection.take() {
            connection.close();
        }
    }

    /// What happened to the connections so far.
    pub fn stats(&self) -> StreamStats {
        self.stats.clone()
    }

    /// Waits for the pause before the next attempt; `false` when `deadline` comes first.
    fn wait_to_connect(&mut self, deadline: Instant) -> bool {
        let Some(at) = self.reconnect.not_before() else {
            return true;
        };
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at.min(deadline) - now);
        }
        if at > deadline {
            return false;
        }
        self.reconnect.waited();
        true
    }

    /// One connection attempt, the ticket and the WebSocket together by `options[timeout]`
    /// from now, or by `end` if that comes first.
    fn connect(&mut self, end: Option<Instant>) -> Result<()> {
        let exec = Arc::clone(&self.exec);
        let options = exec.options();
        let mut deadline = Deadline::after(options.timeout);
        if let Some(end) = end {
            deadline = deadline.min(Deadline::at(end));
        }
        let ticket = match open::open(&exec, deadline) {
            Ok(ticket) => ticket,
            Err(error) if is_final(&error) => return Err(error),
            Err(error) => {
                self.failed(error.to_string());
                return Ok(());
            }
        };
        self.stats.tickets += 1;
        let dial = socket::Dial {
            options,
            tls: &mut self.tls,
            max_frame_bytes: self.options.max_frame_bytes,
        };
        match socket::open(&ticket.url, dial, deadline) {
            Ok(socket) => {
                self.stats.connections += 1;
                self.connection = Some(Connection::new(
                    socket,
                    self.options.keepalive,
                    options.timeout,
                ));
            }
            Err(reason) => {
                let reason = redact(&reason, &[&ticket.ticket, exec.app_secret()]);
                self.failed(reason);
            }
        }
        Ok(())
    }

    /// The connection died: drop it and pause before the next attempt.
    fn lost(&mut self, reason: String) {
        if let Some(connection) = self.connection.take() {
            self.reconnect.lived(connection.opened);
        }
        self.failed(reason);
    }

    fn failed(&mut self, reason: String) {
        self.stats.failures += 1;
        self.stats.last_failure = Some(redact(&reason, &[self.exec.app_secret()]));
        self.reconnect.failed();
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.close();
    }
}
