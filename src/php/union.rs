//! Declares the parameters whose type is a union of builtin types (`Bot::card()`'s
//! `array|string $to`), which ext-php-rs cannot declare: it registers them as `mixed`, and their
//! type is set here on the registered method (see [`crate::php::install`]) before any PHP code
//! runs. Reflection then shows the union, and the argument parsing
//! ([`crate::php::signature`]) takes such an argument as PHP's own functions take it.

use crate::php::registered;
use crate::php::signature::{ARRAY_OR_STRING, SEND_FLAGS};

/// The union-typed parameters: class, method (lower case, as the function table keys it),
/// 0-based position, the `MAY_BE_*` types.
const UNIONS: [(&str, &str, usize, u32); 1] = [("DingTalk\\Bot", "card", 0, ARRAY_OR_STRING)];

/// Sets the type of every union-typed parameter.
pub fn declare_all() {
    for (class, method, index, types) in UNIONS {
        declare(class, method, index, types);
    }
}

fn declare(class: &str, method: &str, index: usize, types: u32) {
    let Some(function) = registered::method(class, method) else {
        return;
    };
    // SAFETY: a live internal function of the extension, whose `arg_info` holds `num_args`
    // entries allocated by ext-php-rs for the life of the process; no PHP code runs yet.
    unsafe {
        let internal = &mut (*function).internal_function;
        let count = usize::try_from(internal.num_args).unwrap_or(0);
        if internal.arg_info.is_null() || index >= count {
            return;
        }
        let info = &mut *internal.arg_info.add(index);
        // How the argument is sent stays; the type becomes the union (no class name).
        info.type_.type_mask = (info.type_.type_mask & SEND_FLAGS) | types;
        info.type_.ptr = std::ptr::null_mut();
    }
}
