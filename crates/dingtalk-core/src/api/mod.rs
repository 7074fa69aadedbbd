//! The APIs a client offers, each a handle on the app's executor.

pub(crate) mod card;
pub(crate) mod conversation;
pub(crate) mod fields;
pub(crate) mod message;
pub(crate) mod page;
pub(crate) mod raw;
pub(crate) mod todo;
pub(crate) mod user;
pub(crate) mod workrecord;
