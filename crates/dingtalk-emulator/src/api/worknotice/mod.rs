//! Work notifications (工作通知, oapi): `/topapi/message/corpconversation/{asyncsend_v2,
//! getsendprogress,getsendresult,recall}`.
//!
//! - [`routes`]: the four endpoints.
//! - [`fields`]: their bodies, with DingTalk's limits (recipients, `msg` ≤ 2048 bytes).
//! - [`store`]: the send tasks, and each user's day of notices (the same content to the same
//!   user on the same day is dropped; over 500 a day too).

pub mod fields;
pub mod routes;
pub mod store;
