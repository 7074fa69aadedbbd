//! Values that belong to one process and must be rebuilt in a child after `fork()`.
//!
//! php-fpm forks its workers after module startup, and a forked child inherits memory but not
//! threads: an HTTP client whose runtime thread lives in the parent is dead in the child. A
//! [`ForkSafe`] remembers which process built its value and builds a new one in any other.
//! The parent's value is leaked in the child on purpose: dropping it would wait for a thread
//! that only exists in the parent.

use std::sync::{Mutex, PoisonError};

/// A lazily built value, rebuilt once in each process that uses it.
pub(crate) struct ForkSafe<T> {
    slot: Mutex<Option<(u32, T)>>,
}

impl<T: Clone> ForkSafe<T> {
    pub(crate) const fn new() -> Self {
        ForkSafe {
            slot: Mutex::new(None),
        }
    }

    /// The value of this process, built with `build` on first use here.
    pub(crate) fn get<E>(&self, build: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        // The slot only ever holds a finished value, so a poisoned lock still guards valid data.
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        if let Some((built_by, value)) = slot.as_ref() {
            if *built_by == pid {
                return Ok(value.clone());
            }
        }
        if let Some((_, stale)) = slot.take() {
            // Built before a fork: see the module docs.
            std::mem::forget(stale);
        }
        let value = build()?;
        *slot = Some((pid, value.clone()));
        Ok(value)
    }

    /// Whether this process has built its value (one built before a fork does not count).
    pub(crate) fn built_here(&self) -> bool {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .is_some_and(|(built_by, _)| *built_by == std::process::id())
    }
}

impl<T> Drop for ForkSafe<T> {
    fn drop(&mut self) {
        let slot = self.slot.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some((built_by, value)) = slot.take() {
            if built_by != std::process::id() {
                // Built before a fork: see the module docs.
                std::mem::forget(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_once_per_process() {
        let cell = ForkSafe::<u32>::new();
        let mut builds = 0;
        for _ in 0..3 {
            let value = cell.get::<()>(|| {
                builds += 1;
                Ok(7)
            });
            assert_eq!(value, Ok(7));
        }
        assert_eq!(builds, 1);
        assert!(cell.built_here());
        assert!(!ForkSafe::<u32>::new().built_here());
        assert_eq!(ForkSafe::<u32>::new().get(|| Err("no")), Err("no"));
    }
}
