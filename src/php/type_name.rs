//! PHP's name of a value's type, as its own `TypeError`s give it (a class name for an object):
//! what a `TypeError` of the binding's says was given instead.

use std::ffi::{c_char, CStr};

use ext_php_rs::ffi::zval;
use ext_php_rs::types::Zval;

extern "C" {
    fn zend_zval_type_name(arg: *const zval) -> *const c_char;
}

/// The type name of `value` (`int`, `string`, `stdClass`, ...).
pub fn type_name(value: &Zval) -> String {
    // SAFETY: a live zval; the engine returns a static or interned NUL-terminated name.
    let name = unsafe { zend_zval_type_name(std::ptr::from_ref(value).cast()) };
    if name.is_null() {
        return "unknown".to_owned();
    }
    // SAFETY: as above.
    unsafe { CStr::from_ptr(name) }
        .to_string_lossy()
        .into_owned()
}
