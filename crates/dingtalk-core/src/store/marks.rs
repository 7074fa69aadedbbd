//! Marks kept in this process's memory: what the `memory` store keeps for a Stream worker's
//! deduplication, and what every other store falls back on while it cannot be used
//! ([`here`]). A mark whose time passed is forgotten; the table is swept as it grows and never
//! holds more than [`MAX_MARKS`].

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The most marks kept: past it, those nearest their end go first (down to three quarters).
pub(crate) const MAX_MARKS: usize = 1 << 18;

/// Fewer marks than this are never swept.
const FIRST_SWEEP: usize = 1024;

/// Marks by key: a value and when it ends.
#[derive(Default)]
pub(crate) struct Marks {
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    marks: HashMap<String, (String, Instant)>,
    /// The count at which the marks that ended are swept: twice what the last sweep left.
    sweep_at: usize,
}

impl Table {
    fn live(&self, key: &str, now: Instant) -> Option<&String> {
        self.marks
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(value, _)| value)
    }

    fn set(&mut self, key: &str, value: &str, ttl: Duration, now: Instant) {
        self.marks
            .insert(key.to_owned(), (value.to_owned(), now + ttl));
        if self.marks.len() < self.sweep_at.clamp(FIRST_SWEEP, MAX_MARKS) {
            return;
        }
        self.marks.retain(|_, (_, until)| *until > now);
        // Room for a quarter more before the next cut, so cutting stays rare.
        let keep = MAX_MARKS / 4 * 3;
        if self.marks.len() > keep {
            let mut ends: Vec<Instant> = self.marks.values().map(|(_, until)| *until).collect();
            ends.sort_unstable();
            let cut = ends[self.marks.len() - keep];
            self.marks.retain(|_, (_, until)| *until > cut);
        }
        self.sweep_at = self.marks.len() * 2;
    }
}

impl Marks {
    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        // Each change is made in one step, so a poisoned lock still guards valid data.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets `key` to `value` for `ttl` unless it holds a live value: `None` when it set it,
    /// else the value held.
    pub(crate) fn put_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Option<String> {
        let mut table = self.table();
        let now = Instant::now();
        if let Some(held) = table.live(key, now) {
            return Some(held.clone());
        }
        table.set(key, value, ttl, now);
        None
    }

    /// If `key` still holds `expected`: sets it to `value` for `ttl`, or removes it (`None`);
    /// whether it did.
    pub(crate) fn replace_if(
        &self,
        key: &str,
        expected: &str,
        value: Option<&str>,
        ttl: Duration,
    ) -> bool {
        let mut table = self.table();
        let now = Instant::now();
        if table.live(key, now).is_none_or(|held| held != expected) {
            return false;
        }
        match value {
            Some(value) => table.set(key, value, ttl, now),
            None => drop(table.marks.remove(key)),
        }
        true
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.table().marks.len()
    }
}

/// This process's marks: the fallback of every store.
pub(crate) fn here() -> &'static Marks {
    static MARKS: LazyLock<Marks> = LazyLock::new(Marks::default);
    &MARKS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_is_set_once_until_it_ends_and_changed_only_by_who_holds_it() {
        let marks = Marks::default();
        let minute = Duration::from_secs(60);
        assert_eq!(marks.put_if_absent("k", "pending a", minute), None);
        assert_eq!(
            marks.put_if_absent("k", "pending b", minute).as_deref(),
            Some("pending a")
        );
        assert!(!marks.replace_if("k", "pending b", Some("handled"), minute));
        assert!(marks.replace_if("k", "pending a", Some("handled"), minute));
        assert_eq!(
            marks.put_if_absent("k", "pending b", minute).as_deref(),
            Some("handled")
        );
        assert!(marks.replace_if("k", "handled", None, minute));
        assert_eq!(marks.put_if_absent("k", "pending b", Duration::ZERO), None);
        // A mark whose time is up is as good as none.
        assert_eq!(marks.put_if_absent("k", "pending c", minute), None);
    }

    #[test]
    fn ended_marks_are_swept_and_the_table_stays_bounded() {
        let marks = Marks::default();
        for i in 0..5000 {
            marks.put_if_absent(&format!("gone{i}"), "v", Duration::ZERO);
        }
        assert!(marks.len() <= 2 * FIRST_SWEEP, "{}", marks.len());
        for i in 0..(MAX_MARKS + 10) {
            marks.put_if_absent(&format!("k{i}"), "v", Duration::from_secs(60));
        }
        assert!(marks.len() <= MAX_MARKS, "{}", marks.len());
    }
}
