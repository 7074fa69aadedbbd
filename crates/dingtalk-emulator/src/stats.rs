//! Request counts for `GET /_emulator/stats`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::state::lock;

/// Paths whose calls count as token fetches.
const TOKEN_PATHS: [&str; 2] = ["/gettoken", "/v1.0/oauth2/accessToken"];

#[derive(Default)]
pub struct Stats {
    gettoken: AtomicU64,
    by_path: Mutex<HashMap<String, u64>>,
}

impl Stats {
    /// Counts one request (answered, refused or faulted alike).
    pub fn count(&self, path: &str) {
        if TOKEN_PATHS.contains(&path) {
            self.gettoken.fetch_add(1, Ordering::Relaxed);
        }
        let mut by_path = lock(&self.by_path);
        // Look up before inserting so the common case allocates nothing.
        match by_path.get_mut(path) {
            Some(n) => *n += 1,
            None => {
                by_path.insert(path.to_owned(), 1);
            }
        }
    }

    pub fn gettoken(&self) -> u64 {
        self.gettoken.load(Ordering::Relaxed)
    }

    /// Counts per path, sorted so the answer is stable.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        lock(&self.by_path)
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    pub fn clear(&self) {
        self.gettoken.store(0, Ordering::Relaxed);
        lock(&self.by_path).clear();
    }
}
