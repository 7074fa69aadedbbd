//! What a worker's connection goes through, as the worker tells it ([`StreamState`], defined
//! with the client's other observed events): queued here for the caller's `on_state`, which
//! takes the queue between two waits, on the caller's thread.

use std::collections::VecDeque;

pub use crate::observe::StreamState;

/// The most changes kept for a caller that does not take them.
const MAX_QUEUED: usize = 1000;

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
