//! Client settings, checked once when a client is made so that bad input fails before any request.
//!
//! The options that need more than a range check have a file each: the URLs (`urls`), the extra
//! CAs (`ca`), and where tokens and the rate limit's state are shared (`store`).

use std::time::Duration;

pub(crate) mod ca;
pub(crate) mod store;
mod urls;

use crate::error::{Error, Result};
use ca::CaBundle;
pub(crate) use store::StoreSpec;

/// This crate's version, which the default `User-Agent` reports (`crate::VERSION` is this).
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// DingTalk's legacy ("oapi") host.
pub const DEFAULT_BASE_URL: &str = "https://oapi.dingtalk.com";
/// DingTalk's v1.0 host.
pub const DEFAULT_API_BASE_URL: &str = "https://api.dingtalk.com";

/// Settings of a [`crate::Client`]. Build with [`Options::default`] and the setters, which check
/// each value and name the option in their error.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The oapi host (and the token endpoint's).
    pub(crate) base_url: String,
    /// The v1.0 host.
    pub(crate) api_base_url: String,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retries: u32,
    pub(crate) token_margin: Duration,
    /// The extra CA(s) to trust, checked when the option is set.
    pub(crate) ca: Option<CaBundle>,
    pub(crate) proxy: Option<String>,
    pub(crate) user_agent: String,
    /// The most one call reads from the network, decoded (all pages of a paged call together).
    pub(crate) max_answer_bytes: usize,
    /// Base delays of the backoff; tests set them to zero.
    pub(crate) backoff: Backoff,
    /// Where the token and the rate-limit state are shared.
    pub(crate) token_store: StoreSpec,
    /// Calls per second per app and API, enforced across the processes sharing `token_store`.
    pub(crate) rate_limit: Option<f64>,
}

/// Base delays of the exponential backoff (each retry doubles, then jitter takes 50–100 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// After -1 (system busy), HTTP 5xx and connection failures.
    pub transient: Duration,
    /// After a throttling code (90018, 90002, 90006): DingTalk asks for about a second.
    pub throttled: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            transient: Duration::from_millis(200),
            throttled: Duration::from_secs(1),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_base_url: DEFAULT_API_BASE_URL.to_owned(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            retries: 2,
            token_margin: Duration::from_secs(600),
            ca: None,
            proxy: None,
            user_agent: format!("dingtalk-php/{VERSION}"),
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
            backoff: Backoff::default(),
            token_store: StoreSpec::Memory,
            rate_limit: None,
        }
    }
}

/// Default of `max_answer_bytes`: 4 MiB. A full page of 50 work records is a few tens of KiB.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 4 << 20;
/// Bounds of `max_answer_bytes`: 1 KiB (an error answer fits) to 1 GiB.
const MAX_ANSWER_BYTES_RANGE: std::ops::RangeInclusive<i64> = 1024..=(1 << 30);

/// The highest `rate_limit`, calls per second: far above any limit DingTalk sets.
const MAX_RATE_LIMIT: f64 = 100_000.0;
/// The lowest `rate_limit`: a call every 29 hours (with the limit's 5 % margin). Below it the
/// spacing of two calls would pass the longest time budget (a day) by more than a few hours,
/// and then nothing tells it from a clock that jumped back.
const MIN_RATE_LIMIT: f64 = 0.00001;

/// The longest duration any option accepts: a day. Longer would be a mistake (and past some
/// point a deadline that cannot be represented).
const MAX_SECONDS: f64 = 86_400.0;

/// A count of seconds that must be finite, positive and at most [`MAX_SECONDS`].
pub(crate) fn seconds(name: &str, value: f64, allow_zero: bool) -> Result<Duration> {
    if value > MAX_SECONDS {
        return Err(Error::invalid(
            name,
            format!("must be at most {MAX_SECONDS} seconds, {value} given"),
        ));
    }
    let ok = value.is_finite() && (value > 0.0 || (allow_zero && value == 0.0));
    if !ok {
        let bound = if allow_zero {
            "0 or more"
        } else {
            "greater than 0"
        };
        return Err(Error::invalid(
            name,
            format!("must be a number of seconds {bound}, {value} given"),
        ));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|_| Error::invalid(name, format!("is too large, {value} given")))
}

