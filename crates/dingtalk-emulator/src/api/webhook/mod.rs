//! Group webhook robots (自定义机器人): `POST /robot/send?access_token=T[&timestamp=&sign=]`.
//! No app token: the robot's own token is the credential, its secret signs the request.
//!
//! - [`routes`]: the endpoint, its checks in order, its answers.
//! - [`fields`]: the message as the webhook sends it (camelCase `actionCard`, `feedCard`,
//!   `at`), converted to the one message shape.
//! - [`sign`]: DingTalk's signature, `base64(HMAC-SHA256(secret, timestamp + "\n" + secret))`.
//! - [`store`]: the robots a test created, and each one's sliding minute of sends.

pub mod fields;
pub mod routes;
pub mod sign;
pub mod store;
