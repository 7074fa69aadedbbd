//! Settings of a Stream-mode worker, checked when set so that bad input fails before connecting.

use std::time::Duration;

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
}

/// Default of `keepalive`: a minute of silence.
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(60);
/// Default of `reconnect_delay`.
pub const DEFAULT_RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// Default of `max_reconnect_delay`.
pub const DEFAULT_MAX_RECONNECT_DELAY: Duration = Duration::from_secs(60);
/// Default of `max_frame_bytes`: 1 MiB. DingTalk's event frames are a few KiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 1 << 20;
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
        }
    }
}

/// Seconds between 0 (when `allow_zero`, else above it) and an hour.
fn seconds(name: &str, value: f64, allow_zero: bool) -> Result<Duration> {
    let ok =
        value.is_finite() && value <= MAX_SECONDS && (value > 0.0 || (allow_zero && value == 0.0));
    if !ok {
        let low = if allow_zero { "0" } else { "more than 0" };
        return Err(Error::invalid(
            name,
            format!("must be a number of seconds from {low} to {MAX_SECONDS}, {value} given"),
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
}