impl Options {
    /// One server for both families (the emulator, a company gateway): sets `base_url` and
    /// `api_base_url` to `url`, same rules as [`Options::base_url`].
    pub fn endpoint(mut self, url: &str) -> Result<Self> {
        let url = urls::host_url("options[endpoint]", url)?;
        self.api_base_url.clone_from(&url);
        self.base_url = url;
        Ok(self)
    }

    /// The oapi host (`/gettoken`, `/topapi/...`): `http` or `https`, no query or fragment.
    pub fn base_url(mut self, url: &str) -> Result<Self> {
        self.base_url = urls::host_url("options[base_url]", url)?;
        Ok(self)
    }

    /// The v1.0 host (`/v1.0/...`), same rules as [`Options::base_url`].
    pub fn api_base_url(mut self, url: &str) -> Result<Self> {
        self.api_base_url = urls::host_url("options[api_base_url]", url)?;
        Ok(self)
    }

    /// The time budget of one whole call (token, retries and backoff included), in seconds.
    pub fn timeout(mut self, secs: f64) -> Result<Self> {
        self.timeout = seconds("options[timeout]", secs, false)?;
        Ok(self)
    }

    /// The time allowed to open a connection, in seconds.
    pub fn connect_timeout(mut self, secs: f64) -> Result<Self> {
        self.connect_timeout = seconds("options[connect_timeout]", secs, false)?;
        Ok(self)
    }

    /// Extra attempts after the first for retryable failures.
    pub fn retries(mut self, retries: i64) -> Result<Self> {
        self.retries = u32::try_from(retries)
            .ok()
            .filter(|r| *r <= 10)
            .ok_or_else(|| {
                Error::invalid(
                    "options[retries]",
                    format!("must be between 0 and 10, {retries} given"),
                )
            })?;
        Ok(self)
    }

    /// Seconds before expiry at which the cached token is renewed.
    pub fn token_margin(mut self, secs: f64) -> Result<Self> {
        self.token_margin = seconds("options[token_margin]", secs, true)?;
        Ok(self)
    }

    /// A PEM file of certificates to trust besides the public roots.
    pub fn ca_file(mut self, path: &str) -> Result<Self> {
        self.ca = Some(ca::load(path)?);
        Ok(self)
    }

    /// A proxy URL for every request: `http://`, `https://`, `socks5://` or `socks5h://`.
    /// Without it no proxy is used, whatever the environment says (see the transport).
    pub fn proxy(mut self, url: &str) -> Result<Self> {
        self.proxy = Some(urls::proxy_url(url)?);
        Ok(self)
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, agent: &str) -> Result<Self> {
        if agent.is_empty() || reqwest::header::HeaderValue::from_str(agent).is_err() {
            return Err(Error::invalid(
                "options[user_agent]",
                "must be a non-empty header value without control characters",
            ));
        }
        self.user_agent = agent.to_owned();
        Ok(self)
    }

    /// The most one call may read from the network, in bytes of the decoded answer; for a
    /// paged call (`all`, `find`), of all its pages together.
    pub fn max_answer_bytes(mut self, bytes: i64) -> Result<Self> {
        if !MAX_ANSWER_BYTES_RANGE.contains(&bytes) {
            return Err(Error::invalid(
                "options[max_answer_bytes]",
                format!(
                    "must be between {} and {}, {bytes} given",
                    MAX_ANSWER_BYTES_RANGE.start(),
                    MAX_ANSWER_BYTES_RANGE.end()
                ),
            ));
        }
        self.max_answer_bytes = usize::try_from(bytes).unwrap_or(DEFAULT_MAX_ANSWER_BYTES);
        Ok(self)
    }

    /// Where the token and the rate-limit state are shared: `"memory"` (this process, the
    /// default), `"file:///dir"` (every process of this host), `"redis://[user:password@]host:port/db"`
    /// or `"rediss://..."` (every host using that Redis).
    pub fn token_store(mut self, store: &str) -> Result<Self> {
        self.token_store = StoreSpec::parse(store)?;
        Ok(self)
    }

