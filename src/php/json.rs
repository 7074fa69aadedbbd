//! PHP values ↔ JSON: request bodies go out as JSON, answers come back as PHP arrays.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::{ZendHashTable, Zval};
use serde_json::{Map, Number, Value};

use crate::php::arg_error::ArgError;
use crate::php::memory::{self, TooLarge};
use crate::php::value::{finite, Key, PhpArray, PhpValue};

/// A PHP array as JSON: a list becomes a JSON array, anything else an object. `name` is the
/// argument's name for errors (`body[items][0]`).
pub fn array_to_json(array: &PhpArray, name: &str) -> Result<Value, ArgError> {
    let child = |key: &Key| format!("{name}[{key}]");
    // As json_encode(): an empty array is a list ([`object_to_json`] makes it an object).
    if array.is_list() {
        let items = array.0.iter().map(|(k, v)| value_to_json(v, &child(k)));
        return items.collect::<Result<Vec<_>, _>>().map(Value::Array);
    }
    let mut map = Map::new();
    for (key, value) in &array.0 {
        map.insert(key.text(name)?, value_to_json(value, &child(key))?);
    }
    Ok(Value::Object(map))
}

/// A PHP array that holds an object (a request body, a task) as JSON: as [`array_to_json`], but
/// an empty array is `{}` (an object unless it is a list with items).
pub fn object_to_json(array: &PhpArray, name: &str) -> Result<Value, ArgError> {
    match array_to_json(array, name)? {
        Value::Array(items) if items.is_empty() => Ok(Value::Object(Map::new())),
        other => Ok(other),
    }
}

fn value_to_json(value: &PhpValue, name: &str) -> Result<Value, ArgError> {
    Ok(match value {
        PhpValue::Null => Value::Null,
        PhpValue::Bool(b) => Value::Bool(*b),
        PhpValue::Int(i) => Value::from(*i),
        PhpValue::Float(f) => {
            // Finite numbers always make a JSON number.
            Number::from_f64(finite(*f, name)?).map_or(Value::Null, Value::Number)
        }
        PhpValue::Str(_) => Value::String(value.string(name)?.to_owned()),
        PhpValue::Array(array) => array_to_json(array, name)?,
        // DingTalk's unit of time, in both API families.
        PhpValue::Time(ms) => Value::from(*ms),
        PhpValue::Other(type_name) => {
            return Err(ArgError::value(
                name,
                format!(
                    "must be null, bool, int, float, string, array or DateTimeInterface, {type_name} given"
                ),
            ))
        }
    })
}

/// A new PHP array with room for `capacity` elements. Only for sizes that
/// [`memory::reserve`] accepted: pre-sizing is one allocation of the whole table.
pub fn new_array(capacity: usize) -> ZBox<ZendHashTable> {
    ZendHashTable::with_capacity(u32::try_from(capacity).unwrap_or(u32::MAX))
}

/// Bytes of PHP memory [`json_to_zval`] takes at most for `value` (see [`memory`]).
pub fn php_bytes(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.iter().fold(memory::list(items.len()), |sum, item| {
            sum.saturating_add(php_bytes(item))
        }),
        Value::Object(map) => map.iter().fold(memory::map(map.len()), |sum, (key, item)| {
            sum.saturating_add(memory::string(key.len()))
                .saturating_add(php_bytes(item))
        }),
        Value::String(s) => memory::string(s.len()),
        // Held in the slot of the array that holds them.
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// A decoded answer as a PHP array, as `json_decode($json, true)` makes it; [`TooLarge`] when it
/// would not fit under `memory_limit`.
pub fn answer_array(answer: &Value) -> Result<ZBox<ZendHashTable>, TooLarge> {
    memory::reserve(php_bytes(answer).saturating_add(memory::list(1)))?;
    Ok(json_array(answer))
}

/// A JSON array or object as a PHP array, as `json_decode($json, true)` makes it. A scalar (only
/// `Client::request()` can meet one: DingTalk's answers are objects) becomes a one-element list,
/// so that the method's `array` return type holds.
fn json_array(value: &Value) -> ZBox<ZendHashTable> {
    match value {
        Value::Array(items) => {
            let mut array = new_array(items.len());
            for item in items {
                // Pushing onto a fresh array fails only past the engine's size limit.
                let _ = array.push(json_to_zval(item));
            }
            array
        }
        Value::Object(map) => {
            let mut array = new_array(map.len());
            for (key, item) in map {
                let _ = array.insert(key.as_str(), json_to_zval(item));
            }
            array
        }
        scalar => {
            let mut array = new_array(1);
            let _ = array.push(json_to_zval(scalar));
            array
        }
    }
}

/// A JSON value as a PHP value: objects become associative arrays, as `json_decode(..., true)`.
/// Only for values [`memory::reserve`] made room for ([`php_bytes`]).
pub fn json_to_zval(value: &Value) -> Zval {
    let mut zval = Zval::new();
    match value {
        Value::Null => zval.set_null(),
        Value::Bool(b) => zval.set_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => zval.set_long(i),
            None => zval.set_double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => {
            if zval.set_string(s, false).is_err() {
                zval.set_null();
            }
        }
        Value::Array(_) | Value::Object(_) => zval.set_hashtable(json_array(value)),
    }
    zval
}
