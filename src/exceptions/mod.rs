//! What the binding throws: the `DingTalk\*` exception classes ([`classes`]) and their public
//! constructor ([`construct`]), the one table that gives every failure its class and message
//! ([`mapping`]), the wording of messages that name the running method ([`argument`]), the
//! objects that carry DingTalk's answer ([`object`]) and the properties that hold it
//! ([`properties`]).
//!
//! A method turns an error into its exception with `?` (the binding's own errors) or
//! `.or_throw()?` (the core's).

mod argument;
mod classes;
mod construct;
mod mapping;
mod object;
mod properties;

pub use classes::register;
pub use mapping::{error_object, refused, thrown, IntoPhp, OrThrow};
