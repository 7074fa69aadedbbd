//! Finishes the extension's classes after ext-php-rs has registered them: wraps every method in
//! the engine's argument parsing ([`crate::php::signature`]), marks the secret parameters
//! ([`crate::php::sensitive`]) and declares the union-typed ones ([`crate::php::union`]).
//!
//! ext-php-rs registers the classes after the module's own startup hook has run and offers no
//! hook after that, so this runs from the first request startup of the process, which comes
//! before any PHP code (preloading and `auto_prepend_file` included). The module's startup arms
//! it again: a SAPI that starts the module anew registers new classes.

use std::ffi::{c_void, CStr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use ext_php_rs::ffi::{zend_class_entry, zend_function, ZEND_INTERNAL_FUNCTION};
use ext_php_rs::types::ZendHashTable;
use ext_php_rs::zend::ExecutorGlobals;

/// The module name the engine files the extension's classes under.
const MODULE: &str = "dingtalk";

/// `ZEND_INTERNAL_CLASS`: a class registered by an extension (only those have a module).
const ZEND_INTERNAL_CLASS: i32 = 1;

static PENDING: AtomicBool = AtomicBool::new(false);
static RUNNING: Mutex<()> = Mutex::new(());

/// Module startup: the classes are about to be registered (again); finish them at the next
/// request startup.
pub fn arm() {
    crate::php::signature::forget_all();
    PENDING.store(true, Ordering::Release);
}

/// Request startup: finishes the classes if the module started since the last time.
pub fn run_once() {
    if !PENDING.load(Ordering::Acquire) {
        return;
    }
    // Threads of a threaded SAPI wait here until the classes are finished.
    let _running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
    if PENDING.load(Ordering::Acquire) {
        finish_classes();
        PENDING.store(false, Ordering::Release);
    }
}

/// The pointers a table of the engine holds (its class table, a class's function table).
/// Walked without reading the keys: a user class name need not be UTF-8.
fn pointers(table: &ZendHashTable) -> Vec<*mut c_void> {
    let mut pointers = Vec::with_capacity(table.len());
    let mut iter = table.iter();
    while let Some((_, entry)) = iter.next_zval() {
        // SAFETY: these tables hold pointer values (`IS_PTR`, `IS_ALIAS_PTR`).
        pointers.push(unsafe { entry.value.ptr });
    }
    pointers
}

fn finish_classes() {
    for class in module_classes() {
        // SAFETY: a registered class, live for the life of the process.
        let functions = unsafe { &(*class).function_table };
        for function in pointers(functions) {
            let function = function.cast::<zend_function>();
            // SAFETY: a live function; its type says which union member is valid.
            let own = !function.is_null()
                && unsafe {
                    u32::from((*function).type_) == ZEND_INTERNAL_FUNCTION
                        && (*function).common.scope == class
                };
            if own {
                // SAFETY: an internal function of the class; no PHP code runs yet.
                unsafe { crate::php::signature::wrap(function) };
            }
        }
    }
    crate::php::sensitive::mark_all();
    crate::php::union::declare_all();
}

/// The classes this extension registered: those the engine files under its module.
fn module_classes() -> Vec<*mut zend_class_entry> {
    let table = ExecutorGlobals::get().class_table;
    // SAFETY: during a request the executor's class table is live.
    let Some(table) = (unsafe { table.as_ref() }) else {
        return Vec::new();
    };
    pointers(table)
        .into_iter()
        .filter_map(|class| {
            let class = class.cast::<zend_class_entry>();
            // SAFETY: a live class entry; only internal classes have a module.
            let module = unsafe {
                match class.as_ref() {
                    Some(ce) if i32::from(ce.type_) == ZEND_INTERNAL_CLASS => {
                        ce.info.internal.module.as_ref()
                    }
                    _ => None,
                }
            }?;
            // SAFETY: a module's name is a NUL-terminated C string.
            let name = unsafe { CStr::from_ptr(module.name) };
            (name.to_bytes() == MODULE.as_bytes()).then_some(class)
        })
        .collect()
}
