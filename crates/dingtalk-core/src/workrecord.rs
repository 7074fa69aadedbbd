//! The work-record (待办) API: typed requests and answers, and DingTalk's limits checked before
//! anything is sent.
//!
//! There is no `workrecord/get` and no delete: [`WorkRecords::find`] pages `getbyuserid` over
//! both statuses, and "deleting" is [`WorkRecords::complete`].

use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

use crate::answer::{missing, reply};
use crate::call::ApiCall;
use crate::client::{require, Client};
use crate::error::{Error, Result};
use crate::retry::Idempotency;

const ADD: &str = "/topapi/workrecord/add";
const UPDATE: &str = "/topapi/workrecord/update";
const LIST: &str = "/topapi/workrecord/getbyuserid";

/// Longest title DingTalk accepts, in characters.
pub const MAX_TITLE_CHARS: usize = 50;
/// Most form items per record.
pub const MAX_FORMS: usize = 20;
/// Largest page of `getbyuserid`.
pub const MAX_LIMIT: i64 = 50;
/// The errcode DingTalk gives a second add with the same `biz_id` for the same user.
pub const DUPLICATE_BIZ_ID: i64 = 854001;
/// Below this, a `create_time` is surely seconds, not milliseconds (it would be before 1973).
const MIN_CREATE_TIME_MS: i64 = 100_000_000_000;

/// One `{title, content}` line of a record's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormItem {
    /// The line's label.
    pub title: String,
    /// Its value.
    pub content: String,
}

/// A record's status, as `getbyuserid` filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    /// Not done yet (0).
    Pending = 0,
    /// Done (1).
    Done = 1,
}

impl RecordStatus {
    /// The status for DingTalk's number, or an error naming `status`.
    pub fn from_code(code: i64) -> Result<Self> {
        match code {
            0 => Ok(RecordStatus::Pending),
            1 => Ok(RecordStatus::Done),
            _ => Err(Error::invalid(
                "status",
                format!("must be 0 (PENDING) or 1 (DONE), {code} given"),
            )),
        }
    }
}

/// A record to create. Optional fields left `None` are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRecord {
    /// The assignee.
    pub user_id: String,
    /// At most 50 characters.
    pub title: String,
    /// Opened on mobile.
    pub url: String,
    /// At most 20 items.
    pub forms: Vec<FormItem>,
    /// Opened on PC (sent as `pcUrl`).
    pub pc_url: Option<String>,
    /// 2 = inside the DingTalk PC client, 4 = browser.
    pub pc_open_type: Option<i64>,
    /// The app's name shown with the record.
    pub source_name: Option<String>,
    /// Who created it.
    pub originator_user_id: Option<String>,
    /// The caller's id, unique per user: makes retrying the add safe.
    pub biz_id: Option<String>,
    /// Milliseconds since the epoch; now when `None`.
    pub create_time: Option<i64>,
}

/// A record as DingTalk returns it. Fields DingTalk adds later are kept in `extra`.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// DingTalk's id of the record.
    pub record_id: String,
    /// Milliseconds since the epoch.
    pub create_time: i64,
    /// The title.
    pub title: String,
    /// The mobile URL.
    pub url: String,
    /// The form lines.
    pub forms: Vec<FormItem>,
    /// Any other field of the answer, as DingTalk sent it.
    pub extra: Map<String, Value>,
}

/// Decodes a record field by field: the known fields straight into their types, the others
/// into `extra`. (`#[serde(flatten)]` would buffer every record first, which profiles showed
/// on the listing path.)
impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor)
    }
}

enum RecordField {
    RecordId,
    CreateTime,
    Title,
    Url,
    Forms,
    Other(String),
}

