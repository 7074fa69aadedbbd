//! SIGTERM and SIGINT while a long-running method (a Stream worker) blocks: it returns cleanly
//! after what it is doing instead of the process dying in the middle of it.
//!
//! Whose signal it is decides (asked through `pcntl`, so only when that extension is loaded):
//! - no handler of the script's (`pcntl_signal_get_handler()` is `SIG_DFL`): a handler of the
//!   extension's own is installed for the duration of the call (`sigaction`, process-wide, so it
//!   does not matter which thread the signal reaches) and the previous one restored after it;
//!   it only records the signal, and [`Signals::caught`] tells the caller;
//! - a handler of the script's (`pcntl_signal()`): left in place, and run between two steps by
//!   [`Signals::dispatch`] (`pcntl_signal_dispatch()`), even without `pcntl_async_signals()`;
//!   it may stop the worker itself;
//! - `SIG_IGN`: nothing changes.
//!
//! Without `pcntl`, nothing changes either: the signals do what they did.

use std::sync::atomic::{AtomicI32, Ordering};

use ext_php_rs::types::{ZendCallable, Zval};

/// The last signal the extension's handler recorded (0: none).
static CAUGHT: AtomicI32 = AtomicI32::new(0);

#[cfg(unix)]
extern "C" fn record(signal: libc::c_int) {
    // Async-signal-safe: one atomic store.
    CAUGHT.store(signal, Ordering::Relaxed);
}

/// `SIG_DFL` and `SIG_IGN` as `pcntl_signal_get_handler()` returns them.
const PHP_SIG_DFL: i64 = 0;

/// The signal handling of one call; dropping it restores what was there before.
pub struct Signals {
    #[cfg(unix)]
    saved: Vec<(libc::c_int, libc::sigaction)>,
    dispatch: bool,
}

fn call(function: &str, args: Vec<&dyn ext_php_rs::convert::IntoZvalDyn>) -> Option<Zval> {
    ZendCallable::try_from_name(function)
        .ok()?
        .try_call(args)
        .ok()
}

impl Signals {
    /// Takes over SIGTERM and SIGINT where the script has no handler (see the module docs).
    pub fn watch() -> Signals {
        CAUGHT.store(0, Ordering::Relaxed);
        let mut signals = Signals {
            #[cfg(unix)]
            saved: Vec::new(),
            dispatch: false,
        };
        #[cfg(unix)]
        for signal in [libc::SIGTERM, libc::SIGINT] {
            let number = i64::from(signal);
            let Some(handler) = call("pcntl_signal_get_handler", vec![&number]) else {
                return signals; // no pcntl
            };
            if handler.long() == Some(PHP_SIG_DFL) {
                signals.take_over(signal);
            } else if handler.long().is_none() {
                signals.dispatch = true;
            }
        }
        signals
    }

    #[cfg(unix)]
    fn take_over(&mut self, signal: libc::c_int) {
        // SAFETY: plain sigaction calls on zeroed structures; the handler is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = record as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&raw mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, &raw const action, &raw mut previous) == 0 {
                self.saved.push((signal, previous));
            }
        }
    }

    /// Whether SIGTERM or SIGINT came since [`Signals::watch`] (to the extension's handler).
    pub fn caught(&self) -> bool {
        CAUGHT.load(Ordering::Relaxed) != 0
    }

    /// Runs the script's own handlers of signals that came (`pcntl_signal_dispatch()`).
    pub fn dispatch(&self) {
        if self.dispatch {
            let _ = call("pcntl_signal_dispatch", vec![]);
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        #[cfg(unix)]
        for (signal, previous) in self.saved.drain(..).rev() {
            // SAFETY: restores the action saved by `take_over`.
            unsafe {
                libc::sigaction(signal, &raw const previous, std::ptr::null_mut());
            }
        }
    }
}
