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

/// Characters of an app key kept as they are in a store key (file names and Redis keys alike).
const KEY_SAFE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_');

/// The most characters of the (encoded) app key a store key shows; the hash tells keys apart.
const MAX_KEY_LABEL: usize = 64;

impl AppId {
    pub(crate) fn new(token_endpoint: &str, app_key: &str, app_secret: &str) -> Self {
        AppId {
            token_endpoint: token_endpoint.to_owned(),
            app_key: app_key.to_owned(),
            secret_sha256: Sha256::digest(app_secret.as_bytes()).into(),
        }
    }

    /// A group's webhook robot, at its URL (without the query) and with its access_token,
    /// which enters only as its SHA-256, like an app secret: the robot's counters and its rate
    /// limit are keyed by it, and a store key reads `webhook.<hash>`.
    pub(crate) fn robot(url: &str, access_token: &str) -> Self {
        AppId::new(url, "webhook", access_token)
    }

    /// How a shared store names this app: the app key, readable (percent-encoded to letters,
    /// digits, `-`, `_` and `%`, cut to 64 characters), then `.` and a hash of the token
    /// endpoint, the app key and the secret's SHA-256. Never the secret; safe as a file name.
    pub(crate) fn store_key(&self) -> String {
        let mut hash = Sha256::new();
        for part in [
            self.token_endpoint.as_bytes(),
            self.app_key.as_bytes(),
            &self.secret_sha256,
        ] {
            // Length-prefixed, so that no two different apps give the same bytes.
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        let digest = hash.finalize();
        let mut label: String =
            percent_encoding::utf8_percent_encode(&self.app_key, KEY_SAFE).collect();
        if let Some((cut, _)) = label.char_indices().nth(MAX_KEY_LABEL) {
            label.truncate(cut);
        }
        let hex = crate::hex::lower(&digest[..16]);
        format!("{label}.{hex}")
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

    #[test]
    fn store_keys_show_the_app_key_and_tell_apps_apart() {
        let key = AppId::new("http://x", "ding app/1", "top-secret-value").store_key();
        assert!(key.starts_with("ding%20app%2F1."), "{key}");
        assert!(!key.contains("top-secret"), "{key}");
        assert!(
            key.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_%.".contains(c)),
            "{key}"
        );
        let others = [
            AppId::new("http://y", "ding app/1", "top-secret-value"),
            AppId::new("http://x", "ding app/1", "other"),
            AppId::new("http://x", "ding app/2", "top-secret-value"),
        ];
        for other in others {
            assert_ne!(other.store_key(), key);
        }
        let robot = AppId::robot("https://oapi.dingtalk.com/robot/send", "tok-0123456789");
        let robot_key = robot.store_key();
        assert!(robot_key.starts_with("webhook."), "{robot_key}");
        assert!(!robot_key.contains("tok-") && !format!("{robot:?}").contains("tok-"));
        let long = AppId::new("http://x", &"k".repeat(500), "s").store_key();
        assert!(long.len() < 100, "{long}");
    }
}
