//! Which app a piece of process-wide state belongs to.

use sha2::{Digest, Sha256};

/// One app, as seen by one token endpoint: every client of the same app in the process shares
/// its token and its counters. The secret only enters as its SHA-256, so no key, map or dump
/// ever holds it. The API host is not part of it: both API families share one token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AppId {
    /// The host that issues the tokens (`base_url`).
    token_endpoint: String,
    app_key: String,
    secret_sha256: [u8; 32],
}

impl AppId {
    pub(crate) fn new(token_endpoint: &str, app_key: &str, app_secret: &str) -> Self {
        AppId {
            token_endpoint: token_endpoint.to_owned(),
            app_key: app_key.to_owned(),
            secret_sha256: Sha256::digest(app_secret.as_bytes()).into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_no_secret() {
        let id = AppId::new("http://x", "app", "top-secret-value");
        assert!(!format!("{id:?}").contains("top-secret-value"));
        assert_ne!(id, AppId::new("http://x", "app", "other"));
        assert_ne!(id, AppId::new("http://y", "app", "top-secret-value"));
        assert_eq!(id, AppId::new("http://x", "app", "top-secret-value"));
    }
}
