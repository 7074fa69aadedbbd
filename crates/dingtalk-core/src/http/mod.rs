//! How bytes move: the per-process HTTP client pool, sending one request, and removing secrets
//! from texts that leave the crate. Nothing here knows an API family.

pub(crate) mod pool;
pub(crate) mod redact;
mod send;

pub(crate) use send::{send, AnswerLimit, Exchange, RawResponse};
