//! The `dingtalk` PHP extension: the PHP binding layer only. Every DingTalk rule and all HTTP
//! live in `dingtalk-core`; this crate converts PHP values and maps errors to exceptions.
//!
//! From the top down; a layer imports only the layers below it. Among the classes, `todo/`,
//! `workrecord/`, `worknotice/`, `robot/` and `stream/` are made from a `DingTalk\Client`, which
//! hands out all but the last, and `card/` from a `Bot` (`robot/`); `webhook/` reads its options as
//! the client does, and `info.rs` shows the client's ini entries.
//! - the classes, one folder or file each: `client/` (`DingTalk\Client`, its options and
//!   `dingtalk.*` ini entries), `todo/`, `workrecord/`, `message/` (the message builders),
//!   `worknotice/` (work notifications), `webhook/` (a group's webhook robot), `robot/`
//!   (`DingTalk\Bot`, the app robot: sends, replies, cards), `card/` (a card it delivered),
//!   `stream/` (the Stream worker), `callback.rs` (HTTP push); each reads its arguments into the
//!   core's types and turns the answers into PHP arrays; `info.rs` is the `phpinfo()` section;
//! - what the classes share: `batch.rs` (`createMany()`'s options, items and results), `setter.rs`
//!   (an options array read through a table of the core's setters), `log/` (the `logger` option:
//!   the core's events and the calls' failures handed to a PSR-3 logger), `message_arg.rs` (the
//!   `$message` every send takes);
//! - `exceptions/`: the `DingTalk\*` exception classes and the one table that gives every failure
//!   its class and message, naming the method PHP is executing;
//! - `php/`: plumbing that knows nothing of DingTalk: argument types and values, JSON, memory, the
//!   running frame, ini entries, argument typing and sensitive parameters added to the classes
//!   before any PHP code runs.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(windows, feature(abi_vectorcall))]

mod batch;
mod callback;
mod card;
mod client;
mod exceptions;
mod info;
mod log;
mod message;
mod message_arg;
mod php;
mod robot;
mod setter;
mod stream;
mod todo;
mod webhook;
mod worknotice;
mod workrecord;

use ext_php_rs::prelude::*;

/// Registers the exception classes before the Rust-backed ones, and the `dingtalk.*` ini
/// entries. Runs at module startup: it only registers (no HTTP client, no thread: php-fpm forks
/// after this; the ini values are read when a client is made) and never panics.
extern "C" fn startup(_type: i32, module_number: i32) -> i32 {
    php::install::arm();
    if exceptions::register().is_err() {
        return -1;
    }
    if !php::ini::register(client::ini::entries(), module_number) {
        return -1;
    }
    0
}

/// Finishes the classes ext-php-rs registered after [`startup`], before any PHP code runs, and
/// notes that this thread runs PHP code. Never panics.
extern "C" fn request_startup(_type: i32, _module_number: i32) -> i32 {
    php::install::run_once();
    php::frame::this_thread_runs_php();
    0
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
        .class::<message::Message>()
        .class::<worknotice::WorkNotice>()
        .class::<robot::Bot>()
        .class::<card::Card>()
        .class::<webhook::Webhook>()
        .class::<callback::Callback>()
        .class::<stream::Stream>()
        .info_function(info::info)
}
