//! Reading a `workrecord/add` body, with DingTalk's limits; every error names its field
//! (`formItemList[2].content`).

use serde_json::{Map, Value};

use super::store::{Form, NewRecord};
use crate::params::{optional_int, optional_str, required_int, required_str};

const MAX_TITLE_CHARS: usize = 50;
const MAX_FORM_ITEMS: usize = 20;
/// 2001-09-09 in milliseconds. A smaller `create_time` is almost surely seconds sent
/// where DingTalk wants milliseconds, a bug worth failing loudly on.
const MIN_CREATE_TIME_MS: i64 = 1_000_000_000_000;

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

/// An add body.
pub fn new_record(object: &Map<String, Value>) -> Result<NewRecord, String> {
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

/// An update body: `(userid, record_id)`; the record id may be the record's `biz_id`.
pub fn completion(object: &Map<String, Value>) -> Result<(String, String), String> {
    let userid = required_str(object, "userid")?;
    let record_id = required_str(object, "record_id")?;
    Ok((userid.to_owned(), record_id.to_owned()))
}

/// A getbyuserid body as sent, before its ranges are checked.
pub struct PageQuery {
    pub userid: String,
    pub offset: i64,
    pub limit: i64,
    pub status: i64,
}

/// A getbyuserid body: all four fields are required.
pub fn page_query(object: &Map<String, Value>) -> Result<PageQuery, String> {
    Ok(PageQuery {
        userid: required_str(object, "userid")?.to_owned(),
        offset: required_int(object, "offset")?,
        limit: required_int(object, "limit")?,
        status: required_int(object, "status")?,
    })
}
