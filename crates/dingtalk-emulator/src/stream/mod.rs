//! DingTalk's Stream mode, played by the emulator: the gateway that hands out tickets
//! (`POST /v1.0/gateway/connections/open`), the WebSocket endpoint (`/connect`) on the same
//! listener as every other call, `ping` frames, `disconnect` followed by the gateway's close,
//! every message (events, bot messages, card callbacks) pushed over one of the app's
//! connections subscribed to its topic, and redelivery of what was not acknowledged.
//!
//! - `open`: the ticket endpoint; `socket`: the WebSocket endpoint and the task serving one
//!   connection.
//! - `hub`: the gateway's memory, over `tickets`, `connections` and `messages` (the log of
//!   `GET /_emulator/events`, under `stream`); `deliver`: who gets each message, again when
//!   unacknowledged, and the answers; `system`: pings and `disconnect` and their answers.
//! - `topics`: subscriptions and topics; `frame`: the frames sent and the client's answers,
//!   in DingTalk's shape.
//!
//! What a test does to the connections is in `control/stream.rs`.

pub mod connections;
pub mod deliver;
mod frame;
pub mod hub;
mod messages;
pub mod open;
pub mod socket;
mod system;
pub mod tickets;
pub mod topics;

pub use hub::Hub;
