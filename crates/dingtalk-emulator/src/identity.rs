//! The identity calls (oapi): userid → unionId and back.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::family::json;
use crate::family::oapi::{error as oapi_error, INVALID_PARAMETER};
use crate::oapi::prelude;
use crate::params::required_str;
use crate::state::AppState;

pub const USER_GET: &str = "/topapi/v2/user/get";
pub const GET_BY_UNIONID: &str = "/topapi/user/getbyunionid";

/// DingTalk's errcode for a user it does not know, on both calls.
pub const NO_SUCH_USER: i64 = 60121;
const NO_SUCH_USER_MSG: &str = "找不到该用户";

#[derive(Serialize)]
struct Answer<'a, T: Serialize> {
    errcode: i64,
    errmsg: &'a str,
    result: T,
    request_id: &'a str,
}

fn ok<T: Serialize>(state: &AppState, result: T) -> Response {
    let request_id = state.ids.request_id();
    let answer = Answer {
        errcode: 0,
        errmsg: "ok",
        result,
        request_id: &request_id,
    };
    json(
        StatusCode::OK,
        serde_json::to_string(&answer).unwrap_or_else(|_| String::from("{}")),
    )
}

#[derive(Serialize)]
struct UserDetail<'a> {
    userid: &'a str,
    unionid: &'a str,
    name: &'a str,
    active: bool,
}

/// `POST /topapi/v2/user/get` with `{"userid"}` → `result.unionid`.
pub async fn user_get(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = match prelude(&state, USER_GET, query.as_deref(), body) {
        Ok(object) => object,
        Err(response) => return *response,
    };
    let userid = match required_str(&object, "userid") {
        Ok(userid) => userid,
        Err(message) => return oapi_error(&state, INVALID_PARAMETER, &message),
    };
    match state.users.union_id(userid) {
        // The emulator knows no names: a user is called by their userid.
        Some(union_id) => ok(
            &state,
            UserDetail {
                userid,
                unionid: &union_id,
                name: userid,
                active: true,
            },
        ),
        None => oapi_error(&state, NO_SUCH_USER, NO_SUCH_USER_MSG),
    }
}

#[derive(Serialize)]
struct ByUnionId<'a> {
    /// 0: an employee of the organisation (the only kind the emulator has).
    contact_type: u8,
    userid: &'a str,
}

/// `POST /topapi/user/getbyunionid` with `{"unionid"}` → `result.userid`.
pub async fn get_by_unionid(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = match prelude(&state, GET_BY_UNIONID, query.as_deref(), body) {
        Ok(object) => object,
        Err(response) => return *response,
    };
    let union_id = match required_str(&object, "unionid") {
        Ok(union_id) => union_id,
        Err(message) => return oapi_error(&state, INVALID_PARAMETER, &message),
    };
    match state.users.userid(union_id) {
        Some(userid) => ok(
            &state,
            ByUnionId {
                contact_type: 0,
                userid: &userid,
            },
        ),
        None => oapi_error(&state, NO_SUCH_USER, NO_SUCH_USER_MSG),
    }
}
