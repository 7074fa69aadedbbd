//! The URL of an API path under a host option, which no path may leave.

use crate::error::{Error, Result};

/// The path of a host URL as the options store it (normalised, no trailing slash:
/// `scheme://host[:port][/path]`), found without parsing it again on every call.
fn base_path(base: &str) -> &str {
    let host_start = base.find("://").map_or(0, |i| i + 3);
    base[host_start..]
        .find('/')
        .map_or("", |i| &base[host_start + i..])
}

/// The URL of an API path under a host option. The path was checked (no dot segments); the
/// prefix check is the second line: nothing may leave the host option's path prefix.
pub(crate) fn url_under(base: &str, path: &str) -> Result<reqwest::Url> {
    let invalid = |reason: String| Error::invalid("path", reason);
    let url = reqwest::Url::parse(&format!("{base}{path}"))
        .map_err(|e| invalid(format!("does not form a valid URL: {e}")))?;
    let prefix = base_path(base);
    let inside = url
        .path()
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with('/'));
    if !inside {
        return Err(invalid(format!(
            "must stay under the base_url path \"{prefix}/\""
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::{base_path, url_under};

    #[test]
    fn the_base_path_is_the_stored_urls_path() {
        assert_eq!(base_path("https://oapi.dingtalk.com"), "");
        assert_eq!(base_path("http://127.0.0.1:8080/dingtalk"), "/dingtalk");
        assert_eq!(base_path("http://[::1]:8080/a/b"), "/a/b");
    }

    #[test]
    fn a_path_stays_under_the_base_path() {
        let base = "http://127.0.0.1:8080/dingtalk";
        let url = url_under(base, "/topapi/x").map(|u| u.to_string());
        assert_eq!(
            url.ok().as_deref(),
            Some("http://127.0.0.1:8080/dingtalk/topapi/x")
        );
        assert!(url_under(base, "/../gettoken").is_err());
        assert!(url_under(base, "/%2e%2e/gettoken").is_err());
        assert!(url_under("http://127.0.0.1:8080/dingtalk", "x").is_err());
    }
}
