//! Messages over DingTalk's three channels, in one shape: the caller writes one message array
//! (`shape.rs`: the types, and the arrays the builders return), read once into a [`Message`]
//! (`parse.rs`); each channel (`channel.rs`) refuses what it cannot carry and writes its own
//! wire request:
//! - work notifications from the app to people (`work_notice.rs`, [`WorkNotices`]);
//! - a group's webhook robot, with no app at all (`webhook.rs`, [`Webhook`]);
//! - the app's robot, to people or to a group it is in (`robot.rs`, [`Bot`]).
//!
//! Every send is a create: it is never resent after a failure that may have reached DingTalk.

mod channel;
mod parse;
mod reader;
mod reply;
mod robot;
mod session;
mod shape;
mod webhook;
mod work_notice;

pub use parse::{MAX_OA_HEAD_CHARS, MSGTYPES};
pub use reader::MAX_VOICE_SECONDS;
pub use reply::{ReplyRoute, SESSION_MARGIN_MS};
pub use robot::{Bot, UsersSent, MAX_ROBOT_PARAM_BYTES, MAX_ROBOT_USERS};
pub use shape::Message;
pub use webhook::{Webhook, DEFAULT_PER_MINUTE, MAX_PER_MINUTE, MAX_WEBHOOK_BYTES};
pub use work_notice::{
    NoticeOptions, WorkNotices, MAX_NOTICE_BYTES, MAX_NOTICE_DEPTS, MAX_NOTICE_USERS, RESULT_LISTS,
};

#[cfg(test)]
mod tests;
