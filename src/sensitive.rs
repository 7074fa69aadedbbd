//! Marks secret parameters (`Client::__construct`'s `$appSecret`, `Callback::__construct`'s
//! `$token` and `$aesKey`) with `#[\SensitiveParameter]`, so that PHP replaces them in every
//! backtrace (exception traces, `debug_backtrace()`, fatal error traces) even where
//! `zend.exception_ignore_args` is off.
//!
//! Done on the first construction rather than at module startup: the class does not exist yet
//! when the module's own startup hook runs. The attribute is allocated persistently and lives as
//! long as the process, like the function it annotates.

use std::sync::{Mutex, PoisonError};

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

/// The parameters marked so far in this process, each marked once.
static MARKED: Mutex<Vec<(&str, &str, u32)>> = Mutex::new(Vec::new());

/// Marks parameter `index` (0-based) of `class::method` as sensitive, once per process.
pub fn mark_once(class: &'static str, method: &'static str, index: u32) {
    let mut marked = MARKED.lock().unwrap_or_else(PoisonError::into_inner);
    if marked.contains(&(class, method, index)) {
        return;
    }
    marked.push((class, method, index));
    mark(class, method, index);
}

fn mark(class: &str, method: &str, index: u32) {
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
}
