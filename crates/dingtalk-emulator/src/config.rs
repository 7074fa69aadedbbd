//! What an emulator instance is started with.

use std::time::Duration;

/// Settings of one emulator instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Known apps as `(app_key, app_secret)`. The first entry wins if a key repeats.
    pub apps: Vec<(String, String)>,
    /// Lifetime of an access token (DingTalk: 7200 s). Short values let tests see expiry.
    pub token_ttl: Duration,
    /// Calls allowed per second per app per API before errcode 90018; `None` = unlimited.
    pub qps_limit: Option<u32>,
    /// Serve HTTPS with a self-signed certificate made at start.
    pub tls: bool,
    /// Users as `(userid, unionId)`, for the identity calls. The first entry wins if a
    /// userid or a unionId repeats.
    pub users: Vec<(String, String)>,
    /// Only the users above exist; without it every userid exists, with a unionId
    /// derived from it (see the crate README).
    pub strict_users: bool,
    /// Push events to a URL as DingTalk's HTTP push does; `None` = no pushes.
    pub push: Option<PushConfig>,
    /// How Stream-mode connections are served (pings, redelivery).
    pub stream: StreamConfig,
    /// Group webhook robots' flow control (DingTalk: 20 a minute, then a 10-minute mute).
    pub webhook: WebhookConfig,
    /// Apps' work-notice `agent_id`s as `(app_key, agent_id)`; an app not listed accepts any.
    pub agents: Vec<(String, i64)>,
}

/// How many messages a webhook robot may send a minute, and how long it is muted past that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Messages a robot may send in any 60 seconds (DingTalk: 20).
    pub limit: u32,
    /// How long a robot that went over is muted (DingTalk: 10 minutes).
    pub mute: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            limit: 20,
            mute: Duration::from_secs(600),
        }
    }
}

/// Stream mode (DingTalk's events over a WebSocket): the timings of the emulated gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// How often every connection is sent a `ping` frame.
    pub ping_interval: Duration,
    /// How long an event delivered without a `SUCCESS` answer (no answer, or `LATER`) waits
    /// before it is delivered again.
    pub redelivery_delay: Duration,
    /// How long a ticket from `/v1.0/gateway/connections/open` may be used (DingTalk: 90 s).
    pub ticket_ttl: Duration,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            ping_interval: Duration::from_secs(30),
            redelivery_delay: Duration::from_secs(10),
            ticket_ttl: Duration::from_secs(90),
        }
    }
}

/// Where and how events are pushed (DingTalk's HTTP push, "event subscription").
#[derive(Clone, PartialEq, Eq)]
pub struct PushConfig {
    /// The app's URL (`http://` only).
    pub url: String,
    /// The subscription's token, which signs every push.
    pub token: String,
    /// The subscription's 43-character aesKey.
    pub aes_key: String,
    /// The receiveId sealed into every push; `None` = the key of the first app.
    pub receive_id: Option<String>,
    /// Pauses before pushing an unacknowledged event again (DingTalk: 10 s, then 30 s).
    pub retry_delays: Vec<Duration>,
    /// How long an answer may take (DingTalk's HTTP push page: 2.5 s).
    pub timeout: Duration,
}

impl PushConfig {
    /// Pushes to `url` with DingTalk's retry delays and answer timeout.
    pub fn new(url: &str, token: &str, aes_key: &str) -> Self {
        PushConfig {
            url: url.to_owned(),
            token: token.to_owned(),
            aes_key: aes_key.to_owned(),
            receive_id: None,
            retry_delays: vec![Duration::from_secs(10), Duration::from_secs(30)],
            timeout: Duration::from_millis(2500),
        }
    }
}

/// Shows neither the token nor the aesKey.
impl std::fmt::Debug for PushConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushConfig")
            .field("url", &self.url)
            .field("receive_id", &self.receive_id)
            .field("retry_delays", &self.retry_delays)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Largest request body accepted; larger ones are refused with HTTP 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The app that exists when none is configured.
pub const DEMO_APP_KEY: &str = "demo_app_key";
/// Secret of [`DEMO_APP_KEY`].
pub const DEMO_APP_SECRET: &str = "demo_app_secret";

impl Default for Config {
    fn default() -> Self {
        Config {
            apps: vec![(DEMO_APP_KEY.to_owned(), DEMO_APP_SECRET.to_owned())],
            token_ttl: Duration::from_secs(7200),
            qps_limit: None,
            tls: false,
            users: Vec::new(),
            strict_users: false,
            push: None,
            stream: StreamConfig::default(),
            webhook: WebhookConfig::default(),
            agents: Vec::new(),
        }
    }
}
