//! `token_store`: where the token and the rate-limit state are shared beyond this process.
//!
//! A Redis URL may hold a password, a secret like the app secret: it is never quoted in an
//! error, and `Debug` shows it as `***`.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};

const NAME: &str = "options[token_store]";

/// Where tokens and rate-limit state live.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum StoreSpec {
    /// This process only (the default).
    Memory,
    /// Files in a directory: every process of this host.
    File(PathBuf),
    /// A Redis server: every process of every host that uses it.
    Redis(RedisSpec),
}

/// A checked Redis URL, in its parts.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct RedisSpec {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `rediss://`.
    pub(crate) tls: bool,
    /// The user name, if any (Redis 6 ACLs).
    pub(crate) username: Option<String>,
    /// The password, sent by `AUTH` and removed from any error text.
    pub(crate) password: Option<String>,
    pub(crate) db: u16,
    /// The URL with its password as `***`, for `Debug`.
    shown: String,
}

/// Redis's port when the URL names none.
const DEFAULT_REDIS_PORT: u16 = 6379;

impl fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSpec::Memory => f.write_str("memory"),
            StoreSpec::File(dir) => write!(f, "file://{}", dir.display()),
            StoreSpec::Redis(redis) => f.write_str(&redis.shown),
        }
    }
}

impl fmt::Debug for RedisSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// The forms `token_store` accepts, for messages.
const FORMS: &str = "must be \"memory\", \"file:///absolute/dir\", \
     \"redis://[user:password@]host[:port][/db]\" or \"rediss://...\"";

impl StoreSpec {
    /// Parses a `token_store` value. Neither the value nor a parser's message is quoted in an
    /// error: a Redis URL may hold a password.
    pub(crate) fn parse(value: &str) -> Result<StoreSpec> {
        if value == "memory" {
            return Ok(StoreSpec::Memory);
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid(
                NAME,
                "must not hold spaces or control characters",
            ));
        }
        let url = reqwest::Url::parse(value).map_err(|_| Error::invalid(NAME, FORMS))?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid(NAME, "must not hold a query or a fragment"));
        }
        match url.scheme() {
            "file" => file(value, &url),
            "redis" | "rediss" => redis(&url),
            _ => Err(Error::invalid(NAME, FORMS)),
        }
    }
}

fn file(value: &str, url: &reqwest::Url) -> Result<StoreSpec> {
    if !cfg!(unix) {
        return Err(Error::invalid(NAME, "file:// needs a Unix system (flock)"));
    }
    // The parser would read "file:dir" as "/dir": only the absolute forms are taken.
    let absolute = value.starts_with("file:///") || value.starts_with("file://localhost/");
    let local = absolute && matches!(url.host_str(), None | Some("") | Some("localhost"));
    let dir = url
        .to_file_path()
        .ok()
        .filter(|_| local && url.username().is_empty() && url.password().is_none())
        .ok_or_else(|| {
            Error::invalid(
                NAME,
                "must name a local directory by its absolute path, e.g. \"file:///var/lib/dingtalk\"",
            )
        })?;
    if dir.parent().is_none() {
        return Err(Error::invalid(
            NAME,
            "must name a directory other than \"/\"",
        ));
    }
    Ok(StoreSpec::File(dir))
}

fn redis(url: &reqwest::Url) -> Result<StoreSpec> {
    let host = url
        .host_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| Error::invalid(NAME, "must name the Redis host"))?;
    let db = url.path().trim_start_matches('/');
    let db = if db.is_empty() {
        0
    } else {
        db.parse::<u16>().map_err(|_| {
            Error::invalid(
                NAME,
                "must end with a database number (\"/0\") or nothing after the port",
            )
        })?
    };
    let decoded = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut shown = url.clone();
    if url.password().is_some() {
        // A URL with a host always accepts a password.
        let _ = shown.set_password(Some("***"));
    }
    Ok(StoreSpec::Redis(RedisSpec {
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port: url.port().unwrap_or(DEFAULT_REDIS_PORT),
        tls: url.scheme() == "rediss",
        username: Some(decoded(url.username())).filter(|u| !u.is_empty()),
        password: url.password().map(decoded).filter(|p| !p.is_empty()),
        db,
        shown: shown.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(value: &str) -> String {
        match StoreSpec::parse(value) {
            Err(Error::InvalidArgument { name, reason }) => {
                assert_eq!(name, NAME);
                reason
            }
            other => panic!("{value}: expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn every_documented_form_is_read() {
        assert_eq!(StoreSpec::parse("memory").unwrap(), StoreSpec::Memory);
        assert_eq!(
            StoreSpec::parse("file:///var/lib/dingtalk").unwrap(),
            StoreSpec::File(PathBuf::from("/var/lib/dingtalk"))
        );
        assert_eq!(
            StoreSpec::parse("file://localhost/tmp/a%20b").unwrap(),
            StoreSpec::File(PathBuf::from("/tmp/a b"))
        );
        let StoreSpec::Redis(plain) = StoreSpec::parse("redis://127.0.0.1:6379/2").unwrap() else {
            panic!("not redis");
        };
        assert!(!plain.tls);
        assert_eq!(plain.password, None);
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.db),
            ("127.0.0.1", 6379, 2)
        );
        let StoreSpec::Redis(tls) = StoreSpec::parse("rediss://u:p%40ss@cache.internal").unwrap()
        else {
            panic!("not redis");
        };
        assert!(tls.tls);
        assert_eq!(tls.username.as_deref(), Some("u"));
        assert_eq!(tls.password.as_deref(), Some("p@ss"));
        assert_eq!(
            (tls.host.as_str(), tls.port, tls.db),
            ("cache.internal", 6379, 0)
        );
        let StoreSpec::Redis(v6) = StoreSpec::parse("redis://[::1]:7000").unwrap() else {
            panic!("not redis");
        };
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 7000));
    }

    #[test]
    fn the_redis_password_is_never_shown() {
        let spec = StoreSpec::parse("redis://user:hunter22@127.0.0.1:6379/0").unwrap();
        let shown = format!("{spec:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(shown.contains("user:***@127.0.0.1"), "{shown}");
        for bad in [
            "redis://user:hunter22@127.0.0.1:notaport/0",
            "redis://user:hunter22@127.0.0.1:6379/x",
            "redis://user:hunter22@127.0.0.1:6379/0?db=1",
            "redis://user:hunter22@127.0.0.1:6379/0#insecure",
            "redis://user:hunter22@",
        ] {
            assert!(!refused(bad).contains("hunter22"), "{bad}");
        }
    }

    #[test]
    fn other_forms_are_refused() {
        for bad in [
            "",
            "Memory",
            "file://",
            "file:///",
            "file://host/dir",
            "file:relative/dir",
            "http://127.0.0.1:6379",
            "redis+unix:///tmp/redis.sock",
            " redis://127.0.0.1",
        ] {
            refused(bad);
        }
    }
}
