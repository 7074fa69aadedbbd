//! Checks of caller arguments, shared by every API: each error names the argument.

use crate::error::{Error, Result};

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
/// argument), no scheme or host (the host is an option), nothing that would resolve to another
/// path (dot segments, backslashes, which the URL parser reads as slashes).
pub(crate) fn api_path(path: &str, example: &str) -> Result<()> {
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(Error::invalid(
            "path",
            format!("must start with a single \"/\", e.g. \"{example}\""),
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

/// Checks that no query key is one the API family sets itself (the token), in any letter case.
pub(crate) fn query_keys(query: &[(String, String)], reserved: &[&str]) -> Result<()> {
    let taken = |key: &str| reserved.iter().any(|r| key.eq_ignore_ascii_case(r));
    match query.iter().find(|(key, _)| taken(key)) {
        Some((key, _)) => Err(Error::invalid(
            format!("query[{key}]"),
            "is reserved: the token is added to every call",
        )),
        None => Ok(()),
    }
}

/// Characters left as they are in a path segment: RFC 3986's unreserved set. Everything else
/// (`/`, `?`, `#`, `%`, spaces, non-ASCII) is percent-encoded.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An id as one percent-encoded path segment. `.` and `..` cannot be one (URL parsers remove
/// them, even percent-encoded), so they are refused like an empty id.
pub(crate) fn path_segment(name: &str, id: &str) -> Result<String> {
    require(name, id)?;
    if id == "." || id == ".." {
        return Err(Error::invalid(name, "must not be \".\" or \"..\""));
    }
    Ok(percent_encoding::utf8_percent_encode(id, SEGMENT).to_string())
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
            assert_eq!(refused_name(api_path(bad, "/x")), "path", "{bad}");
        }
        for good in [
            "/topapi/v2/user/get",
            "/a..b/c",
            "/...",
            "/x/.hidden",
            "/%2e%2e%2e",
        ] {
            assert!(api_path(good, "/x").is_ok(), "{good}");
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
        let reserved = ["access_token"];
        assert_eq!(
            refused_name(query_keys(&query("access_token"), &reserved)),
            "query[access_token]"
        );
        assert_eq!(
            refused_name(query_keys(&query("ACCESS_TOKEN"), &reserved)),
            "query[ACCESS_TOKEN]"
        );
        assert!(query_keys(&query("access_token_2"), &reserved).is_ok());
    }

    #[test]
    fn ids_become_single_encoded_segments() {
        assert_eq!(
            path_segment("id", "a/b?c#d%e f").unwrap(),
            "a%2Fb%3Fc%23d%25e%20f"
        );
        assert_eq!(
            path_segment("id", "待办-1.x_~").unwrap(),
            "%E5%BE%85%E5%8A%9E-1.x_~"
        );
        for bad in ["", ".", ".."] {
            assert!(path_segment("id", bad).is_err(), "{bad:?}");
        }
        assert_eq!(path_segment("id", "...").unwrap(), "...");
    }
}
