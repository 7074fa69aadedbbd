//! Connecting, and what a failure does: the connection attempt (ticket, then WebSocket), a
//! connection lost, the pause before the next attempt (`reconnect.rs`) and giving up after
//! `max_failures` failures in a row, each told as a [`StreamState`].

use std::sync::Arc;
use std::time::Instant;

use super::supervisor::Ended;
use super::{is_final, open, socket, Stream, StreamState};
use crate::deadline::Deadline;
use crate::error::{Result, TransportError, TransportErrorKind};
use crate::redact::redact;

impl Stream {
    /// One connection attempt, the ticket and the WebSocket together by `options[timeout]`
    /// from now, or by `end` if that comes first.
    pub(super) fn connect(&mut self, end: Option<Instant>) -> Result<()> {
        let exec = Arc::clone(&self.exec);
        let options = exec.options();
        let attempt = self.reconnect.attempt();
        let mut deadline = Deadline::after(options.timeout);
        if let Some(end) = end {
            deadline = deadline.min(Deadline::at(end));
        }
        let ticket = match open::open(&exec, &self.options.topics, deadline) {
            Ok(ticket) => ticket,
            Err(error) if is_final(&error) => return Err(error),
            Err(error) => return self.failed(error.to_string()),
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
                if std::mem::take(&mut self.replacing) {
                    self.stats.reconnects += 1;
                }
                let keepalive = self.options.keepalive;
                self.connections
                    .activate(socket, keepalive, options.timeout);
                let host = ticket.url.host_str().unwrap_or_default().to_owned();
                self.tell(StreamState::Connected { attempt, host });
                Ok(())
            }
            Err(reason) => self.failed(redact(&reason, &[&ticket.ticket, exec.app_secret()])),
        }
    }

    /// The active connection died: the next attempt after a pause.
    pub(super) fn lost(&mut self, ended: Ended) -> Result<()> {
        self.replacing = true;
        let reason = self.failure(&ended.reason);
        self.tell(StreamState::Disconnected {
            reason: reason.clone(),
            draining: false,
        });
        self.reconnect.lost(ended.opened, ended.proven);
        self.retry(reason)
    }

    /// A connection attempt failed.
    pub(super) fn failed(&mut self, reason: String) -> Result<()> {
        let reason = self.failure(&reason);
        self.reconnect.failed();
        self.retry(reason)
    }

    /// Counts a failure; its reason, without the secret.
    fn failure(&mut self, reason: &str) -> String {
        let reason = redact(reason, &[self.exec.app_secret()]);
        self.stats.failures += 1;
        self.stats.last_failure = Some(reason.clone());
        reason
    }

    /// Tells of the pause before the next attempt, or gives up after `max_failures` failures
    /// in a row.
    pub(super) fn retry(&mut self, reason: String) -> Result<()> {
        let failures = self.reconnect.failures();
        if let Some(max) = self.options.max_failures.filter(|max| failures >= *max) {
            let detail = format!(
                "{failures} connection attempts in a row failed (options[max_failures] is {max}); the last: {reason}"
            );
            let error = TransportError::new("Stream", TransportErrorKind::Connect, detail);
            return Err(error.into());
        }
        self.tell(StreamState::Retrying {
            attempt: self.reconnect.attempt(),
            pause: self.reconnect.pause_left(),
            reason,
        });
        Ok(())
    }
}
