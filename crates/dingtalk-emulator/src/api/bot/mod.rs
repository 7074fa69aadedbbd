//! The app's robot as users talk to it: the bot message a user's words make (delivered over
//! Stream mode as a CALLBACK on `/v1.0/im/bot/messages/get`), and the session webhook that
//! answers it in its conversation until it expires.
//!
//! - [`message`]: the message's `data`, in DingTalk's field names.
//! - [`sessions`]: the session webhooks handed out, and the 1:1 conversation ids.
//! - [`routes`]: `POST /robot/sendBySession`, the session webhook itself.
//!
//! A test makes a user talk with `POST /_emulator/bot/say` (`control/bot.rs`).

pub mod message;
pub mod routes;
pub mod sessions;