impl<'de> Deserialize<'de> for RecordField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = RecordField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<RecordField, E> {
                Ok(match name {
                    "record_id" => RecordField::RecordId,
                    "create_time" => RecordField::CreateTime,
                    "title" => RecordField::Title,
                    "url" => RecordField::Url,
                    "forms" => RecordField::Forms,
                    other => RecordField::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a work record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Record, A::Error> {
        let (mut record_id, mut create_time, mut title, mut url, mut forms) =
            (None, None, None, None, None);
        let mut extra = Map::new();
        while let Some(field) = map.next_key::<RecordField>()? {
            match field {
                RecordField::RecordId => record_id = Some(map.next_value()?),
                RecordField::CreateTime => create_time = Some(map.next_value()?),
                RecordField::Title => title = Some(map.next_value()?),
                RecordField::Url => url = Some(map.next_value()?),
                RecordField::Forms => forms = map.next_value::<Option<Vec<FormItem>>>()?,
                RecordField::Other(name) => {
                    extra.insert(name, map.next_value()?);
                }
            }
        }
        Ok(Record {
            record_id: record_id.ok_or_else(|| de::Error::missing_field("record_id"))?,
            create_time: create_time.ok_or_else(|| de::Error::missing_field("create_time"))?,
            title: title.ok_or_else(|| de::Error::missing_field("title"))?,
            url: url.ok_or_else(|| de::Error::missing_field("url"))?,
            forms: forms.unwrap_or_default(),
            extra,
        })
    }
}

/// `workrecord/add`'s body, with DingTalk's field names; optional fields left out when unset.
#[derive(Serialize)]
struct AddBody<'a> {
    userid: &'a str,
    create_time: i64,
    title: &'a str,
    url: &'a str,
    #[serde(rename = "formItemList")]
    form_item_list: &'a [FormItem],
    #[serde(rename = "pcUrl", skip_serializing_if = "Option::is_none")]
    pc_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pc_open_type: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    originator_user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_id: Option<&'a str>,
}

/// `workrecord/update`'s body.
#[derive(Serialize)]
struct UpdateBody<'a> {
    userid: &'a str,
    record_id: &'a str,
}

/// `workrecord/getbyuserid`'s body.
#[derive(Serialize)]
struct ListBody<'a> {
    userid: &'a str,
    offset: i64,
    limit: i64,
    status: i64,
}

reply!(
    /// `workrecord/add`'s answer.
    AddAnswer { record_id: String }
);

reply!(
    /// `workrecord/update`'s answer.
    UpdateAnswer { result: bool }
);

reply!(
    /// `workrecord/getbyuserid`'s answer.
    ListAnswer { records: ListRecords }
);

#[derive(Deserialize)]
pub(crate) struct ListRecords {
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    list: Option<Vec<Record>>,
}

/// One page of `getbyuserid`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPage {
    /// Whether a next page exists (at `offset + limit`).
    pub has_more: bool,
    /// The records of this page.
    pub records: Vec<Record>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl NewRecord {
    /// Checks every limit DingTalk sets, naming the argument at fault.
    pub fn validate(&self) -> Result<()> {
        require("userId", &self.user_id)?;
        require("title", &self.title)?;
        require("url", &self.url)?;
        let chars = self.title.chars().count();
        if chars > MAX_TITLE_CHARS {
            return Err(Error::invalid(
                "title",
                format!("must be at most {MAX_TITLE_CHARS} characters, {chars} given"),
            ));
        }
        if self.forms.len() > MAX_FORMS {
            return Err(Error::invalid(
                "forms",
                format!(
                    "must hold at most {MAX_FORMS} items, {} given",
                    self.forms.len()
                ),
            ));
        }
        if let Some(i) = self.forms.iter().position(|f| f.title.is_empty()) {
            return Err(Error::invalid(
                "forms",
                format!("item {i} has an empty title"),
            ));
        }
        if let Some(kind) = self.pc_open_type.filter(|k| ![2, 4].contains(k)) {
            return Err(Error::invalid(
                "options[pc_open_type]",
                format!("must be 2 (inside DingTalk) or 4 (browser), {kind} given"),
            ));
        }
        if let Some(ms) = self.create_time.filter(|ms| *ms < MIN_CREATE_TIME_MS) {
            return Err(Error::invalid(
                "options[create_time]",
                format!("must be milliseconds since the epoch, {ms} given (seconds?)"),
            ));
        }
        for (name, value) in [
            ("options[pc_url]", &self.pc_url),
            ("options[source_name]", &self.source_name),
            ("options[originator_user_id]", &self.originator_user_id),
            ("options[biz_id]", &self.biz_id),
        ] {
            if let Some(value) = value {
                require(name, value)?;
            }
        }
        Ok(())
    }

    /// The body of `workrecord/add`.
    fn body(&self, create_time: i64) -> AddBody<'_> {
        AddBody {
            userid: &self.user_id,
            create_time,
            title: &self.title,
            url: &self.url,
            form_item_list: &self.forms,
            pc_url: self.pc_url.as_deref(),
            pc_open_type: self.pc_open_type,
            source_name: self.source_name.as_deref(),
            originator_user_id: self.originator_user_id.as_deref(),
            biz_id: self.biz_id.as_deref(),
        }
    }
}

