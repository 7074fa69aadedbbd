//! `WorkRecord::create()` arguments → the core's `NewRecord`: the shapes PHP callers use for
//! forms, and the option keys, checked with errors that name the argument.

use dingtalk_core::{FormItem, NewRecord};
use ext_php_rs::exception::PhpException;
use ext_php_rs::zend::ce;

use crate::args::{Key, PhpArray, PhpValue};
use crate::exceptions::{to_php, type_error};

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

fn value_error(message: String) -> PhpException {
    PhpException::new(
        format!("{METHOD}(): Argument {message}"),
        0,
        ce::value_error(),
    )
}

/// A form value must be a string: DingTalk shows text, and silently converting a number or a
/// bool would hide a caller's mistake.
fn form_text(value: &PhpValue, name: &str) -> Result<String, PhpException> {
    match value {
        PhpValue::Str(bytes) => String::from_utf8(bytes.clone())
            .map_err(|_| value_error(format!("${name} must be valid UTF-8"))),
        other => Err(value_error(format!(
            "${name} must be a string, {} given",
            other.type_name()
        ))),
    }
}

/// `$forms`: a list of `['title' => ..., 'content' => ...]`, or a map `title => content`.
pub fn forms(array: &PhpArray) -> Result<Vec<FormItem>, PhpException> {
    if !array.is_list() {
        // A map title => content. PHP turns a numeric title such as '2024' into an int key:
        // it is still a title.
        return array
            .0
            .iter()
            .map(|(key, value)| {
                let title = key.text("forms").map_err(|e| to_php(e, METHOD))?;
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
                return Err(value_error(format!(
                    "$forms must be a list of ['title' => ..., 'content' => ...] or a map of title => content; item {index} is a {}",
                    item.type_name()
                )));
            };
            let field = |name: &str| {
                fields
                    .0
                    .iter()
                    .find(|(k, _)| *k == Key::Str(name.to_owned()))
                    .map(|(_, v)| form_text(v, &format!("forms[{index}][{name}]")))
                    .unwrap_or_else(|| {
                        Err(value_error(format!("$forms[{index}] has no \"{name}\"")))
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
pub fn apply_options(record: &mut NewRecord, options: &PhpArray) -> Result<(), PhpException> {
    for (key, value) in &options.0 {
        key.text("options").map_err(|e| to_php(e, METHOD))?;
        let key = match key {
            Key::Str(key) if CREATE_OPTIONS.contains(&key.as_str()) => key.as_str(),
            other => {
                return Err(value_error(format!(
                    "$options has an unknown key \"{other}\" (known: {})",
                    CREATE_OPTIONS.join(", ")
                )))
            }
        };
        let name = format!("options[{key}]");
        if *value == PhpValue::Null {
            continue;
        }
        match key {
            "pc_open_type" | "create_time" => {
                let PhpValue::Int(number) = value else {
                    return Err(type_error(METHOD, &name, "int", value.type_name()));
                };
                if key == "pc_open_type" {
                    record.pc_open_type = Some(*number);
                } else {
                    record.create_time = Some(*number);
                }
            }
            _ => {
                let PhpValue::Str(bytes) = value else {
                    return Err(type_error(METHOD, &name, "string", value.type_name()));
                };
                let text = String::from_utf8(bytes.clone())
                    .map_err(|_| to_php(crate::args::invalid_utf8(&name), METHOD))?;
                let slot = match key {
                    "pc_url" => &mut record.pc_url,
                    "source_name" => &mut record.source_name,
                    "originator_user_id" => &mut record.originator_user_id,
                    _ => &mut record.biz_id,
                };
                *slot = Some(text);
            }
        }
    }
    Ok(())
}
