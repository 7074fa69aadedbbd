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
