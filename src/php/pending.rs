//! What PHP code that the binding called (an event handler, a logger) left pending: nothing,
//! the unwinding of `exit()`, which must go on to the end, or a throwable.

use ext_php_rs::ffi::zend_object;
use ext_php_rs::zend::ExecutorGlobals;

extern "C" {
    /// Whether a pending "exception" is the engine's unwinding for `exit()`.
    fn zend_is_unwind_exit(exception: *const zend_object) -> bool;
}

/// What is pending after a call into PHP code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    Nothing,
    /// `exit()` was called: nothing more may run; the unwinding is left pending.
    Exit,
    /// A throwable, left pending until [`discard`] drops it.
    Throwable,
}

/// What the last call into PHP code left pending.
pub fn pending() -> Pending {
    let exception = ExecutorGlobals::get().exception;
    if exception.is_null() {
        return Pending::Nothing;
    }
    // SAFETY: a pending exception is a live object; the engine's own check reads its class.
    if unsafe { zend_is_unwind_exit(exception) } {
        Pending::Exit
    } else {
        Pending::Throwable
    }
}

/// Drops a pending throwable (never the unwinding of `exit()`).
pub fn discard() {
    if pending() == Pending::Throwable {
        drop(ExecutorGlobals::take_exception());
    }
}
