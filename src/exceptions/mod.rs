//! What the binding throws: the `DingTalk\*` exception classes ([`classes`]), the one table that
//! gives every failure its class and message ([`mapping`]), the wording of messages that name
//! the running method ([`argument`]) and the objects that carry DingTalk's answer ([`object`]).
//!
//! A method turns an error into its exception with `?` (the binding's own errors) or
//! `.or_throw()?` (the core's).

mod argument;
mod classes;
mod mapping;
mod object;

pub use classes::register;
pub use mapping::{error_object, refused, OrThrow};
