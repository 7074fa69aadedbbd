//! The app robot (企业内部机器人, v1.0): `/v1.0/robot/oToMessages/batchSend`,
//! `/v1.0/robot/groupMessages/send`, `/v1.0/robot/otoMessages/batchRecall`,
//! `/v1.0/robot/groupMessages/recall`, `GET /v1.0/robot/oToMessages/readStatus`.
//!
//! - [`routes`]: the endpoints and their answers.
//! - [`fields`]: their bodies: `robotCode`, `userIds` (≤ 20), `msgKey` and `msgParam` (a JSON
//!   *string*), each `msgKey`'s parameters converted to the one message shape.
//! - [`store`]: the messages sent (by `processQueryKey`), the groups a test created, the users
//!   a test put under flow control.

pub mod fields;
pub mod routes;
pub mod store;
