//! The client of one app: credentials, options, and the shared per-app state.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::call::{ApiCall, ACCESS_TOKEN};
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

/// Whether a path segment means "this" or "parent" (`.`, `..`, in any percent-encoding): the
/// URL parser would resolve it, and `/../` would leave a `base_url` path prefix.
fn is_dot_segment(segment: &str) -> bool {
    let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
    decoded == "." || decoded == ".."
}

/// Checks an API path given by the caller: absolute, no query or fragment (those have their own
/// argument), no scheme or host (the host is `base_url`), nothing that would resolve to another
/// path (dot segments, backslashes, which the URL parser reads as slashes).
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
    if path.contains('\\') || path.split('/').any(is_dot_segment) {
        return Err(Error::invalid(
            "path",
            "must not hold \".\" or \"..\" segments or backslashes",
        ));
    }
    Ok(())
}

/// Checks the caller's query: the keys the extension sets itself are reserved.
fn check_query(query: &[(String, String)]) -> Result<()> {
    match query
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(ACCESS_TOKEN))
    {
        Some((key, _)) => Err(Error::invalid(
            format!("query[{key}]"),
            "is reserved: the token is added to every call",
        )),
        None => Ok(()),
    }
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
    /// the whole body. `access_token` (in any letter case) is reserved in `query`.
    pub fn get(&self, path: &str, query: &[(String, String)]) -> Result<Value> {
        check_path(path)?;
        check_query(query)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_name(result: Result<()>) -> String {
        match result {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn paths_that_would_resolve_elsewhere_are_refused() {
        for bad in [
            "/../gettoken",
            "/topapi/../../gettoken",
            "/%2e%2e/gettoken",
            "/%2E%2e/x",
            "/.%2e/x",
            "/./x",
            "/x/..",
            "/x\\..\\y",
        ] {
            assert_eq!(refused_name(check_path(bad)), "path", "{bad}");
        }
        for good in [
            "/topapi/v2/user/get",
            "/a..b/c",
            "/...",
            "/x/.hidden",
            "/%2e%2e%2e",
        ] {
            assert!(check_path(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn the_token_key_is_reserved_in_a_query() {
        let query = |key: &str| {
            vec![
                ("a".to_owned(), "1".to_owned()),
                (key.to_owned(), "x".to_owned()),
            ]
        };
        assert_eq!(
            refused_name(check_query(&query("access_token"))),
            "query[access_token]"
        );
        assert_eq!(
            refused_name(check_query(&query("ACCESS_TOKEN"))),
            "query[ACCESS_TOKEN]"
        );
        assert!(check_query(&query("access_token_2")).is_ok());
    }
}
