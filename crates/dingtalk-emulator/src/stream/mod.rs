//! DingTalk's Stream mode, played by the emulator: the gateway that hands out tickets
//! (`POST /v1.0/gateway/connections/open`), the WebSocket endpoint (`/connect`) on the same
//! listener as every other call, `ping` frames, every event (to-do changes,
//! `POST /_emulator/push`) delivered to every open connection, and redelivery of what was not
//! acknowledged `SUCCESS`.
//!
//! - `open`: the ticket endpoint; `socket`: the WebSocket endpoint and the task serving one
//!   connection.
//! - `hub`: the gateway's memory and its deliveries, over `tickets`, `connections` and
//!   `events` (the log of `GET /_emulator/events`, under `stream`).
//! - `frame`: the frames sent and the client's answers, in DingTalk's shape.
//!
//! What a test does to the connections is in `control/stream.rs`.

pub mod connections;
mod events;
mod frame;
pub mod hub;
pub mod open;
pub mod socket;
mod tickets;

pub use hub::Hub;
