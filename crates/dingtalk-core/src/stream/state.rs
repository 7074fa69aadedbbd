//! What a worker's connection goes through, as the worker tells it ([`StreamState`]): every
//! change is made in one place (the worker queues it), and whoever watches — the caller's
//! `on_state`, a logger — takes the queue between two waits, on the caller's thread.

use std::collections::VecDeque;
use std::time::Duration;

/// The most changes kept for a caller that does not take them.
const MAX_QUEUED: usize = 1000;

/// A change of a worker's connection.
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
    /// The connection ended.
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

/// The changes not taken yet.
#[derive(Debug, Default)]
pub(crate) struct States(VecDeque<StreamState>);

impl States {
    pub(crate) fn tell(&mut self, state: StreamState) {
        if self.0.len() >= MAX_QUEUED {
            self.0.pop_front();
        }
        self.0.push_back(state);
    }

    pub(crate) fn take(&mut self) -> Vec<StreamState> {
        self.0.drain(..).collect()
    }
}
