//! The legacy work-record endpoints: `/topapi/workrecord/{add,update,getbyuserid}`.
//!
//! Every call checks, in order: the body could be read, the access token, the QPS
//! limit (see `oapi.rs`), then the JSON fields with the reference's limits. A refused
//! field answers errcode 40035 with an errmsg that names it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::family::json;
use crate::family::oapi::{error as oapi_error, INVALID_PARAMETER};
use crate::oapi::prelude;
use crate::params::{optional_int, optional_str, required_int, required_str};
use crate::record_store::{AddError, Form, NewRecord};
use crate::state::AppState;
use crate::sync::lock;

pub const ADD: &str = "/topapi/workrecord/add";
pub const UPDATE: &str = "/topapi/workrecord/update";
pub const GET_BY_USERID: &str = "/topapi/workrecord/getbyuserid";

const MAX_TITLE_CHARS: usize = 50;
const MAX_FORM_ITEMS: usize = 20;
const MAX_PAGE: i64 = 50;
/// 2001-09-09 in milliseconds. A smaller `create_time` is almost surely seconds sent
/// where DingTalk wants milliseconds, a bug worth failing loudly on.
const MIN_CREATE_TIME_MS: i64 = 1_000_000_000_000;

/// errcode of a second add with the same `biz_id` for the same user.
const DUPLICATE_BIZ_ID: i64 = 854001;
const BAD_OFFSET: i64 = 40068;
const BAD_LIMIT: i64 = 40069;

fn forms(object: &Map<String, Value>) -> Result<Vec<Form>, String> {
    let items = match object.get("formItemList") {
        None | Some(Value::Null) => return Err("missing parameter formItemList".to_owned()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err("invalid parameter formItemList: must be a list".to_owned()),
    };
    if items.len() > MAX_FORM_ITEMS {
        return Err(format!(
            "invalid parameter formItemList: at most {MAX_FORM_ITEMS} items, got {}",
            items.len()
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let text = |name: &str| match item.get(name) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(format!(
                    "invalid parameter formItemList[{i}].{name}: must be a string"
                )),
                None => Err(format!("missing parameter formItemList[{i}].{name}")),
            };
            if !item.is_object() {
                return Err(format!(
                    "invalid parameter formItemList[{i}]: must be an object with title and content"
                ));
            }
            Ok(Form {
                title: text("title")?,
                content: text("content")?,
            })
        })
        .collect()
}

fn new_record(object: &Map<String, Value>) -> Result<NewRecord, String> {
    let userid = required_str(object, "userid")?;
    let create_time = required_int(object, "create_time")?;
    if create_time < MIN_CREATE_TIME_MS {
        return Err(format!(
            "invalid parameter create_time: must be milliseconds since the epoch, got {create_time}"
        ));
    }
    let title = required_str(object, "title")?;
    let title_chars = title.chars().count();
    if title_chars > MAX_TITLE_CHARS {
        return Err(format!(
            "invalid parameter title: at most {MAX_TITLE_CHARS} characters, got {title_chars}"
        ));
    }
    let url = required_str(object, "url")?;
    let forms = forms(object)?;
    let pc_open_type = optional_int(object, "pc_open_type")?;
    if let Some(kind) = pc_open_type {
        if kind != 2 && kind != 4 {
            return Err(format!(
                "invalid parameter pc_open_type: must be 2 (DingTalk client) or 4 (browser), got {kind}"
            ));
        }
    }
    let owned = |s: Option<&str>| s.map(str::to_owned);
    Ok(NewRecord {
        userid: userid.to_owned(),
        create_time,
        title: title.to_owned(),
        url: url.to_owned(),
        forms,
        pc_url: owned(optional_str(object, "pcUrl")?),
        pc_open_type,
        originator_user_id: owned(optional_str(object, "originator_user_id")?),
        source_name: owned(optional_str(object, "source_name")?),
        biz_id: owned(optional_str(object, "biz_id")?),
    })
}

/// `POST /topapi/workrecord/add`.
pub async fn add(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = match prelude(&state, ADD, query.as_deref(), body) {
        Ok(object) => object,
        Err(response) => return *response,
    };
    let record = match new_record(&object) {
        Ok(record) => record,
        Err(message) => return oapi_error(&state, INVALID_PARAMETER, &message),
    };
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
        Err(AddError::DuplicateBizId) => oapi_error(
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
    let object = match prelude(&state, UPDATE, query.as_deref(), body) {
        Ok(object) => object,
        Err(response) => return *response,
    };
    let fields = required_str(&object, "userid")
        .and_then(|userid| Ok((userid, required_str(&object, "record_id")?)));
    let (userid, record_id) = match fields {
        Ok(fields) => fields,
        Err(message) => return oapi_error(&state, INVALID_PARAMETER, &message),
    };
    let found = lock(&state.records).complete(userid, record_id);
    if !found {
        // DingTalk documents no code for this; 40035 (invalid parameter) is the closest.
        return oapi_error(
            &state,
            INVALID_PARAMETER,
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
    let object = match prelude(&state, GET_BY_USERID, query.as_deref(), body) {
        Ok(object) => object,
        Err(response) => return *response,
    };
    let fields = (|| {
        let userid = required_str(&object, "userid")?;
        let offset = required_int(&object, "offset")?;
        let limit = required_int(&object, "limit")?;
        let status = required_int(&object, "status")?;
        Ok::<_, String>((userid, offset, limit, status))
    })();
    let (userid, offset, limit, status) = match fields {
        Ok(fields) => fields,
        Err(message) => return oapi_error(&state, INVALID_PARAMETER, &message),
    };
    if offset < 0 {
        return oapi_error(
            &state,
            BAD_OFFSET,
            "invalid parameter offset: must be 0 or more",
        );
    }
    if !(1..=MAX_PAGE).contains(&limit) {
        return oapi_error(
            &state,
            BAD_LIMIT,
            "invalid parameter limit: must be 1 to 50",
        );
    }
    let done = match status {
        0 => false,
        1 => true,
        _ => {
            return oapi_error(
                &state,
                INVALID_PARAMETER,
                "invalid parameter status: must be 0 (pending) or 1 (done)",
            )
        }
    };
    // Both are within 0..=i64::MAX, so they fit a usize on 64-bit; saturate elsewhere.
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let page = lock(&state.records).page(userid, done, offset, limit);
    let request_id = state.ids.request_id();
    json(
        StatusCode::OK,
        format!(
            r#"{{"errcode":0,"request_id":"{request_id}","records":{{"has_more":{},"list":[{}]}}}}"#,
            page.has_more, page.list_json
        ),
    )
}