/// The work-record API of one app.
#[derive(Debug, Clone)]
pub struct WorkRecords {
    client: Client,
}

fn check_offset_limit(offset: i64, limit: i64) -> Result<()> {
    if offset < 0 {
        return Err(Error::invalid(
            "offset",
            format!("must be 0 or more, {offset} given"),
        ));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}, {limit} given"),
        ));
    }
    Ok(())
}

impl WorkRecords {
    /// The work-record API of `client`'s app.
    pub fn new(client: Client) -> Self {
        WorkRecords { client }
    }

    /// Creates a record; returns its `record_id`.
    ///
    /// An add is retried after a failure that may have reached DingTalk only when it carries a
    /// `biz_id` (DingTalk rejects the duplicate). If such a retry is answered "duplicate", the
    /// first attempt landed: its record is looked up and its id returned.
    pub fn create(&self, record: &NewRecord) -> Result<String> {
        record.validate()?;
        let create_time = record.create_time.unwrap_or_else(now_ms);
        let body = record.body(create_time);
        let idempotency = if record.biz_id.is_some() {
            Idempotency::Safe
        } else {
            Idempotency::Unsafe
        };
        let call = ApiCall::post(ADD, &body, idempotency)?;
        match self.client.execute::<AddAnswer>(&call) {
            Ok(answer) => answer.record_id.ok_or_else(|| missing(ADD, "record_id")),
            Err(Error::Api(api)) if api.errcode == DUPLICATE_BIZ_ID && call.maybe_landed.get() => {
                match self.find_landed(record, create_time) {
                    Some(record_id) => Ok(record_id),
                    None => Err(Error::Api(api)),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// The id of the pending record an earlier attempt of `record` created, if it can be found.
    fn find_landed(&self, record: &NewRecord, create_time: i64) -> Option<String> {
        let pending = self.all(&record.user_id, RecordStatus::Pending).ok()?;
        pending
            .into_iter()
            .rev()
            .find(|r| {
                r.create_time == create_time && r.title == record.title && r.url == record.url
            })
            .map(|r| r.record_id)
    }

    /// Marks a record done (`workrecord/update`); `record_id` may also be the record's `biz_id`.
    pub fn complete(&self, user_id: &str, record_id: &str) -> Result<bool> {
        require("userId", user_id)?;
        require("recordId", record_id)?;
        let body = UpdateBody {
            userid: user_id,
            record_id,
        };
        let call = ApiCall::post(UPDATE, &body, Idempotency::Safe)?;
        let answer = self.client.execute::<UpdateAnswer>(&call)?;
        answer.result.ok_or_else(|| missing(UPDATE, "result"))
    }

    /// One page of a user's records with `status`, from `offset` (counted in records).
    pub fn list(
        &self,
        user_id: &str,
        status: RecordStatus,
        offset: i64,
        limit: i64,
    ) -> Result<RecordPage> {
        require("userId", user_id)?;
        check_offset_limit(offset, limit)?;
        let body = ListBody {
            userid: user_id,
            offset,
            limit,
            status: status as i64,
        };
        let call = ApiCall::post(LIST, &body, Idempotency::Safe)?;
        let answer = self
            .client
            .execute::<ListAnswer>(&call)?
            .records
            .ok_or_else(|| missing(LIST, "records"))?;
        Ok(RecordPage {
            has_more: answer.has_more,
            records: answer.list.unwrap_or_default(),
        })
    }

    /// Every record of a user with `status`, page by page.
    pub fn all(&self, user_id: &str, status: RecordStatus) -> Result<Vec<Record>> {
        let mut records = Vec::new();
        let mut offset = 0;
        loop {
            let page = self.list(user_id, status, offset, MAX_LIMIT)?;
            let count = page.records.len();
            records.extend(page.records);
            // An empty page that claims more would loop forever: stop there.
            if !page.has_more || count == 0 {
                return Ok(records);
            }
            offset += MAX_LIMIT;
        }
    }

    /// The record `record_id` of a user, pending or done; `None` when absent.
    pub fn find(&self, user_id: &str, record_id: &str) -> Result<Option<Record>> {
        require("userId", user_id)?;
        require("recordId", record_id)?;
        for status in [RecordStatus::Pending, RecordStatus::Done] {
            let mut offset = 0;
            loop {
                let page = self.list(user_id, status, offset, MAX_LIMIT)?;
                let count = page.records.len();
                if let Some(found) = page.records.into_iter().find(|r| r.record_id == record_id) {
                    return Ok(Some(found));
                }
                if !page.has_more || count == 0 {
                    break;
                }
                offset += MAX_LIMIT;
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> NewRecord {
        NewRecord {
            user_id: "u1".into(),
            title: "t".into(),
            url: "https://example.invalid/x".into(),
            ..NewRecord::default()
        }
    }

    fn bad_name(r: &NewRecord) -> String {
        match r.validate() {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn title_is_counted_in_characters() {
        let mut r = record();
        r.title = "待".repeat(50); // 150 bytes, 50 characters: accepted
        assert!(r.validate().is_ok());
        r.title.push('办');
        assert_eq!(bad_name(&r), "title");
    }

    #[test]
    fn limits_are_checked_before_sending() {
        let item = FormItem {
            title: "a".into(),
            content: "b".into(),
        };
        let mut r = record();
        r.forms = vec![item.clone(); 20];
        assert!(r.validate().is_ok());
        r.forms.push(item);
        assert_eq!(bad_name(&r), "forms");
        let r2 = NewRecord {
            user_id: String::new(),
            ..record()
        };
        assert_eq!(bad_name(&r2), "userId");
        let r3 = NewRecord {
            pc_open_type: Some(3),
            ..record()
        };
        assert_eq!(bad_name(&r3), "options[pc_open_type]");
        let r4 = NewRecord {
            create_time: Some(1_700_000_000),
            ..record()
        };
        assert_eq!(bad_name(&r4), "options[create_time]");
        let r5 = NewRecord {
            forms: vec![FormItem {
                title: String::new(),
                content: "x".into(),
            }],
            ..record()
        };
        assert_eq!(bad_name(&r5), "forms");
        assert!(
            matches!(RecordStatus::from_code(2), Err(Error::InvalidArgument { name, .. }) if name == "status")
        );
        assert!(check_offset_limit(-1, 10).is_err());
        assert!(check_offset_limit(0, 0).is_err());
        assert!(check_offset_limit(0, 51).is_err());
        assert!(check_offset_limit(0, 50).is_ok());
    }

    #[test]
    fn records_keep_unknown_fields_and_require_known_ones() {
        let record: Record = serde_json::from_str(
            r#"{"record_id":"r","create_time":1700000000000,"title":"t","url":"u","status_text":"new","forms":[{"title":"k","content":"v"}]}"#,
        )
        .unwrap();
        assert_eq!(record.record_id, "r");
        assert_eq!(record.forms[0].content, "v");
        assert_eq!(record.extra["status_text"], "new");
        let no_forms: Record = serde_json::from_str(
            r#"{"record_id":"r","create_time":1,"title":"t","url":"u","forms":null}"#,
        )
        .unwrap();
        assert!(no_forms.forms.is_empty() && no_forms.extra.is_empty());
        let missing = serde_json::from_str::<Record>(r#"{"create_time":1,"title":"t","url":"u"}"#);
        assert!(missing.unwrap_err().to_string().contains("record_id"));
    }

    #[test]
    fn body_uses_dingtalk_field_names() {
        let r = NewRecord {
            pc_url: Some("https://pc".into()),
            pc_open_type: Some(2),
            biz_id: Some("b1".into()),
            forms: vec![FormItem {
                title: "k".into(),
                content: "v".into(),
            }],
            ..record()
        };
        let body = serde_json::to_value(r.body(1_700_000_000_000)).unwrap();
        assert_eq!(body["create_time"], 1_700_000_000_000_i64);
        assert_eq!(body["pcUrl"], "https://pc");
        assert_eq!(body["formItemList"][0]["title"], "k");
        assert_eq!(body["formItemList"][0]["content"], "v");
        assert_eq!(body["biz_id"], "b1");
        assert!(body.get("pc_url").is_none());
        assert!(body.get("source_name").is_none());
        assert!(now_ms() > MIN_CREATE_TIME_MS);
    }
}
