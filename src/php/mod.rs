//! PHP plumbing that knows nothing of DingTalk: arguments as the engine passes them and the
//! values copied out of them, what is wrong with one, JSON, memory, the running frame, ini
//! entries, the making of an exception, what PHP code the binding called left pending, and
//! what is added to the registered classes before any PHP code runs (argument typing,
//! sensitive parameters), a value's type name.

pub mod arg_error;
pub mod args;
pub mod frame;
pub mod ini;
pub mod install;
pub mod json;
pub mod memory;
pub mod pending;
pub mod registered;
pub mod sensitive;
pub mod signals;
pub mod signature;
pub mod throw;
pub mod time;
pub mod type_name;
pub mod union;
pub mod value;
