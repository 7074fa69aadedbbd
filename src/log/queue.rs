//! The observer the binding gives the core: it only keeps the events, on whatever thread they
//! come from, for [`super::Log`] to hand to the PHP logger on PHP's thread.
//!
//! It holds at most [`MAX_EVENTS`] between two deliveries (a hostile server cannot grow it
//! without bound through retries or reconnections); those beyond are counted, and the count is
//! delivered instead.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use dingtalk_core::observe::{Event, Observer};

/// The most events kept between two deliveries.
pub const MAX_EVENTS: usize = 1000;

/// The events of one logger's clients, waiting for PHP's thread.
#[derive(Default)]
pub struct Queue {
    events: Mutex<Vec<Event>>,
    dropped: AtomicUsize,
}

impl Observer for Queue {
    fn observe(&self, event: Event) {
        // A push cannot panic half-way: a poisoned lock still guards a whole list.
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        if events.len() < MAX_EVENTS {
            events.push(event);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Queue {
    /// The events kept so far, oldest first, and how many were dropped; the queue is empty
    /// afterwards.
    pub fn take(&self) -> (Vec<Event>, usize) {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let taken = std::mem::take(&mut *events);
        drop(events);
        (taken, self.dropped.swap(0, Ordering::Relaxed))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may
mod tests {
    use super::*;
    use dingtalk_core::observe::StreamState;

    #[test]
    fn it_keeps_a_bounded_number_of_events_and_counts_the_rest() {
        let queue = Queue::default();
        for _ in 0..MAX_EVENTS + 5 {
            queue.observe(Event::Stream(StreamState::Connecting { attempt: 1 }));
        }
        let (events, dropped) = queue.take();
        assert_eq!((events.len(), dropped), (MAX_EVENTS, 5));
        assert_eq!(queue.take(), (Vec::new(), 0));
    }
}
