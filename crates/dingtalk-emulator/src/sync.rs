//! The one way the emulator takes its locks.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Takes a lock even if a thread panicked while holding it: every critical section in the
/// emulator leaves its data consistent, so the data is still good.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
