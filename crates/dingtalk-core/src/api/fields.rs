//! Readers of the JSON a caller's array became, shared by every API that takes one (to-dos,
//! messages): each takes the value and its name for errors (`task[subject]`,
//! `message[text][content]`) and says in the error what was expected and what was given.

use serde_json::Value;

use crate::error::{Error, Result};

/// The JSON type name of a value, for error messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        // Both are PHP arrays; "list" tells the caller which kind was wrong.
        Value::Array(_) => "list",
        Value::Object(_) => "array",
    }
}

/// The entries of a JSON object. An empty list counts as an empty object: that is how an
/// empty PHP array (`[]`) arrives. `None` for anything else.
pub(crate) fn object_entries(value: &Value) -> Option<Vec<(&String, &Value)>> {
    match value {
        Value::Object(map) => Some(map.iter().collect()),
        Value::Array(list) if list.is_empty() => Some(Vec::new()),
        _ => None,
    }
}

pub(crate) fn wrong_type(name: &str, expected: &str, value: &Value) -> Error {
    Error::invalid(
        name,
        format!("must be {expected}, {} given", type_name(value)),
    )
}

/// A string.
pub(crate) fn string(name: &str, value: &Value) -> Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| wrong_type(name, "a string", value))
}

/// A string that must not be empty (an id).
pub(crate) fn id(name: &str, value: &Value) -> Result<String> {
    let id = string(name, value)?;
    crate::validate::require(name, &id)?;
    Ok(id)
}

/// A string of 1..=`max` characters (or 0..=`max` when `may_be_empty`).
pub(crate) fn text(name: &str, value: &Value, max: usize, may_be_empty: bool) -> Result<String> {
    let text = string(name, value)?;
    if !may_be_empty {
        crate::validate::require(name, &text)?;
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(Error::invalid(
            name,
            format!("must be at most {max} characters, {chars} given"),
        ));
    }
    Ok(text)
}

/// A string of at most `max` bytes.
pub(crate) fn bytes_at_most(name: &str, value: &Value, max: usize) -> Result<String> {
    let text = string(name, value)?;
    if text.len() > max {
        return Err(Error::invalid(
            name,
            format!("must be at most {max} bytes, {} given", text.len()),
        ));
    }
    Ok(text)
}

/// A bool.
pub(crate) fn boolean(name: &str, value: &Value) -> Result<bool> {
    value
        .as_bool()
        .ok_or_else(|| wrong_type(name, "a bool", value))
}

/// The error for a key that is not one of `known`.
pub(crate) fn unknown_key(name: &str, key: &str, known: &[&str]) -> Error {
    Error::invalid(
        name,
        format!("has an unknown key \"{key}\" (known: {})", known.join(", ")),
    )
}

/// The entries of a caller's JSON object (an error naming `name` for anything else), each key
/// one of `known`; `null` values, which mean "not given", are left out.
pub(crate) fn entries<'v>(
    name: &str,
    value: &'v Value,
    known: &[&str],
) -> Result<Vec<(&'v str, &'v Value)>> {
    let entries = object_entries(value)
        .ok_or_else(|| wrong_type(name, "an array keyed by field name", value))?;
    let mut out = Vec::with_capacity(entries.len());
    for (key, item) in entries {
        if !known.contains(&key.as_str()) {
            return Err(unknown_key(name, key, known));
        }
        if !item.is_null() {
            out.push((key.as_str(), item));
        }
    }
    Ok(out)
}
