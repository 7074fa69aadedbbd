//! Work records → PHP arrays, built directly from the typed records (no JSON tree in between:
//! listing is the hot path of apps that show to-do lists).

use dingtalk_core::{FormItem, Record, RecordPage};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};

fn table(capacity: usize) -> ZBox<ZendHashTable> {
    ZendHashTable::with_capacity(u32::try_from(capacity).unwrap_or(u32::MAX))
}

/// Inserts into a fresh array: that fails only for a key with a NUL byte or past the engine's
/// size limit, neither possible with the fixed keys used here.
fn put(array: &mut ZendHashTable, key: &str, value: impl IntoZval) {
    let _ = array.insert(key, value);
}

fn form_array(form: &FormItem) -> ZBox<ZendHashTable> {
    let mut array = table(2);
    put(&mut array, "title", form.title.as_str());
    put(&mut array, "content", form.content.as_str());
    array
}

/// `['record_id', 'create_time', 'title', 'url', 'forms' => [['title', 'content'], ...]]`.
pub fn record_array(record: &Record) -> ZBox<ZendHashTable> {
    let mut forms = table(record.forms.len());
    for form in &record.forms {
        let _ = forms.push(form_array(form));
    }
    let mut array = table(5 + record.extra.len());
    put(&mut array, "record_id", record.record_id.as_str());
    put(&mut array, "create_time", record.create_time);
    put(&mut array, "title", record.title.as_str());
    put(&mut array, "url", record.url.as_str());
    put(&mut array, "forms", forms);
    for (name, value) in &record.extra {
        put(&mut array, name, crate::json::json_to_zval(value));
    }
    array
}

fn list_array(records: &[Record]) -> ZBox<ZendHashTable> {
    let mut list = table(records.len());
    for record in records {
        let _ = list.push(record_array(record));
    }
    list
}

/// A method's array return value.
pub struct PhpArrayOut(pub ZBox<ZendHashTable>);

impl IntoZval for PhpArrayOut {
    const TYPE: DataType = DataType::Array;
    const NULLABLE: bool = false;

    fn set_zval(self, zv: &mut Zval, _persistent: bool) -> ext_php_rs::error::Result<()> {
        zv.set_hashtable(self.0);
        Ok(())
    }
}

/// `['has_more' => bool, 'records' => list]`.
pub fn page_array(page: &RecordPage) -> PhpArrayOut {
    let mut array = table(2);
    put(&mut array, "has_more", page.has_more);
    put(&mut array, "records", list_array(&page.records));
    PhpArrayOut(array)
}

/// A list of records.
pub fn records_array(records: &[Record]) -> PhpArrayOut {
    PhpArrayOut(list_array(records))
}
