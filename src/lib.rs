//! The `dingtalk` PHP extension: the PHP binding layer only. Every DingTalk rule and all HTTP
//! live in `dingtalk-core`; this crate converts PHP values and maps errors to exceptions.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(windows, feature(abi_vectorcall))]

mod batch;
mod callback;
mod client;
mod exceptions;
mod php;
mod todo;
mod workrecord;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

/// Registers the exception classes before the Rust-backed ones. Runs at module startup: it only
/// registers classes (no HTTP client, no thread: php-fpm forks after this) and never panics.
extern "C" fn startup(_type: i32, _module_number: i32) -> i32 {
    php::install::arm();
    match exceptions::register() {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// Finishes the classes ext-php-rs registered after [`startup`], before any PHP code runs.
/// Never panics.
extern "C" fn request_startup(_type: i32, _module_number: i32) -> i32 {
    php::install::run_once();
    0
}

extern "C" fn info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("dingtalk support", "enabled");
    info_table_row!("version", dingtalk_core::VERSION);
    info_table_end!();
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .name("dingtalk")
        .startup_function(startup)
        .request_startup_function(request_startup)
        .class::<client::Client>()
        .class::<workrecord::WorkRecord>()
        .class::<todo::Todo>()
        .class::<callback::Callback>()
        .info_function(info)
}
