//! Marks the parameters that hold secrets (`Client::__construct`'s `$appSecret`, and its
//! `$options`, whose `token_store` or `proxy` URL may hold a password; `Callback::__construct`'s
//! `$token` and `$aesKey`; `Webhook::__construct`'s `$url`, which holds the robot's token, its
//! `$secret` and its `$options`) with `#[\SensitiveParameter]`, so that PHP
//! replaces them in every backtrace (exception traces, `debug_backtrace()`, fatal error traces) even
//! where `zend.exception_ignore_args` is off.
//!
//! ext-php-rs cannot declare a parameter attribute, so it is added to the registered method
//! (see [`crate::php::install`]) before any PHP code runs. The attribute is allocated persistently
//! and lives as long as the process, like the function it annotates.

use ext_php_rs::ffi::HashTable;
use ext_php_rs::types::ZendStr;

use crate::php::registered;

extern "C" {
    fn zend_add_attribute(
        attributes: *mut *mut HashTable,
        name: *mut ext_php_rs::ffi::zend_string,
        argc: u32,
        flags: u32,
        offset: u32,
        lineno: u32,
    ) -> *mut std::ffi::c_void;

    fn zend_get_parameter_attribute_str(
        attributes: *mut HashTable,
        name: *const std::ffi::c_char,
        length: usize,
        offset: u32,
    ) -> *mut std::ffi::c_void;
}

/// `ZEND_ATTRIBUTE_PERSISTENT`: the attribute of an internal function outlives requests.
const PERSISTENT: u32 = 1;

/// The sensitive parameters: class, method, 0-based position.
const SENSITIVE: [(&str, &str, u32); 7] = [
    ("DingTalk\\Client", "__construct", 1),
    ("DingTalk\\Client", "__construct", 2),
    ("DingTalk\\Webhook", "__construct", 0),
    ("DingTalk\\Webhook", "__construct", 1),
    ("DingTalk\\Webhook", "__construct", 2),
    ("DingTalk\\Callback", "__construct", 0),
    ("DingTalk\\Callback", "__construct", 1),
];

/// Marks every sensitive parameter not marked yet.
pub fn mark_all() {
    for (class, method, index) in SENSITIVE {
        mark(class, method, index);
    }
}

fn mark(class: &str, method: &str, index: u32) {
    let Some(function) = registered::method(class, method) else {
        return;
    };
    const NAME: &str = "sensitiveparameter";
    // SAFETY: `function` is a live internal function; looking an attribute up reads its table.
    let marked = unsafe {
        let attributes = (*function).common.attributes;
        !attributes.is_null()
            && !zend_get_parameter_attribute_str(
                attributes,
                NAME.as_ptr().cast(),
                NAME.len(),
                index,
            )
            .is_null()
    };
    if marked {
        return;
    }
    let name = ZendStr::new("SensitiveParameter", true).into_raw();
    // SAFETY: `function` is a live internal function that no PHP code runs yet; the engine
    // copies `name` (refcounted) and stores the attribute at parameter offset `index + 1`, as
    // its own stubs do.
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
