//! Stream mode: DingTalk's events, bot messages and card callbacks over an outbound
//! WebSocket, so an app needs no public URL.
//!
//! The protocol, as DingTalk documents it:
//! 1. `POST /v1.0/gateway/connections/open` on the v1.0 host with the app's key and secret
//!    (`clientId`, `clientSecret`) and its subscriptions (`topics.rs`) answers an `endpoint`
//!    and a one-use `ticket` (`open.rs`);
//! 2. a WebSocket to `endpoint?ticket=...` (`socket.rs`, `tunnel.rs` for `options[proxy]`);
//! 3. JSON frames (`frame.rs`): `ping` is answered with its own data, `disconnect` means "connect
//!    again with a new ticket", every `EVENT` is acknowledged `SUCCESS` or `LATER` (then
//!    DingTalk delivers it again) and every `CALLBACK` with a `response`.
//!
//! [`Stream`] runs on the caller's thread, blocking with timeouts: it is made for a worker whose
//! handler must run on that same thread (PHP's). Its connections (`supervisor.rs`) are the
//! active one and those draining after a `disconnect`, read together. It reconnects by itself —
//! after a dropped connection, a refused ticket, a gateway that went away, went silent or asked
//! for it — as `reconnect.rs` decides; only an answer that no retry can change (wrong key or
//! secret, a permission missing), or `max_failures` failures in a row, end it with an error. A
//! connection attempt (the ticket, then the WebSocket) ends by `options[timeout]` and by the
//! caller's own deadline, whichever comes first, however slowly the gateway answers. A message
//! already handled within `dedupe` is acknowledged without reaching the caller
//! (`dedupe.rs`); each change of the connection is queued for the caller (`state.rs`) and told
//! to the client's observer, the same event for both.

mod attempt;
mod connection;
mod dedupe;
mod frame;
mod open;
mod options;
mod reconnect;
mod socket;
mod state;
mod supervisor;
#[cfg(test)]
mod supervisor_tests;
mod topics;
mod tunnel;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConfig;

pub use frame::{Ack, Event};
pub use options::{AckMode, StreamOptions};
pub use state::StreamState;
pub use topics::{Kind, Topic, BOT_MESSAGES, CARD_CALLBACKS};

use crate::counters;
use crate::deadline::Deadline;
use crate::error::{Error, ErrorClass, Result};
use crate::exec::Executor;
use crate::observe::Event as Observed;
use crate::store;
use dedupe::{Claim, Dedupe, Verdict};
use reconnect::Reconnect;
use state::States;
use supervisor::{Happened, Sending, Supervisor};

/// How long closing the connections waits for the gateway to close them too.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// What happened to the worker's connections and messages so far.
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
    /// Messages (events and callbacks) the gateway delivered.
    pub deliveries: u64,
    /// Deliveries acknowledged without reaching the caller: handled already, or being handled
    /// by another worker (`dedupe`).
    pub duplicates: u64,
    /// Connections opened to replace one that ended (a `disconnect`, a drop, a silence).
    pub reconnects: u64,
}

/// How a message stands with the worker that has it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Handling {
    /// The connection that brought it (its acknowledgement goes back over it).
    pub(crate) connection: u64,
    /// Its claim on the deduplication window, to settle by how it was handled.
    pub(crate) claim: Option<Claim>,
    /// Acknowledged already, before the handler (`ack` `early`).
    pub(crate) answered: bool,
}

/// A Stream-mode client of one app: call [`Stream::next_event`] in a loop and acknowledge each
/// message. Dropping it closes the connections.
pub struct Stream {
    exec: Arc<Executor>,
    options: StreamOptions,
    tls: Option<Arc<ClientConfig>>,
    connections: Supervisor,
    reconnect: Reconnect,
    dedupe: Option<Dedupe>,
    states: States,
    /// A state was told during this call of `next_event`: it returns, so that the caller hears
    /// of it before the worker goes on.
    told: bool,
    /// `connecting` was told: the attempt comes next.
    announced: bool,
    /// A connection of this run ended: the next one replaces it.
    replacing: bool,
    /// Why the worker gave up while acknowledging, for the next `next_event`.
    fatal: Option<Error>,
    stats: StreamStats,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("app_key", &self.exec.app_key())
            .field("connected", &self.connections.has_active())
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

/// What `disconnected` says after the gateway's `disconnect`.
const DISCONNECT: &str = "the gateway asked for a new connection (disconnect)";

impl Stream {
    pub(crate) fn new(exec: Arc<Executor>, options: StreamOptions) -> Self {
        let reconnect = Reconnect::new(options.reconnect_delay, options.max_reconnect_delay);
        let dedupe = (!options.dedupe.is_zero()).then(|| {
            // The token store's one entry in this process, which the token cache uses too.
            let config = exec.options();
            let store = store::entry(&config.token_store, config.ca.as_ref());
            let watched = (counters::counters_of(exec.app_id()), exec.observe().clone());
            Dedupe::new(options.dedupe, store, exec.app_id().store_key(), watched)
        });
        Stream {
            exec,
            options,
            tls: None,
            connections: Supervisor::default(),
            reconnect,
            dedupe,
            states: States::default(),
            told: false,
            announced: false,
            replacing: false,
            fatal: None,
            stats: StreamStats::default(),
        }
    }

