//! Interactive cards (DingTalk's card API, v1.0): created and delivered to a user's chat with
//! the robot or to a group, updated, streamed into key by key (AI cards), and acted on by
//! users — whose callbacks reach Stream mode only for cards created with `callbackType`
//! `STREAM`.
//!
//! - [`fields`]: the bodies, checked.
//! - [`store`]: every card and its data now.
//! - [`routes`]: `createAndDeliver`, `streaming`, the update of a card's data.
//!
//! A test reads cards and makes users press their buttons through `control/cards.rs`.

pub mod fields;
pub mod routes;
pub mod store;
