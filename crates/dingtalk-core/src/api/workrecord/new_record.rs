//! A record to create: its fields, DingTalk's limits on them, and the body of
//! `workrecord/add`.

use serde::Serialize;

use super::record::FormItem;
use crate::error::{Error, Result};
use crate::validate::require;

/// Longest title DingTalk accepts, in characters.
pub const MAX_TITLE_CHARS: usize = 50;
/// Most form items per record.
pub const MAX_FORMS: usize = 20;
/// Below this, a `create_time` is surely seconds, not milliseconds (it would be before 1973).
const MIN_CREATE_TIME_MS: i64 = 100_000_000_000;

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

/// `workrecord/add`'s body, with DingTalk's field names; optional fields left out when unset.
#[derive(Serialize)]
pub(crate) struct AddBody<'a> {
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

/// How `create()` names a field in its errors: its own arguments, and `options[...]`.
fn create_argument(field: &str) -> String {
    match field {
        "user_id" => "userId".to_owned(),
        "title" | "url" | "forms" => field.to_owned(),
        option => format!("options[{option}]"),
    }
}

impl NewRecord {
    /// Checks every limit DingTalk sets, naming the argument at fault as `create()` takes
    /// it (`title`, `options[pc_open_type]`).
    pub fn validate(&self) -> Result<()> {
        self.check(&create_argument)
    }

    /// Checks every limit DingTalk sets, naming the field at fault inside `item`
    /// (`records[3]` gives `records[3][title]`, `records[3][pc_open_type]`).
    pub fn validate_as(&self, item: &str) -> Result<()> {
        self.check(&|field| format!("{item}[{field}]"))
    }

    /// The checks, with `name` turning a field (`user_id`, `pc_open_type`) into its name.
    fn check(&self, name: &dyn Fn(&str) -> String) -> Result<()> {
        require(&name("user_id"), &self.user_id)?;
        require(&name("title"), &self.title)?;
        require(&name("url"), &self.url)?;
        let chars = self.title.chars().count();
        if chars > MAX_TITLE_CHARS {
            return Err(Error::invalid(
                name("title"),
                format!("must be at most {MAX_TITLE_CHARS} characters, {chars} given"),
            ));
        }
        if self.forms.len() > MAX_FORMS {
            return Err(Error::invalid(
                name("forms"),
                format!(
                    "must hold at most {MAX_FORMS} items, {} given",
                    self.forms.len()
                ),
            ));
        }
        if let Some(i) = self.forms.iter().position(|f| f.title.is_empty()) {
            return Err(Error::invalid(
                name("forms"),
                format!("item {i} has an empty title"),
            ));
        }
        if let Some(kind) = self.pc_open_type.filter(|k| ![2, 4].contains(k)) {
            return Err(Error::invalid(
                name("pc_open_type"),
                format!("must be 2 (inside DingTalk) or 4 (browser), {kind} given"),
            ));
        }
        if let Some(ms) = self.create_time.filter(|ms| *ms < MIN_CREATE_TIME_MS) {
            return Err(Error::invalid(
                name("create_time"),
                format!("must be milliseconds since the epoch, {ms} given (seconds?)"),
            ));
        }
        for (field, value) in [
            ("pc_url", &self.pc_url),
            ("source_name", &self.source_name),
            ("originator_user_id", &self.originator_user_id),
            ("biz_id", &self.biz_id),
        ] {
            if let Some(value) = value {
                require(&name(field), value)?;
            }
        }
        Ok(())
    }

    /// The body of `workrecord/add`.
    pub(crate) fn body(&self, create_time: i64) -> AddBody<'_> {
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
        let in_batch = |r: &NewRecord| match r.validate_as("records[3]") {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        };
        assert_eq!(in_batch(&r2), "records[3][user_id]");
        assert_eq!(in_batch(&r3), "records[3][pc_open_type]");
        assert_eq!(in_batch(&r5), "records[3][forms]");
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
        assert!(crate::time::now_ms() > MIN_CREATE_TIME_MS);
    }
}
