//! DingTalk's Stream mode, played by the emulator: the gateway that hands out tickets
//! (`POST /v1.0/gateway/connections/open`), the WebSocket endpoint (`/connect`), `ping`
//! frames, every event (to-do changes, `POST /_emulator/push`) delivered to every open
//! connection, and redelivery of what was not acknowledged `SUCCESS`.
//!
//! - `hub`: tickets, connections, events and their deliveries (the log of
//!   `GET /_emulator/events`, under `stream`).
//! - `gateway`: the two endpoints and the task serving one connection.
//! - `frames`: the frames sent, in DingTalk's shape.

mod frames;
pub mod gateway;
pub mod hub;

pub use hub::Hub;
