//! `WorkRecord::create()` and `createMany()` arguments → the core's `NewRecord`: the shapes PHP
//! callers use for forms, and the option keys, checked with errors that name the argument.

use dingtalk_core::{FormItem, NewRecord};

use crate::php::arg_error::ArgError;
use crate::php::value::{Key, PhpArray, PhpValue};

/// The keys of a `createMany()` item besides `create()`'s options.
const ITEM_FIELDS: [&str; 4] = ["user_id", "title", "url", "forms"];
/// Those an item must have.
const REQUIRED_FIELDS: [&str; 3] = ["user_id", "title", "url"];

/// Every key of `create()`'s `$options`.
pub const CREATE_OPTIONS: [&str; 6] = [
    "pc_url",
    "pc_open_type",
    "source_name",
    "originator_user_id",
    "biz_id",
    "create_time",
];

/// A form value must be a string: DingTalk shows text, and silently converting a number or a
/// bool would hide a caller's mistake.
/// (A `ValueError`, not a `TypeError`: the array itself is of the declared type.)
fn form_text(value: &PhpValue, name: &str) -> Result<String, ArgError> {
    match value {
        PhpValue::Str(_) => value.string(name).map(str::to_owned),
        other => Err(ArgError::value(
            name,
            format!("must be a string, {} given", other.type_name()),
        )),
    }
}

const FORMS_SHAPE: &str =
    "must be a list of ['title' => ..., 'content' => ...] or a map of title => content";

/// The forms of argument `name` (`forms`, `records[3][forms]`): a list of
/// `['title' => ..., 'content' => ...]`, or a map `title => content`.
pub fn forms(array: &PhpArray, name: &str) -> Result<Vec<FormItem>, ArgError> {
    if !array.is_list() {
        // A map title => content. PHP turns a numeric title such as '2024' into an int key:
        // it is still a title.
        return array
            .0
            .iter()
            .map(|(key, value)| {
                let title = key.text(name)?;
                let content = form_text(value, &format!("{name}[{title}]"))?;
                Ok(FormItem { title, content })
            })
            .collect();
    }
    array
        .0
        .iter()
        .map(|(index, item)| {
            let PhpValue::Array(fields) = item else {
                let reason = format!("{FORMS_SHAPE}; item {index} is a {}", item.type_name());
                return Err(ArgError::value(name, reason));
            };
            let field = |field: &str| {
                fields
                    .0
                    .iter()
                    .find(|(k, _)| matches!(k, Key::Str(s) if s == field))
                    .map(|(_, v)| form_text(v, &format!("{name}[{index}][{field}]")))
                    .unwrap_or_else(|| {
                        let reason = format!("has no \"{field}\"");
                        Err(ArgError::value(format!("{name}[{index}]"), reason))
                    })
            };
            Ok(FormItem {
                title: field("title")?,
                content: field("content")?,
            })
        })
        .collect()
}

/// Applies `$options` to `record`.
pub fn apply_options(record: &mut NewRecord, options: &PhpArray) -> Result<(), ArgError> {
    for (key, value) in options.options(&CREATE_OPTIONS)? {
        set(record, key, value, &format!("options[{key}]"))?;
    }
    Ok(())
}

/// Sets field `key` (one of [`ITEM_FIELDS`] or [`CREATE_OPTIONS`]) of `record` from `value`,
/// named `name` in errors.
fn set(record: &mut NewRecord, key: &str, value: &PhpValue, name: &str) -> Result<(), ArgError> {
    let text = || value.string(name).map(str::to_owned);
    match key {
        "user_id" => record.user_id = text()?,
        "title" => record.title = text()?,
        "url" => record.url = text()?,
        "forms" => {
            let PhpValue::Array(items) = value else {
                return Err(ArgError::of_type(name, "array", value.type_name()));
            };
            record.forms = forms(items, name)?;
        }
        "pc_open_type" => record.pc_open_type = Some(value.int(name)?),
        "create_time" => record.create_time = Some(value.int(name)?),
        "pc_url" => record.pc_url = Some(text()?),
        "source_name" => record.source_name = Some(text()?),
        "originator_user_id" => record.originator_user_id = Some(text()?),
        _ => record.biz_id = Some(text()?),
    }
    Ok(())
}

/// One item of `createMany()`'s `$records`, named `item` (`records[3]`): `user_id`, `title`,
/// `url`, `forms` and any of `create()`'s options. The values' types are checked here, their
/// limits by the core.
pub fn record(item: &PhpArray, name: &str) -> Result<NewRecord, ArgError> {
    let known: Vec<&'static str> = ITEM_FIELDS.iter().chain(&CREATE_OPTIONS).copied().collect();
    let mut record = NewRecord::default();
    let mut given = Vec::new();
    for (key, value) in &item.0 {
        let field = key.one_of(&known, name)?;
        // null means "not given", as in create()'s options.
        if *value != PhpValue::Null {
            set(&mut record, field, value, &format!("{name}[{field}]"))?;
            given.push(field);
        }
    }
    if let Some(missing) = REQUIRED_FIELDS.iter().find(|f| !given.contains(f)) {
        return Err(ArgError::value(format!("{name}[{missing}]"), "is required"));
    }
    Ok(record)
}
