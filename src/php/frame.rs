//! The internal function PHP is executing, read from the engine: what argument messages and
//! argument checks need to know about the method that is running.

use std::ffi::CStr;

use ext_php_rs::ffi::{zend_function, zend_internal_arg_info, ZEND_INTERNAL_FUNCTION};
use ext_php_rs::zend::ExecutorGlobals;

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

/// The 1-based position of parameter `name` of the internal function being executed.
pub fn parameter_position(name: &str) -> Option<u32> {
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
    // SAFETY: checked above that it is an internal function.
    let parameters = unsafe { parameters(function) };
    let index = parameters.iter().position(|info| {
        // SAFETY: an internal function's parameter names are NUL-terminated C strings.
        !info.name.is_null() && unsafe { CStr::from_ptr(info.name) }.to_bytes() == name.as_bytes()
    })?;
    u32::try_from(index + 1).ok()
}
