//! Access tokens: the endpoints that issue them ([`routes`]), what the emulator remembers of
//! them ([`store`]), and the checks every call's credentials pass ([`check`]).
//!
//! One store serves both families, so a token from either endpoint works in both.

pub mod check;
pub mod routes;
pub mod store;
