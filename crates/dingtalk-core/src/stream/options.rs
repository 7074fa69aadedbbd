//! Settings of a Stream-mode worker, checked when set so that bad input fails before connecting.

use std::time::Duration;

use super::topics::{Kind, Topic, BOT_MESSAGES};
use crate::error::{Error, Result};

/// Settings of a [`crate::Stream`]. Build with [`StreamOptions::default`] and the setters, which
/// check each value and name the option in their error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOptions {
    /// A connection that has sent nothing for this long is dead (a WebSocket ping is sent
    /// halfway through the silence, so a quiet but healthy gateway answers it in time).
    pub(crate) keepalive: Duration,
    /// The first pause before reconnecting after a failure; doubled after each failure in a row.
    pub(crate) reconnect_delay: Duration,
    /// The longest pause between two connection attempts.
    pub(crate) max_reconnect_delay: Duration,
    /// The largest frame (message) read; a larger one drops the connection unread.
    pub(crate) max_frame_bytes: usize,
    /// What the worker subscribes to.
    pub(crate) topics: Vec<Topic>,
    /// How long a message handled is remembered, so that another delivery of it is
    /// acknowledged without handling it again (zero: not remembered).
    pub(crate) dedupe: Duration,
    /// When a message is acknowledged; `None`: before the handler for bot messages, after it
    /// for everything else.
    pub(crate) ack: Option<AckMode>,
    /// Connection attempts failed in a row after which the worker gives up.
    pub(crate) max_failures: Option<u32>,
}

/// When a message is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckMode {
    /// Before the handler runs: DingTalk does not deliver it again however long the handler
    /// takes, nor if it fails.
    Early,
    /// Once the handler returned, by what it returned.
    After,
}

/// Default of `keepalive`: a minute of silence.
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(60);
/// Default of `reconnect_delay`.
pub const DEFAULT_RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// Default of `max_reconnect_delay`.
pub const DEFAULT_MAX_RECONNECT_DELAY: Duration = Duration::from_secs(60);
/// Default of `max_frame_bytes`: 1 MiB. DingTalk's event frames are a few KiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 1 << 20;
/// Default of `dedupe`: five minutes.
pub const DEFAULT_DEDUPE: Duration = Duration::from_secs(300);
/// The longest `dedupe`: a day.
const MAX_DEDUPE_SECONDS: f64 = 86_400.0;
/// The most `max_failures`.
const MAX_FAILURES: i64 = 1_000_000;
/// Bounds of `max_frame_bytes`: 1 KiB to 64 MiB.
const FRAME_BYTES_RANGE: std::ops::RangeInclusive<i64> = 1024..=(64 << 20);
/// The longest duration these options accept: an hour.
const MAX_SECONDS: f64 = 3600.0;

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            keepalive: DEFAULT_KEEPALIVE,
            reconnect_delay: DEFAULT_RECONNECT_DELAY,
            max_reconnect_delay: DEFAULT_MAX_RECONNECT_DELAY,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            topics: vec![Topic::Events],
            dedupe: DEFAULT_DEDUPE,
            ack: None,
            max_failures: None,
        }
    }
}

/// Seconds between 0 (when `allow_zero`, else above it) and an hour.
fn seconds(name: &str, value: f64, allow_zero: bool) -> Result<Duration> {
    seconds_up_to(name, value, allow_zero, MAX_SECONDS)
}

/// Seconds between 0 (when `allow_zero`, else above it) and `most`.
fn seconds_up_to(name: &str, value: f64, allow_zero: bool, most: f64) -> Result<Duration> {
    let ok = value.is_finite() && value <= most && (value > 0.0 || (allow_zero && value == 0.0));
    if !ok {
        let low = if allow_zero { "0" } else { "more than 0" };
        return Err(Error::invalid(
            name,
            format!("must be a number of seconds from {low} to {most}, {value} given"),
        ));
    }
    Ok(Duration::from_secs_f64(value))
}

impl StreamOptions {
    /// Seconds of silence after which a connection is dead.
    pub fn keepalive(mut self, secs: f64) -> Result<Self> {
        self.keepalive = seconds("options[keepalive]", secs, false)?;
        Ok(self)
    }

    /// Seconds before the first reconnection attempt after a failure (0: at once).
    pub fn reconnect_delay(mut self, secs: f64) -> Result<Self> {
        self.reconnect_delay = seconds("options[reconnect_delay]", secs, true)?;
        Ok(self)
    }

    /// The most seconds between two connection attempts.
    pub fn max_reconnect_delay(mut self, secs: f64) -> Result<Self> {
        self.max_reconnect_delay = seconds("options[max_reconnect_delay]", secs, true)?;
        Ok(self)
    }

    /// The largest frame read, in bytes.
    pub fn max_frame_bytes(mut self, bytes: i64) -> Result<Self> {
        if !FRAME_BYTES_RANGE.contains(&bytes) {
            return Err(Error::invalid(
                "options[max_frame_bytes]",
                format!(
                    "must be between {} and {}, {bytes} given",
                    FRAME_BYTES_RANGE.start(),
                    FRAME_BYTES_RANGE.end()
                ),
            ));
        }
        self.max_frame_bytes = usize::try_from(bytes).unwrap_or(DEFAULT_MAX_FRAME_BYTES);
        Ok(self)
    }

