//! The tickets `POST /v1.0/gateway/connections/open` hands out: each works once, for the
//! ticket lifetime, to open one connection.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A ticket issued to an app.
struct Ticket {
    app: String,
    ua: String,
    issued: Instant,
}

#[derive(Default)]
pub struct Tickets {
    unused: HashMap<String, Ticket>,
    /// How many of the next tickets presented are refused (`/_emulator/stream/refuse-tickets`).
    refuse: u64,
    issued: u64,
    refused: u64,
}

impl Tickets {
    /// Keeps `ticket` for `app` (and its client's `ua`); forgets the expired ones.
    pub fn issue(&mut self, ticket: String, app: &str, ua: &str, ttl: Duration) {
        let now = Instant::now();
        self.unused
            .retain(|_, t| now.duration_since(t.issued) <= ttl);
        self.unused.insert(
            ticket,
            Ticket {
                app: app.to_owned(),
                ua: ua.to_owned(),
                issued: now,
            },
        );
        self.issued += 1;
    }

    /// Uses up `ticket`: the app and `ua` it was issued to, or why it is refused.
    pub fn redeem(
        &mut self,
        ticket: &str,
        ttl: Duration,
    ) -> Result<(String, String), &'static str> {
        let Some(issued) = self.unused.remove(ticket) else {
            return Err("unknown or already used ticket");
        };
        if issued.issued.elapsed() > ttl {
            self.refused += 1;
            return Err("expired ticket");
        }
        if self.refuse > 0 {
            self.refuse -= 1;
            self.refused += 1;
            return Err("ticket refused by the emulator's control API");
        }
        Ok((issued.app, issued.ua))
    }

    /// The next `count` tickets presented are refused.
    pub fn refuse_next(&mut self, count: u64) {
        self.refuse += count;
    }

    /// `{"issued", "refused"}` for the log.
    pub fn counts(&self) -> Value {
        json!({"issued": self.issued, "refused": self.refused})
    }
}