    /// Calls per second per app and API (fractions allowed: 0.5 is one call every two
    /// seconds), enforced across every process sharing `token_store`.
    pub fn rate_limit(mut self, per_second: f64) -> Result<Self> {
        if !(MIN_RATE_LIMIT..=MAX_RATE_LIMIT).contains(&per_second) {
            return Err(Error::invalid(
                "options[rate_limit]",
                format!(
                    "must be a number of calls per second from 0.00001 (a call every 29 \
                     hours) to {MAX_RATE_LIMIT}, {per_second} given"
                ),
            ));
        }
        self.rate_limit = Some(per_second);
        Ok(self)
    }

    /// Base delays of the backoff (zero in tests).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_documented_values() {
        let o = Options::default();
        assert_eq!(o.base_url, "https://oapi.dingtalk.com");
        assert_eq!(o.timeout, Duration::from_secs(10));
        assert_eq!(o.connect_timeout, Duration::from_secs(3));
        assert_eq!(o.retries, 2);
        assert_eq!(o.token_margin, Duration::from_secs(600));
        assert!(o.user_agent.starts_with("dingtalk-php/"));
        assert_eq!(o.max_answer_bytes, 4_194_304);
        assert_eq!(o.token_store, StoreSpec::Memory);
        assert_eq!(o.rate_limit, None);
    }

    #[test]
    fn endpoint_sets_both_hosts() {
        let o = Options::default()
            .endpoint("http://127.0.0.1:8080/gw/")
            .unwrap();
        assert_eq!(o.base_url, "http://127.0.0.1:8080/gw");
        assert_eq!(o.api_base_url, "http://127.0.0.1:8080/gw");
        match Options::default().endpoint("ftp://x") {
            Err(Error::InvalidArgument { name, .. }) => assert_eq!(name, "options[endpoint]"),
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn rejects_bad_values_naming_the_option() {
        let name = |r: Result<Options>| match r {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        };
        assert_eq!(
            name(Options::default().base_url("ftp://x")),
            "options[base_url]"
        );
        assert_eq!(
            name(Options::default().base_url("not a url")),
            "options[base_url]"
        );
        assert_eq!(
            name(Options::default().base_url("http://x/?a=b")),
            "options[base_url]"
        );
        assert_eq!(name(Options::default().timeout(0.0)), "options[timeout]");
        assert_eq!(
            name(Options::default().timeout(f64::NAN)),
            "options[timeout]"
        );
        assert_eq!(name(Options::default().timeout(1e300)), "options[timeout]");
        assert_eq!(
            name(Options::default().timeout(86_400.5)),
            "options[timeout]"
        );
        assert!(Options::default().timeout(86_400.0).is_ok());
        assert_eq!(
            name(Options::default().token_margin(1e18)),
            "options[token_margin]"
        );
        assert_eq!(
            name(Options::default().connect_timeout(-1.0)),
            "options[connect_timeout]"
        );
        assert_eq!(name(Options::default().retries(-1)), "options[retries]");
        assert_eq!(name(Options::default().retries(11)), "options[retries]");
        assert_eq!(
            name(Options::default().token_margin(-5.0)),
            "options[token_margin]"
        );
        assert_eq!(
            name(Options::default().ca_file("/nonexistent.pem")),
            "options[ca_file]"
        );
        assert_eq!(name(Options::default().proxy("::")), "options[proxy]");
        assert_eq!(
            name(Options::default().max_answer_bytes(1023)),
            "options[max_answer_bytes]"
        );
        assert_eq!(
            name(Options::default().max_answer_bytes((1 << 30) + 1)),
            "options[max_answer_bytes]"
        );
        assert!(Options::default().max_answer_bytes(1024).is_ok());
        assert_eq!(
            name(Options::default().user_agent("a\nb")),
            "options[user_agent]"
        );
        for bad in [
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            100_000.5,
            f64::MIN_POSITIVE,
            5e-324,
            0.000_009_9,
        ] {
            assert_eq!(
                name(Options::default().rate_limit(bad)),
                "options[rate_limit]"
            );
        }
        for good in [0.00001, 0.5, 100_000.0] {
            assert_eq!(
                Options::default().rate_limit(good).unwrap().rate_limit,
                Some(good)
            );
        }
        assert_eq!(
            name(Options::default().token_store("nowhere")),
            "options[token_store]"
        );
    }
}
