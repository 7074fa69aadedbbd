//! The per-app, per-API call limit behind errcode 90018.
//!
//! A fixed one-second window per (app, API): simple, and exact enough for tests that
//! fire a burst and expect the calls past the limit to be refused.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::sync::lock;

/// (app index, API path) -> (window second, calls in it).
type Windows = HashMap<(usize, &'static str), (u64, u32)>;

pub struct QpsLimit {
    limit: Option<u32>,
    started: Instant,
    windows: Mutex<Windows>,
}

impl QpsLimit {
    pub fn new(limit: Option<u32>) -> Self {
        QpsLimit {
            limit,
            started: Instant::now(),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Whether one more call of `api` by `app` fits in the current second.
    pub fn allow(&self, app: usize, api: &'static str) -> bool {
        let Some(limit) = self.limit else {
            return true;
        };
        let second = self.started.elapsed().as_secs();
        let mut windows = lock(&self.windows);
        let window = windows.entry((app, api)).or_insert((second, 0));
        if window.0 != second {
            *window = (second, 0);
        }
        if window.1 >= limit {
            return false;
        }
        window.1 += 1;
        true
    }

    pub fn clear(&self) {
        lock(&self.windows).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_without_a_limit() {
        let qps = QpsLimit::new(None);
        assert!((0..1000).all(|_| qps.allow(0, "/a")));
    }

    #[test]
    fn limit_is_per_app_and_api() {
        let qps = QpsLimit::new(Some(2));
        // All calls below land in the same second unless the machine stalls; retry the
        // whole check in a fresh window if it straddled a boundary.
        for _ in 0..3 {
            let before = qps.started.elapsed().as_secs();
            qps.clear();
            let got = [
                qps.allow(0, "/a"),
                qps.allow(0, "/a"),
                qps.allow(0, "/a"),
                qps.allow(1, "/a"),
                qps.allow(0, "/b"),
            ];
            if qps.started.elapsed().as_secs() == before {
                assert_eq!(got, [true, true, false, true, true]);
                return;
            }
        }
        panic!("could not fit five calls in one second");
    }
}
