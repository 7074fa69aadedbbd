//! Work records → PHP arrays, built directly from the typed records (no JSON tree in between:
//! listing is the hot path of apps that show to-do lists).

use dingtalk_core::{FormItem, Record, RecordPage};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::types::ZendHashTable;

use crate::json::{json_to_zval, new_array};

/// Inserts into a fresh array. That fails only past the engine's size limit, or for a key with
/// a NUL byte, which only an unknown field from DingTalk could have: such a field is dropped.
fn put(array: &mut ZendHashTable, key: &str, value: impl IntoZval) {
    let _ = array.insert(key, value);
}

fn form_array(form: &FormItem) -> ZBox<ZendHashTable> {
    let mut array = new_array(2);
    put(&mut array, "title", form.title.as_str());
    put(&mut array, "content", form.content.as_str());
    array
}

/// `['record_id', 'create_time', 'title', 'url', 'forms' => [['title', 'content'], ...]]`.
pub fn record_array(record: &Record) -> ZBox<ZendHashTable> {
    let mut forms = new_array(record.forms.len());
    for form in &record.forms {
        let _ = forms.push(form_array(form));
    }
    let mut array = new_array(5 + record.extra.len());
    put(&mut array, "record_id", record.record_id.as_str());
    put(&mut array, "create_time", record.create_time);
    put(&mut array, "title", record.title.as_str());
    put(&mut array, "url", record.url.as_str());
    put(&mut array, "forms", forms);
    for (name, value) in &record.extra {
        put(&mut array, name, json_to_zval(value));
    }
    array
}

/// A list of records.
pub fn records_array(records: &[Record]) -> ZBox<ZendHashTable> {
    let mut list = new_array(records.len());
    for record in records {
        let _ = list.push(record_array(record));
    }
    list
}

/// `['has_more' => bool, 'records' => list]`.
pub fn page_array(page: &RecordPage) -> ZBox<ZendHashTable> {
    let mut array = new_array(2);
    put(&mut array, "has_more", page.has_more);
    put(&mut array, "records", records_array(&page.records));
    array
}
