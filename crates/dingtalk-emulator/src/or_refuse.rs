//! `or_refuse!`, for handlers: a check returns its value or the answer that refuses the call
//! (`Result<T, Box<Response>>`, boxed because refusals are the rare path); this takes the value,
//! or returns that answer from the handler.

/// The value of a check, or return from the handler with the answer that refuses the call.
macro_rules! or_refuse {
    ($checked:expr) => {
        match $checked {
            Ok(value) => value,
            Err(refusal) => return *refusal,
        }
    };
}
