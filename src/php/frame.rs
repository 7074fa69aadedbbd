//! The internal function PHP is executing, read from the engine's current frame: its name and
//! its parameters, which messages about its arguments give and the argument checks follow.
//!
//! The frame is read when it is needed, never kept: inside a method it is that method's own, also
//! while a callable it calls runs (that call has a frame of its own, popped when it returns). Only
//! a thread that runs PHP code reads it ([`this_thread_runs_php`]); any other (a worker thread of
//! a bulk call) finds no frame instead of reading the engine.

use std::cell::Cell;
use std::ffi::CStr;

use ext_php_rs::boxed::ZBox;
use ext_php_rs::ffi::{zend_function, zend_internal_arg_info, zend_string, ZEND_INTERNAL_FUNCTION};
use ext_php_rs::types::ZendStr;
use ext_php_rs::zend::ExecutorGlobals;

extern "C" {
    /// The engine's name of a function, as its own messages give it: `Class::method` (the class
    /// that declares it), or the function's name. A new reference the caller releases.
    fn get_function_or_method_name(function: *const zend_function) -> *mut zend_string;
}

thread_local! {
    /// Whether this thread has started a request: only such a thread executes PHP code.
    static RUNS_PHP: Cell<bool> = const { Cell::new(false) };
}

/// Request startup: this thread runs PHP code from now on.
pub fn this_thread_runs_php() {
    RUNS_PHP.with(|runs| runs.set(true));
}

/// The declared parameters of an internal function (the variadic one, if any, not included).
///
/// # Safety
/// `function` must point to a live internal function.
pub unsafe fn parameters<'f>(function: *const zend_function) -> &'f [zend_internal_arg_info] {
    // SAFETY: per the caller, `function` is a live internal function, whose `arg_info` points to
    // `num_args` entries (or is null when it declares none).
    unsafe {
        let internal = &(*function).internal_function;
        let count = usize::try_from(internal.num_args).unwrap_or(0);
        if internal.arg_info.is_null() || count == 0 {
            return &[];
        }
        std::slice::from_raw_parts(internal.arg_info, count)
    }
}

/// The internal function being executed: a method of the extension, while it runs.
pub struct Executing(*const zend_function);

/// The internal function the engine is executing on this thread, if any.
pub fn executing() -> Option<Executing> {
    if !RUNS_PHP.with(Cell::get) {
        return None;
    }
    let function = {
        let globals = ExecutorGlobals::get();
        // SAFETY: the current frame, when there is one, is live while its function runs.
        unsafe { globals.current_execute_data.as_ref() }.map(|frame| frame.func)?
    };
    // SAFETY: a frame's function is live while the frame is; its type says which union member
    // is valid.
    if function.is_null() || u32::from(unsafe { (*function).type_ }) != ZEND_INTERNAL_FUNCTION {
        return None;
    }
    Some(Executing(function))
}

impl Executing {
    /// Its name as PHP's own messages give it: `DingTalk\Todo::create`. A method inherited by
    /// a PHP subclass, or called through a closure, is named after the class that declares it,
    /// as the engine names it in its own argument errors.
    pub fn name(&self) -> String {
        // SAFETY: a live function (see `executing`); the engine returns a string the caller owns.
        let name = unsafe { get_function_or_method_name(self.0) };
        if name.is_null() {
            return String::new();
        }
        // SAFETY: a valid `zend_string` whose reference is released when the box drops.
        let name = unsafe { ZBox::from_raw(name.cast::<ZendStr>()) };
        String::from_utf8_lossy(name.as_bytes()).into_owned()
    }

    /// The 1-based position of its parameter `name`.
    pub fn parameter_position(&self, name: &str) -> Option<u32> {
        // SAFETY: an internal function (see `executing`).
        let parameters = unsafe { parameters(self.0) };
        let index = parameters.iter().position(|info| {
            // SAFETY: an internal function's parameter names are NUL-terminated C strings.
            !info.name.is_null()
                && unsafe { CStr::from_ptr(info.name) }.to_bytes() == name.as_bytes()
        })?;
        u32::try_from(index + 1).ok()
    }
}
