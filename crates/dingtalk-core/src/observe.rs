//! What the client does on the way, told to whoever watches: typed [`Event`]s handed to an
//! [`Observer`] (the PHP binding turns them into log records).
//!
//! An event is built only when an observer is set ([`Observe::emit`] takes a closure), so a
//! client nobody watches pays one branch per place. Every text an event carries is built from
//! what the client already shows in its errors: the app secret, tokens, tickets and store
//! passwords are removed where the event is built, never later.
//!
//! Events come from the thread that does the work: the caller's, or a worker thread of a bulk
//! call; some are emitted while the token cache or a store is locked. An observer must
//! therefore only record them (the binding queues them and hands them to PHP on PHP's thread,
//! at a point where the client holds no lock).

use std::sync::Arc;
use std::time::Duration;

/// Receives the events of the clients it was given to.
pub trait Observer: Send + Sync {
    /// One event. Called from any thread, possibly with the client's locks held: record it,
    /// do not call back into the client.
    fn observe(&self, event: Event);
}

/// Something the client did on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A new access token was fetched from DingTalk (`/gettoken`).
    TokenFetched {
        /// The `token_store` it was put in: `memory`, `file` or `redis`.
        store: &'static str,
        /// How long DingTalk said it lives.
        lifetime: Duration,
    },
    /// An attempt failed and the call tries again.
    Retrying(Retry),
    /// DingTalk throttled an attempt (a QPS limit); a [`Event::Retrying`] or the call's
    /// failure follows.
    Throttled(Answer),
    /// The client's own `rate_limit` (a webhook's `per_minute`) held an attempt back for a
    /// while before sending it.
    RateLimitWait {
        /// The API (method and path template).
        api: String,
        /// How long it waited.
        waited: Duration,
        /// The option that set the limit.
        option: LimitOption,
    },
    /// The shared `token_store` failed; the call went on without it.
    StoreFailed {
        /// `file` or `redis`.
        store: &'static str,
        /// Why, without the store's password.
        cause: String,
    },
    /// A Stream worker's connection changed.
    Stream(StreamState),
}

/// The option of a client-side limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitOption {
    /// A client's `rate_limit`: calls per second per app and API.
    RateLimit,
    /// A webhook's `per_minute`: messages a minute per robot.
    PerMinute,
}

/// An attempt that failed and is tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// What DingTalk answered, or why there was no answer.
    pub answer: Answer,
    /// The pause before the next attempt (zero after a refused token, renewed at once).
    pub delay: Duration,
    /// Whether the attempt's token was refused (the next one carries a new token).
    pub token_refused: bool,
}

/// One failed attempt of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The API, as the rate limit counts it: `POST /v1.0/todo/users/{}/tasks`.
    pub api: String,
    /// The path of this call, ids included.
    pub path: String,
    /// Which attempt failed, from 1.
    pub attempt: u32,
    /// The failure, as its error says it (no secret, no token).
    pub reason: String,
    /// DingTalk's code (an oapi errcode as text, or a v1.0 `code`), if it answered one.
    pub code: Option<String>,
    /// DingTalk's request id, if it sent one.
    pub request_id: Option<String>,
}

/// A change of a Stream worker's connections: what its `on_state` is told and its logger
/// records, from one place (`stream/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    /// A connection attempt starts (a ticket, then the WebSocket).
    Connecting {
        /// The attempt's number since the last connection that worked, from 1.
        attempt: u32,
    },
    /// The WebSocket is open.
    Connected {
        /// As in [`StreamState::Connecting`].
        attempt: u32,
        /// The gateway's host (the ticket is not shown).
        host: String,
    },
    /// A connection ended.
    Disconnected {
        /// Why (no secret, no ticket).
        reason: String,
        /// The gateway asked for a new connection (`disconnect`): the old one is still read
        /// until the gateway closes it, and the next one opens at once.
        draining: bool,
    },
    /// A connection attempt failed, or the connection died: the next attempt comes after
    /// `pause`.
    Retrying {
        /// The number of the next attempt, as in [`StreamState::Connecting`].
        attempt: u32,
        /// The pause before it.
        pause: Duration,
        /// Why (no secret, no ticket).
        reason: String,
    },
}

impl StreamState {
    /// Its name: `connecting`, `connected`, `disconnected`, `retrying`.
    pub fn name(&self) -> &'static str {
        match self {
            StreamState::Connecting { .. } => "connecting",
            StreamState::Connected { .. } => "connected",
            StreamState::Disconnected { .. } => "disconnected",
            StreamState::Retrying { .. } => "retrying",
        }
    }
}

/// The observer of one client, if any: the one place events are built and handed over.
#[derive(Clone, Default)]
pub(crate) struct Observe(Option<Arc<dyn Observer>>);

impl Observe {
    pub(crate) fn new(observer: Option<Arc<dyn Observer>>) -> Self {
        Observe(observer)
    }

    /// Hands the event `make` builds to the observer; without one, `make` is not called.
    pub(crate) fn emit(&self, make: impl FnOnce() -> Event) {
        if let Some(observer) = &self.0 {
            observer.observe(make());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Event>>);

    impl Observer for Recorder {
        fn observe(&self, event: Event) {
            self.0.lock().unwrap().push(event);
        }
    }

    #[test]
    fn no_observer_builds_no_event() {
        let unobserved = Observe::default();
        unobserved.emit(|| unreachable!("built without an observer"));
        let recorder = Arc::new(Recorder::default());
        let observed = Observe::new(Some(recorder.clone()));
        let closed = StreamState::Connecting { attempt: 1 };
        observed.emit(|| Event::Stream(closed.clone()));
        assert_eq!(*recorder.0.lock().unwrap(), [Event::Stream(closed)]);
    }
}
