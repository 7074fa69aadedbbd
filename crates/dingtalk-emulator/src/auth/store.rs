//! Issued access tokens and their expiry.
//!
//! DingTalk's rule: while an app's token is valid, asking again returns the same
//! token and extends its expiry. Expired tokens are kept so that using one answers
//! "expired" (42001) rather than "unknown" (40014).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::ids::Ids;

/// Long enough to outlive any test run, small enough to add to any `Instant`.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

struct Issued {
    app: usize,
    expires_at: Instant,
}

#[derive(Default)]
pub struct TokenStore {
    by_token: HashMap<String, Issued>,
    /// The newest token of each app.
    current: HashMap<usize, String>,
}

/// What a presented token turns out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenCheck {
    /// Valid, issued to this app.
    Valid(usize),
    Unknown,
    Expired,
}

impl TokenStore {
    /// The app's valid token with its expiry moved to `now + ttl`, or a new one.
    pub fn issue(&mut self, app: usize, ttl: Duration, now: Instant, ids: &Ids) -> String {
        // A TTL too large for the clock (e.g. `--token-ttl` near u64::MAX) means "never expires".
        let expires_at = now
            .checked_add(ttl)
            .or_else(|| now.checked_add(FOREVER))
            .unwrap_or(now);
        if let Some(token) = self.current.get(&app) {
            if let Some(issued) = self.by_token.get_mut(token) {
                if issued.expires_at > now {
                    issued.expires_at = expires_at;
                    return token.clone();
                }
            }
        }
        let token = ids.token();
        self.by_token
            .insert(token.clone(), Issued { app, expires_at });
        self.current.insert(app, token.clone());
        token
    }

    pub fn check(&self, token: &str, now: Instant) -> TokenCheck {
        match self.by_token.get(token) {
            None => TokenCheck::Unknown,
            Some(issued) if issued.expires_at > now => TokenCheck::Valid(issued.app),
            Some(_) => TokenCheck::Expired,
        }
    }

    /// Every token issued so far expires at `now`.
    pub fn expire_all(&mut self, now: Instant) {
        for issued in self.by_token.values_mut() {
            issued.expires_at = issued.expires_at.min(now);
        }
    }

    pub fn clear(&mut self) {
        self.by_token.clear();
        self.current.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_token_while_valid_then_a_new_one() {
        let ids = Ids::new();
        let mut store = TokenStore::default();
        let t0 = Instant::now();
        let ttl = Duration::from_secs(10);
        let a = store.issue(0, ttl, t0, &ids);
        let b = store.issue(0, ttl, t0 + Duration::from_secs(5), &ids);
        assert_eq!(a, b);
        // Extended: still valid past the first expiry.
        assert_eq!(
            store.check(&a, t0 + Duration::from_secs(12)),
            TokenCheck::Valid(0)
        );
        assert_eq!(
            store.check(&a, t0 + Duration::from_secs(15)),
            TokenCheck::Expired
        );
        let c = store.issue(0, ttl, t0 + Duration::from_secs(15), &ids);
        assert_ne!(a, c);
        assert_ne!(store.issue(1, ttl, t0, &ids), c);
        assert_eq!(store.check("nope", t0), TokenCheck::Unknown);
    }

    #[test]
    fn a_huge_ttl_does_not_overflow() {
        let ids = Ids::new();
        let mut store = TokenStore::default();
        let now = Instant::now();
        let token = store.issue(0, Duration::MAX, now, &ids);
        assert_eq!(
            store.check(&token, now + Duration::from_secs(1)),
            TokenCheck::Valid(0)
        );
    }

    #[test]
    fn expire_all_expires_everything() {
        let ids = Ids::new();
        let mut store = TokenStore::default();
        let t0 = Instant::now();
        let a = store.issue(0, Duration::from_secs(100), t0, &ids);
        store.expire_all(t0);
        assert_eq!(store.check(&a, t0), TokenCheck::Expired);
        assert_ne!(store.issue(0, Duration::from_secs(100), t0, &ids), a);
    }
}