    /// What to subscribe to: `events`, `bot`, `card`, or callback topics' paths (see
    /// [`Topic::parse`]); at least one, each once.
    pub fn topics<S: AsRef<str>>(mut self, words: &[S]) -> Result<Self> {
        let name = "options[topics]";
        if words.is_empty() {
            return Err(Error::invalid(name, "must name at least one topic"));
        }
        let mut topics = Vec::with_capacity(words.len());
        for word in words {
            let topic = Topic::parse(word.as_ref(), name)?;
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        self.topics = topics;
        Ok(self)
    }

    /// Seconds a message handled is remembered (0: deduplication off).
    pub fn dedupe(mut self, secs: f64) -> Result<Self> {
        self.dedupe = seconds_up_to("options[dedupe]", secs, true, MAX_DEDUPE_SECONDS)?;
        Ok(self)
    }

    /// `early` (acknowledged before the handler) or `after` (once it returned).
    pub fn ack(mut self, mode: &str) -> Result<Self> {
        self.ack = Some(match mode {
            "early" => AckMode::Early,
            "after" => AckMode::After,
            other => {
                return Err(Error::invalid(
                    "options[ack]",
                    format!("must be \"early\" or \"after\", \"{other}\" given"),
                ))
            }
        });
        Ok(self)
    }

    /// Connection attempts failed in a row after which the worker gives up (1 or more).
    pub fn max_failures(mut self, count: i64) -> Result<Self> {
        let count = u32::try_from(count)
            .ok()
            .filter(|c| (1..=MAX_FAILURES).contains(&i64::from(*c)))
            .ok_or_else(|| {
                Error::invalid(
                    "options[max_failures]",
                    format!("must be from 1 to {MAX_FAILURES}, {count} given"),
                )
            })?;
        self.max_failures = Some(count);
        Ok(self)
    }

    /// When a message of `kind` on `topic` is acknowledged.
    pub(crate) fn ack_mode(&self, kind: Kind, topic: &str) -> AckMode {
        self.ack.unwrap_or(match (kind, topic) {
            (Kind::Callback, BOT_MESSAGES) => AckMode::Early,
            _ => AckMode::After,
        })
    }

    /// Whether a message of `kind` on `topic` is one the worker subscribed to.
    pub(crate) fn subscribed(&self, kind: Kind, topic: &str) -> bool {
        self.topics.iter().any(|t| t.covers(kind, topic))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(result: Result<StreamOptions>) -> String {
        match result {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn refuses_bad_values_naming_the_option() {
        let o = StreamOptions::default;
        assert_eq!(name(o().keepalive(0.0)), "options[keepalive]");
        assert_eq!(name(o().keepalive(f64::NAN)), "options[keepalive]");
        assert_eq!(name(o().keepalive(3600.5)), "options[keepalive]");
        assert_eq!(name(o().reconnect_delay(-1.0)), "options[reconnect_delay]");
        assert_eq!(
            name(o().max_reconnect_delay(f64::INFINITY)),
            "options[max_reconnect_delay]"
        );
        assert_eq!(name(o().max_frame_bytes(1023)), "options[max_frame_bytes]");
        assert_eq!(
            name(o().max_frame_bytes((64 << 20) + 1)),
            "options[max_frame_bytes]"
        );
        let set = o()
            .keepalive(0.5)
            .and_then(|o| o.reconnect_delay(0.0))
            .and_then(|o| o.max_frame_bytes(2048))
            .unwrap();
        assert_eq!(set.keepalive, Duration::from_millis(500));
        assert_eq!(set.reconnect_delay, Duration::ZERO);
        assert_eq!(set.max_frame_bytes, 2048);
    }

    #[test]
    fn topics_dedupe_ack_and_max_failures_are_checked() {
        let o = StreamOptions::default;
        assert_eq!(name(o().topics::<&str>(&[])), "options[topics]");
        assert_eq!(name(o().topics(&["events", "bots"])), "options[topics]");
        assert_eq!(name(o().dedupe(-1.0)), "options[dedupe]");
        assert_eq!(name(o().dedupe(86_401.0)), "options[dedupe]");
        assert_eq!(name(o().ack("late")), "options[ack]");
        assert_eq!(name(o().max_failures(0)), "options[max_failures]");
        assert_eq!(name(o().max_failures(-5)), "options[max_failures]");
        let set = o().topics(&["bot", "card", "bot"]).unwrap();
        assert_eq!(set.topics.len(), 2, "each topic once");
        assert!(set.subscribed(Kind::Callback, BOT_MESSAGES));
        assert!(!set.subscribed(Kind::Event, "*"));
        assert_eq!(set.ack_mode(Kind::Callback, BOT_MESSAGES), AckMode::Early);
        assert_eq!(set.ack_mode(Kind::Event, "*"), AckMode::After);
        let after = set.ack("after").unwrap();
        assert_eq!(after.ack_mode(Kind::Callback, BOT_MESSAGES), AckMode::After);
        assert_eq!(o().dedupe(0.0).unwrap().dedupe, Duration::ZERO);
        assert_eq!(o().max_failures(3).unwrap().max_failures, Some(3));
    }
}
