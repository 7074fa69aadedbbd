//! The in-process cache: one slot per app, in front of any shared store.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use super::store::StoredToken;
use crate::app_id::AppId;

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

impl TokenSlot {
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
