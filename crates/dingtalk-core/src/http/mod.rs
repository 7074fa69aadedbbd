//! How bytes move: the per-process HTTP client pool and sending one request. Nothing here knows
//! an API family.

pub(crate) mod pool;
mod send;

pub(crate) use send::{send, AnswerLimit, Exchange, RawResponse};
