//! What a fault does to the request it applies to.

use std::time::Duration;

use axum::http::StatusCode;

use super::raw_body::RawBody;

/// What happens to a faulted request (after its delay, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer normally.
    Pass,
    /// A DingTalk error body, HTTP 200.
    /// Its texts may hold `{query}`, filled with the request's raw query.
    Error {
        errcode: i64,
        errmsg: String,
        sub_code: Option<String>,
        sub_msg: Option<String>,
        request_id: Option<String>,
    },
    /// A v1.0 error body with this status.
    V1Error {
        status: StatusCode,
        code: String,
        message: String,
        required_scopes: Option<Vec<String>>,
    },
    /// This status and body, as they are (and a `Location` for a redirect).
    Raw {
        status: StatusCode,
        body: RawBody,
        content_type: String,
        location: Option<String>,
    },
    /// Close the connection without answering.
    Drop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub delay: Option<Duration>,
    /// The request is handled first (its effects stay), then answered by the fault: an answer
    /// lost after the work was done.
    pub processed: bool,
    pub action: FaultAction,
}
