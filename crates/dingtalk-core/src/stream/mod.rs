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
//! itself — after a dropped connection, a refused ticket, a gateway that went away or went
//! silent — with a doubling, jittered pause between failed attempts; only an answer that no
//! retry can change (wrong key or secret, a permission missing) ends it with an error. Each
//! change of its connection is told to the client's observer.

mod connection;
mod frame;
mod open;
mod options;
mod socket;
mod tunnel;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConfig;

pub use frame::{Ack, Event};
pub use options::StreamOptions;

use crate::error::{Error, ErrorClass, Result};
use crate::exec::{retry, Executor};
use crate::observe::{Event as Observed, StreamState};
use crate::redact::redact;
use connection::{Connection, Step};

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
    /// Failed attempts in a row, which set the next pause.
    failures: u32,
    /// No connection attempt before this.
    retry_at: Option<Instant>,
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
        Stream {
            exec,
            options,
            tls: None,
            connection: None,
            failures: 0,
            retry_at: None,
            stats: StreamStats::default(),
        }
    }

    /// The next event, waiting at most `wait` (then `None`), connecting and reconnecting as
    /// needed. An error only for what no retry can change (see the module docs).
    pub fn next_event(&mut self, wait: Duration) -> Result<Option<Event>> {
        let deadline = Instant::now() + wait;
        loop {
            let Some(connection) = self.connection.as_mut() else {
                if !self.wait_to_connect(deadline) {
                    return Ok(None);
                }
                self.connect()?;
                continue;
            };
            match connection.next(deadline) {
                Ok(Step::Event(event)) => {
                    self.failures = 0;
                    return Ok(Some(*event));
                }
                Ok(Step::Idle) => {
                    if connection.heard {
                        self.failures = 0;
                    }
                    return Ok(None);
                }
                Ok(Step::Disconnect) => {
                    // Asked for by the gateway: at once, with a new ticket.
                    if let Some(connection) = self.connection.take() {
                        connection.close();
                    }
                    self.tell(|| StreamState::Reconnecting);
                    self.failures = 0;
                    self.retry_at = None;
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
            self.tell(|| StreamState::Closed);
        }
    }

    /// Tells the client's observer how the connection changed.
    fn tell(&self, state: impl FnOnce() -> StreamState) {
        self.exec.observe().emit(|| Observed::Stream(state()));
    }

    /// What happened to the connections so far.
    pub fn stats(&self) -> StreamStats {
        self.stats.clone()
    }

    /// Waits for the pause before the next attempt; `false` when `deadline` comes first.
    fn wait_to_connect(&mut self, deadline: Instant) -> bool {
        let Some(at) = self.retry_at else {
            return true;
        };
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at.min(deadline) - now);
        }
        if at > deadline {
            return false;
        }
        self.retry_at = None;
        true
    }

    /// One connection attempt: a ticket, then the WebSocket.
    fn connect(&mut self) -> Result<()> {
        let ticket = match open::open(&self.exec) {
            Ok(ticket) => ticket,
            Err(error) if is_final(&error) => return Err(error),
            Err(error) => {
                self.failed(error.to_string());
                return Ok(());
            }
        };
        self.stats.tickets += 1;
        let dial = socket::Dial {
            options: self.exec.options(),
            tls: &mut self.tls,
            max_frame_bytes: self.options.max_frame_bytes,
        };
        match socket::open(&ticket.url, dial) {
            Ok(socket) => {
                self.stats.connections += 1;
                self.tell(|| StreamState::Connected {
                    host: ticket.url.host_str().unwrap_or_default().to_owned(),
                });
                self.connection = Some(Connection::new(
                    socket,
                    self.options.keepalive,
                    self.exec.options().timeout,
                ));
            }
            Err(reason) => {
                let reason = redact(&reason, &[&ticket.ticket, self.exec.app_secret()]);
                self.failed(reason);
            }
        }
        Ok(())
    }

    /// The connection died: drop it and pause before the next attempt.
    fn lost(&mut self, reason: String) {
        self.connection = None;
        self.failed(reason);
    }

    fn failed(&mut self, reason: String) {
        self.stats.failures += 1;
        let reason = redact(&reason, &[self.exec.app_secret()]);
        let full = retry::doubled(self.options.reconnect_delay, self.failures).min(
            self.options
                .max_reconnect_delay
                .max(self.options.reconnect_delay),
        );
        self.failures = self.failures.saturating_add(1);
        let delay = retry::jitter(full);
        self.retry_at = Some(Instant::now() + delay);
        self.tell(|| StreamState::Lost {
            reason: reason.clone(),
            delay,
            failures: self.failures,
        });
        self.stats.last_failure = Some(reason);
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.close();
    }
}
