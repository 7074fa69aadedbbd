//! Work records → PHP arrays, built directly from the typed records (no JSON tree in between:
//! listing is the hot path of apps that show to-do lists).

use dingtalk_core::{FormItem, Record, RecordPage};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::ZendHashTable;

use crate::php::json::{json_to_zval, new_array, php_bytes};
use crate::php::memory::{self, reserve};

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

/// Bytes of PHP memory [`record_array`] takes at most (see [`memory`]): the record's own
/// strings and keys, its forms and whatever else the server sent with it.
fn record_bytes(record: &Record) -> usize {
    let key = || memory::string(16);
    let fixed = memory::map(5 + record.extra.len())
        .saturating_add(5 * key())
        .saturating_add(memory::string(record.record_id.len()))
        .saturating_add(memory::string(record.title.len()))
        .saturating_add(memory::string(record.url.len()))
        .saturating_add(memory::list(record.forms.len()));
    let forms = record.forms.iter().fold(fixed, |sum, form| {
        sum.saturating_add(memory::map(2))
            .saturating_add(2 * key())
            .saturating_add(memory::string(form.title.len()))
            .saturating_add(memory::string(form.content.len()))
    });
    record.extra.iter().fold(forms, |sum, (name, value)| {
        sum.saturating_add(memory::string(name.len()))
            .saturating_add(php_bytes(value))
    })
}

fn records_bytes(records: &[Record]) -> usize {
    records
        .iter()
        .fold(memory::list(records.len()), |sum, record| {
            sum.saturating_add(record_bytes(record))
        })
}

/// `['record_id', 'create_time', 'title', 'url', 'forms' => [['title', 'content'], ...]]`.
/// Only for records [`reserve`] made room for.
fn record_array(record: &Record) -> ZBox<ZendHashTable> {
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

fn list_of(records: &[Record]) -> ZBox<ZendHashTable> {
    let mut list = new_array(records.len());
    for record in records {
        let _ = list.push(record_array(record));
    }
    list
}

/// One record; a `TransportException` when it would not fit under `memory_limit`.
pub fn one_record(record: &Record) -> PhpResult<ZBox<ZendHashTable>> {
    reserve(record_bytes(record))?;
    Ok(record_array(record))
}

/// A list of records; a `TransportException` when it would not fit under `memory_limit`.
pub fn records_array(records: &[Record]) -> PhpResult<ZBox<ZendHashTable>> {
    reserve(records_bytes(records))?;
    Ok(list_of(records))
}

/// `['has_more' => bool, 'records' => list]`; a `TransportException` when it would not fit
/// under `memory_limit`.
pub fn page_array(page: &RecordPage) -> PhpResult<ZBox<ZendHashTable>> {
    reserve(memory::map(2).saturating_add(records_bytes(&page.records)))?;
    let mut array = new_array(2);
    put(&mut array, "has_more", page.has_more);
    put(&mut array, "records", list_of(&page.records));
    Ok(array)
}
