//! Removes secrets from text that is about to leave the crate in an error message.

/// Secrets shorter than this are not searched for: a one-letter "secret" would turn every
/// message into asterisks, and real app secrets and tokens are dozens of characters long.
const MIN_SECRET_CHARS: usize = 4;

/// Replaces every occurrence of each secret in `text` with `***`.
///
/// Reqwest errors are already stripped of their URL; this is the second line of defence for
/// texts that echo a request (a proxy's error page, a server that repeats the query).
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets
        .iter()
        .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
    {
        if out.contains(secret) {
            out = out.replace(secret, "***");
        }
    }
    out
}

/// Cuts a body to a length fit for an error message, on a character boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    match trimmed.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_secret() {
        let text = "url ?appsecret=s3cr3t&access_token=9f86d081 and 9f86d081 again";
        assert_eq!(
            redact(text, &["s3cr3t", "9f86d081", ""]),
            "url ?appsecret=***&access_token=*** and *** again"
        );
        assert_eq!(redact("connection refused", &["s"]), "connection refused");
    }

    #[test]
    fn snippet_cuts_long_bodies_on_char_boundaries() {
        let body = "系".repeat(300);
        let cut = snippet(body.as_bytes());
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
        assert_eq!(snippet(b"  short \n"), "short");
    }
}
