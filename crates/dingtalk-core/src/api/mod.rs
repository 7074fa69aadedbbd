//! The APIs a client offers, each a handle on the app's executor.

pub(crate) mod page;
pub(crate) mod raw;
pub(crate) mod workrecord;
