//! The identity calls (oapi): userid → unionId (`/topapi/v2/user/get`) and back
//! (`/topapi/user/getbyunionid`), over the users the emulator knows.

pub mod routes;
pub mod users;
