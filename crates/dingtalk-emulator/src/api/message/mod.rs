//! What the three message channels share: the one message shape every channel's wire format
//! is converted back to ([`shape`]), and the inbox that records what each user, group and
//! webhook received ([`inbox`]), for `GET /_emulator/messages`.
//!
//! The channels are APIs of their own: `worknotice/` (oapi work notifications), `webhook/`
//! (group webhook robots) and `robot/` (the app robot, v1.0).

pub mod inbox;
pub mod shape;
