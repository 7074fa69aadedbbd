//! The in-process cache: one slot per app, in front of any shared store.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use crate::app_id::AppId;
use crate::store::StoredToken;
use crate::time::now_ms;

/// What this process knows of an app's token.
#[derive(Default)]
pub(crate) struct Known {
    /// The token in use.
    pub(crate) token: Option<StoredToken>,
    /// The last token DingTalk refused: a store that still offers it (its removal failed, or
    /// raced with another process's write) is not believed.
    pub(crate) refused: Option<String>,
}

/// The token of one app in this process. Its lock is held while this process fetches, so
/// the process's callers share one fetch.
#[derive(Default)]
pub(crate) struct TokenSlot {
    known: Mutex<Known>,
}

static APPS: LazyLock<Mutex<HashMap<AppId, Arc<TokenSlot>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The token slot of an app, created on first use.
pub(crate) fn slot_of(app: &AppId) -> Arc<TokenSlot> {
    // The map only ever gains finished entries, so a poisoned lock still guards valid data.
    let mut apps = APPS.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(apps.entry(app.clone()).or_default())
}

/// How many apps this process holds an unexpired token of. Reads without waiting: a slot
/// locked by a fetch in progress is not counted.
pub(crate) fn apps_with_token() -> usize {
    let slots: Vec<Arc<TokenSlot>> = {
        let apps = APPS.lock().unwrap_or_else(PoisonError::into_inner);
        apps.values().cloned().collect()
    };
    let now = now_ms();
    slots.iter().filter(|slot| slot.holds_token_at(now)).count()
}

impl TokenSlot {
    /// Whether it holds a token that has not expired at `now_ms` (a locked slot: no).
    fn holds_token_at(&self, now_ms: i64) -> bool {
        match self.known.try_lock() {
            Ok(known) => known
                .token
                .as_ref()
                .is_some_and(|t| now_ms < t.expires_at_ms),
            Err(_) => false,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Known> {
        // A panic during a fetch leaves no half-written token (it is written in one step), so
        // recover the lock and forget the token rather than fail every later call.
        self.known.lock().unwrap_or_else(|poisoned| {
            self.known.clear_poison();
            let mut guard = poisoned.into_inner();
            guard.token = None;
            guard
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_counts_as_holding_a_token_until_it_expires() {
        let slot = TokenSlot::default();
        assert!(!slot.holds_token_at(0));
        slot.lock().token = Some(StoredToken {
            token: "t".into(),
            issued_at_ms: 0,
            expires_at_ms: 7_200_000,
        });
        assert!(slot.holds_token_at(7_199_999));
        assert!(!slot.holds_token_at(7_200_000));
        let busy = slot.lock();
        assert!(
            !slot.holds_token_at(0),
            "a slot being fetched is not waited for"
        );
        drop(busy);
    }
}
