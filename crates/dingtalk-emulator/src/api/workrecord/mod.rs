//! The legacy work records (oapi): `/topapi/workrecord/{add,update,getbyuserid}`.
//!
//! Every call checks, in order: the body could be read, the access token, the QPS limit, then
//! the JSON fields with the reference's limits ([`fields`]). A refused field answers errcode
//! 40035 with an errmsg that names it.

pub mod fields;
pub mod routes;
pub mod store;