    /// The next message, waiting at most `wait` (then `None`), connecting and reconnecting as
    /// needed; `None` too as soon as the connection changed ([`Stream::take_states`] says how).
    /// `end` is the caller's own deadline, if it has one (a worker that runs for a while): a
    /// connection attempt never runs past it, even one started within `wait`. An error only
    /// for what no retry can change, or after `max_failures` failures in a row.
    pub fn next_event(&mut self, wait: Duration, end: Option<Instant>) -> Result<Option<Event>> {
        let deadline = Instant::now() + wait;
        self.told = false;
        loop {
            if let Some(error) = self.fatal.take() {
                return Err(error);
            }
            if self.told {
                return Ok(None);
            }
            if !self.connections.has_active() && self.may_connect() {
                if !self.announced {
                    self.announced = true;
                    let attempt = self.reconnect.attempt();
                    self.tell(StreamState::Connecting { attempt });
                    continue;
                }
                self.announced = false;
                self.connect(end)?;
                continue;
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let until = match self.reconnect.not_before() {
                Some(at) if !self.connections.has_active() => at.min(deadline),
                _ => deadline,
            };
            if self.connections.is_empty() {
                std::thread::sleep(until.saturating_duration_since(now));
                continue;
            }
            match self.connections.next(until) {
                Happened::Idle => {}
                Happened::Message(event) => {
                    if let Some(event) = self.accept(event) {
                        return Ok(Some(*event));
                    }
                }
                Happened::Disconnected { opened, proven } => {
                    self.replacing = true;
                    self.tell(StreamState::Disconnected {
                        reason: DISCONNECT.to_owned(),
                        draining: true,
                    });
                    self.reconnect.disconnected(opened, proven);
                    if self.reconnect.not_before().is_some() {
                        self.retry(DISCONNECT.to_owned())?;
                    }
                }
                Happened::Lost(ended) => self.lost(ended)?,
            }
        }
    }

    /// Whether the pause before the next attempt is over (then it is forgotten).
    fn may_connect(&mut self) -> bool {
        match self.reconnect.not_before() {
            Some(at) if at > Instant::now() => false,
            _ => {
                self.reconnect.waited();
                true
            }
        }
    }

    /// A message as it arrived: answered here when it is not for the caller (a topic not
    /// subscribed to, a duplicate), acknowledged at once with `ack` `early`.
    fn accept(&mut self, mut event: Box<Event>) -> Option<Box<Event>> {
        self.stats.deliveries += 1;
        self.reconnect.proven();
        let (kind, topic) = (event.kind, event.topic.as_str());
        if !self.options.subscribed(kind, topic) {
            self.answer(&event, frame::not_subscribed(&event.message_id));
            return None;
        }
        let early = self.options.ack_mode(kind, topic) == AckMode::Early;
        if let Some(dedupe) = &self.dedupe {
            let answer = match dedupe.claim(&event, early) {
                Verdict::New(claim) => {
                    event.handling.claim = claim;
                    None
                }
                Verdict::Handled => Some(Ack::Success),
                // Being handled elsewhere: to come again, unless acknowledged before handling.
                Verdict::Busy if early => Some(Ack::Success),
                Verdict::Busy => Some(Ack::Later),
            };
            if let Some(ack) = answer {
                self.stats.duplicates += 1;
                self.answer(&event, frame::ack(kind, &event.message_id, &ack));
                return None;
            }
        }
        if early {
            let acked = frame::ack(kind, &event.message_id, &Ack::Success);
            self.answer(&event, acked);
            event.handling.answered = true;
        }
        Some(event)
    }

    /// Acknowledges `event` by how it was handled: `Success` (or a callback's `Response`), or
    /// `Later` for not handled. `false` when the acknowledgement could not be sent (its
    /// connection is gone; DingTalk delivers the message again). A message acknowledged before
    /// it was handled (`ack` `early`) is not acknowledged again.
    pub fn acknowledge(&mut self, event: &Event, ack: Ack) -> bool {
        if let (Some(dedupe), Some(claim)) = (&self.dedupe, &event.handling.claim) {
            dedupe.settle(claim, ack != Ack::Later);
        }
        if event.handling.answered {
            return true;
        }
        self.answer(event, frame::ack(event.kind, &event.message_id, &ack))
    }

    /// Sends `text` over the connection that brought `event`.
    fn answer(&mut self, event: &Event, text: String) -> bool {
        match self.connections.send(event.handling.connection, text) {
            Sending::Done => true,
            Sending::Gone => false,
            Sending::Lost(ended) => {
                if let Err(error) = self.lost(ended) {
                    self.fatal = Some(error);
                }
                false
            }
        }
    }

    /// Closes the connections, if any are open; the next [`Stream::next_event`] opens another.
    /// Waits for the gateway to close each in turn — then it has every acknowledgement sent on
    /// it — for [`CLOSE_WAIT`] at most, and not past `until`.
    pub fn close(&mut self, until: Option<Instant>) {
        if self.connections.has_active() {
            self.tell(StreamState::Disconnected {
                reason: "the worker closed the connection".to_owned(),
                draining: false,
            });
        }
        let wait = Deadline::after(CLOSE_WAIT);
        let wait_until = until.map_or(wait, |until| wait.min(Deadline::at(until)));
        self.connections.close(wait_until);
        self.replacing = false;
        self.announced = false;
    }

    /// What happened to the connections and messages so far.
    pub fn stats(&self) -> StreamStats {
        self.stats.clone()
    }

    /// The changes of the connection since the last call, oldest first.
    pub fn take_states(&mut self) -> Vec<StreamState> {
        self.states.take()
    }

    /// The one place a change of the connection is told: queued for the caller, and handed to
    /// the client's observer.
    fn tell(&mut self, state: StreamState) {
        self.told = true;
        self.exec.observe().emit(|| Observed::Stream(state.clone()));
        self.states.tell(state);
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.connections.close(Deadline::after(Duration::ZERO));
    }
}
