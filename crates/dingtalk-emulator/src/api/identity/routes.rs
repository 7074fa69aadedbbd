//! The identity endpoints: `POST /topapi/v2/user/get` and `POST /topapi/user/getbyunionid`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::api::oapi_call;
use crate::family::{json, oapi};
use crate::params::required_str;
use crate::state::AppState;

pub const USER_GET: &str = "/topapi/v2/user/get";
pub const GET_BY_UNIONID: &str = "/topapi/user/getbyunionid";

/// DingTalk's errcode for a user it does not know, on both calls.
const NO_SUCH_USER: i64 = 60121;
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

/// The one id an identity call sends (`name`), after the checks of every oapi call.
fn requested_id(
    state: &AppState,
    api: &'static str,
    query: Option<String>,
    body: Result<Bytes, BytesRejection>,
    name: &str,
) -> Result<String, Box<Response>> {
    oapi_call(state, api, query.as_deref(), body, |object| {
        required_str(object, name).map(str::to_owned)
    })
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
    let userid = or_refuse!(requested_id(&state, USER_GET, query, body, "userid"));
    match state.users.union_id(&userid) {
        // The emulator knows no names: a user is called by their userid.
        Some(union_id) => ok(
            &state,
            UserDetail {
                userid: &userid,
                unionid: &union_id,
                name: &userid,
                active: true,
            },
        ),
        None => oapi::error(&state, NO_SUCH_USER, NO_SUCH_USER_MSG),
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
    let union_id = or_refuse!(requested_id(&state, GET_BY_UNIONID, query, body, "unionid"));
    match state.users.userid(&union_id) {
        Some(userid) => ok(
            &state,
            ByUnionId {
                contact_type: 0,
                userid: &userid,
            },
        ),
        None => oapi::error(&state, NO_SUCH_USER, NO_SUCH_USER_MSG),
    }
}
