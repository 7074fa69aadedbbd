//! `WorkRecord::create()` arguments → the core's `NewRecord`: the shapes PHP callers use for
//! forms, and the option keys, checked with errors that name the argument.

use dingtalk_core::{FormItem, NewRecord};
use ext_php_rs::exception::PhpResult;

use crate::exceptions::{ArgError, OrThrow};
use crate::php::args::{Key, PhpArray, PhpValue};

const METHOD: &str = "DingTalk\\WorkRecord::create";

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

/// `$forms`: a list of `['title' => ..., 'content' => ...]`, or a map `title => content`.
pub fn forms(array: &PhpArray) -> PhpResult<Vec<FormItem>> {
    form_items(array).php(METHOD)
}

fn form_items(array: &PhpArray) -> Result<Vec<FormItem>, ArgError> {
    if !array.is_list() {
        // A map title => content. PHP turns a numeric title such as '2024' into an int key:
        // it is still a title.
        return array
            .0
            .iter()
            .map(|(key, value)| {
                let title = key.text("forms")?;
                let content = form_text(value, &format!("forms[{title}]"))?;
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
                return Err(ArgError::value("forms", reason));
            };
            let field = |name: &str| {
                fields
                    .0
                    .iter()
                    .find(|(k, _)| *k == Key::Str(name.to_owned()))
                    .map(|(_, v)| form_text(v, &format!("forms[{index}][{name}]")))
                    .unwrap_or_else(|| {
                        let reason = format!("has no \"{name}\"");
                        Err(ArgError::value(format!("forms[{index}]"), reason))
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
pub fn apply_options(record: &mut NewRecord, options: &PhpArray) -> PhpResult<()> {
    for (key, value) in options.options(&CREATE_OPTIONS, METHOD)? {
        let name = format!("options[{key}]");
        let text = || value.text(&name, METHOD).map(|t| Some(t.to_owned()));
        match key {
            "pc_open_type" => record.pc_open_type = Some(value.int(&name, METHOD)?),
            "create_time" => record.create_time = Some(value.int(&name, METHOD)?),
            "pc_url" => record.pc_url = text()?,
            "source_name" => record.source_name = text()?,
            "originator_user_id" => record.originator_user_id = text()?,
            _ => record.biz_id = text()?,
        }
    }
    Ok(())
}
