//! Checks of caller arguments, shared by every API: each error names the argument.

use crate::error::{Error, Result};

/// Checks a string argument that must not be empty.
pub(crate) fn require(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(name, "must not be empty"));
    }
    Ok(())
}

/// Checks an API path given by the caller: absolute, no query or fragment (those have their own
/// argument), no scheme or host (the host is an option).
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
    Ok(())
}

/// Checks that no query key is one the API family sets itself (the token).
pub(crate) fn query_keys(query: &[(String, String)], reserved: &[&str]) -> Result<()> {
    match query
        .iter()
        .find(|(key, _)| reserved.contains(&key.as_str()))
    {
        Some((key, _)) => Err(Error::invalid(
            format!("query[{key}]"),
            "is set by the extension (the token is added for you)",
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
