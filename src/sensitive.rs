//! Marks `Client::__construct`'s `$appSecret` with `#[\SensitiveParameter]`, so that PHP replaces
//! it in every backtrace (exception traces, `debug_backtrace()`, fatal error traces) even where
//! `zend.exception_ignore_args` is off.
//!
//! Done on the first construction rather than at module startup: the class does not exist yet
//! when the module's own startup hook runs. The attribute is allocated persistently and lives as
//! long as the process, like the function it annotates.

use std::sync::Once;

use ext_php_rs::ffi::{zend_function, HashTable};
use ext_php_rs::types::ZendStr;
use ext_php_rs::zend::ClassEntry;

extern "C" {
    fn zend_add_attribute(
        attributes: *mut *mut HashTable,
        name: *mut ext_php_rs::ffi::zend_string,
        argc: u32,
        flags: u32,
        offset: u32,
        lineno: u32,
    ) -> *mut std::ffi::c_void;
}

/// `ZEND_ATTRIBUTE_PERSISTENT`: the attribute of an internal function outlives requests.
const PERSISTENT: u32 = 1;

static MARKED: Once = Once::new();

/// Marks parameter `index` (0-based) of `class::method` as sensitive, once per process.
pub fn mark_once(class: &str, method: &str, index: u32) {
    MARKED.call_once(|| {
        let Some(ce) = ClassEntry::try_find(class) else {
            return;
        };
        let Some(entry) = ce.function_table.get(method) else {
            return;
        };
        // SAFETY: the function table of a class maps names to `zend_function` pointers.
        let function = unsafe { entry.value.ptr }.cast::<zend_function>();
        if function.is_null() {
            return;
        }
        let name = ZendStr::new("SensitiveParameter", true).into_raw();
        // SAFETY: `function` is a live internal function; the engine copies `name` (refcounted)
        // and stores the attribute at parameter offset `index + 1`, as its own stubs do.
        unsafe {
            zend_add_attribute(
                &raw mut (*function).common.attributes,
                name,
                0,
                PERSISTENT,
                index + 1,
                0,
            );
        }
    });
}
