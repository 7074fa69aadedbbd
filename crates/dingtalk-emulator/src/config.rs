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
}

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
        }
    }
}
