//! The work-record endpoints: `POST /topapi/workrecord/{add,update,getbyuserid}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::fields::{self, PageQuery};
use super::store::AddError;
use crate::api::oapi_call;
use crate::family::{json, oapi};
use crate::state::AppState;
use crate::sync::lock;

pub const ADD: &str = "/topapi/workrecord/add";
pub const UPDATE: &str = "/topapi/workrecord/update";
pub const GET_BY_USERID: &str = "/topapi/workrecord/getbyuserid";

const MAX_PAGE: i64 = 50;
/// errcode of a second add with the same `biz_id` for the same user.
const DUPLICATE_BIZ_ID: i64 = 854001;
const BAD_OFFSET: i64 = 40068;
const BAD_LIMIT: i64 = 40069;

/// `POST /topapi/workrecord/add`.
pub async fn add(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let record = or_refuse!(oapi_call(
        &state,
        ADD,
        query.as_deref(),
        body,
        fields::new_record
    ));
    let record_id = state.ids.record_id();
    let added = lock(&state.records).add(record, record_id.clone());
    match added {
        Ok(()) => {
            let request_id = state.ids.request_id();
            json(
                StatusCode::OK,
                format!(
                    r#"{{"errcode":0,"errmsg":"ok","record_id":"{record_id}","request_id":"{request_id}"}}"#
                ),
            )
        }
        Err(AddError::DuplicateBizId) => oapi::error(
            &state,
            DUPLICATE_BIZ_ID,
            "duplicate biz_id: this user already has a record with this biz_id",
        ),
    }
}

/// `POST /topapi/workrecord/update`: marks a record done, found by record id or biz_id.
pub async fn update(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (userid, record_id) = or_refuse!(oapi_call(
        &state,
        UPDATE,
        query.as_deref(),
        body,
        fields::completion
    ));
    let found = lock(&state.records).complete(&userid, &record_id);
    if !found {
        // DingTalk documents no code for this; 40035 (invalid parameter) is the closest.
        return oapi::error(
            &state,
            oapi::INVALID_PARAMETER,
            "invalid parameter record_id: no record with this record_id or biz_id for this userid",
        );
    }
    let request_id = state.ids.request_id();
    json(
        StatusCode::OK,
        format!(r#"{{"errcode":0,"errmsg":"ok","result":true,"request_id":"{request_id}"}}"#),
    )
}

/// `POST /topapi/workrecord/getbyuserid`: one page of a user's records of one status.
pub async fn getbyuserid(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let PageQuery {
        userid,
        offset,
        limit,
        status,
    } = or_refuse!(oapi_call(
        &state,
        GET_BY_USERID,
        query.as_deref(),
        body,
        fields::page_query
    ));
    if offset < 0 {
        return oapi::error(
            &state,
            BAD_OFFSET,
            "invalid parameter offset: must be 0 or more",
        );
    }
    if !(1..=MAX_PAGE).contains(&limit) {
        return oapi::error(
            &state,
            BAD_LIMIT,
            "invalid parameter limit: must be 1 to 50",
        );
    }
    let done = match status {
        0 => false,
        1 => true,
        _ => {
            return oapi::error(
                &state,
                oapi::INVALID_PARAMETER,
                "invalid parameter status: must be 0 (pending) or 1 (done)",
            )
        }
    };
    // Both are within 0..=i64::MAX, so they fit a usize on 64-bit; saturate elsewhere.
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let page = lock(&state.records).page(&userid, done, offset, limit);
    let request_id = state.ids.request_id();
    json(
        StatusCode::OK,
        format!(
            r#"{{"errcode":0,"request_id":"{request_id}","records":{{"has_more":{},"list":[{}]}}}}"#,
            page.has_more, page.list_json
        ),
    )
}
