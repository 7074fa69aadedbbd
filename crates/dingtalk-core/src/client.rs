//! The client of one app: credentials, options, and the shared per-app state.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::call::ApiCall;
use crate::error::{Error, Result};
use crate::options::Options;
use crate::retry::Idempotency;
use crate::stats::Stats;
use crate::token::{self, AppEntry, CacheKey};
use crate::transport::TransportConfig;
use crate::workrecord::WorkRecords;

/// A DingTalk client for one app. Cheap to clone; every client of the same app (same base URL,
/// key and secret) in the process shares one token and one set of counters.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) app_key: String,
    pub(crate) app_secret: String,
    pub(crate) options: Options,
    pub(crate) transport: TransportConfig,
    pub(crate) app: Arc<AppEntry>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("app_key", &self.inner.app_key)
            .field("app_secret", &"***")
            .field("base_url", &self.inner.options.base_url)
            .finish_non_exhaustive()
    }
}

/// Checks a string argument that must not be empty.
pub(crate) fn require(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(name, "must not be empty"));
    }
    Ok(())
}

/// Checks an API path given by the caller: absolute, no query or fragment (those have their own
/// argument), no scheme or host (the host is `base_url`).
fn check_path(path: &str) -> Result<()> {
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(Error::invalid(
            "path",
            "must start with a single \"/\", e.g. \"/topapi/workrecord/add\"",
        ));
    }
    if path.contains(['?', '#']) || path.chars().any(char::is_control) || path.contains(' ') {
        return Err(Error::invalid(
            "path",
            "must not hold a query, a fragment, spaces or control characters (pass the query as an array)",
        ));
    }
    Ok(())
}

impl Client {
    /// A client for the app `app_key` / `app_secret`. Checks the arguments; sends nothing.
    pub fn new(app_key: &str, app_secret: &str, options: Options) -> Result<Client> {
        require("appKey", app_key)?;
        require("appSecret", app_secret)?;
        let key = CacheKey::new(&options.base_url, app_key, app_secret);
        Ok(Client {
            inner: Arc::new(Inner {
                app_key: app_key.to_owned(),
                app_secret: app_secret.to_owned(),
                transport: TransportConfig::from_options(&options),
                app: token::entry(&key),
                options,
            }),
        })
    }

    /// A valid access token: the cached one, or a new one (`force_refresh` always fetches).
    pub fn access_token(&self, force_refresh: bool) -> Result<String> {
        self.token_with_retries(force_refresh)
    }

    /// Any oapi `GET`: the token is added, the answer decoded and its errcode checked; returns
    /// the whole body.
    pub fn get(&self, path: &str, query: &[(String, String)]) -> Result<Value> {
        check_path(path)?;
        self.execute(&ApiCall::get(path, query, Idempotency::Safe))
    }

    /// Any oapi `POST` with a JSON body, same rules. It may not be safe to send twice, so it is
    /// retried only after failures that surely did not reach DingTalk (see [`crate::retry`]).
    pub fn post(&self, path: &str, body: &Value) -> Result<Value> {
        check_path(path)?;
        self.execute(&ApiCall::post(path, body, Idempotency::Unsafe)?)
    }

    /// The work-record API.
    pub fn work_records(&self) -> WorkRecords {
        WorkRecords::new(self.clone())
    }

    /// This app's counters in this process.
    pub fn stats(&self) -> Stats {
        self.inner.app.counters.snapshot()
    }
}
