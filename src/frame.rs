//! The internal functions PHP executes, read from the engine: what argument checks need to know
//! about the method that is running.

use ext_php_rs::ffi::{zend_function, zend_internal_arg_info};

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
