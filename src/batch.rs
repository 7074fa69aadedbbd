//! What the bulk calls (`WorkRecord::createMany`, `Todo::createMany`) share: their `$options`
//! and the shape of their results.

use dingtalk_core::{Batch, Error};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::ZendHashTable;

use crate::exceptions::{error_object, OrThrow};
use crate::php::arg_error::ArgError;
use crate::php::args::{Key, PhpArray, PhpValue};
use crate::php::json::new_array;
use crate::php::memory;

/// The options every bulk call takes.
pub const BATCH_OPTIONS: [&str; 2] = ["concurrency", "timeout"];

/// The `Batch` of `$options`; `extra` lists the method's other option keys, which `other`
/// receives.
pub fn options(
    array: &PhpArray,
    extra: &[&'static str],
    mut other: impl FnMut(&'static str, &PhpValue) -> PhpResult<()>,
) -> PhpResult<Batch> {
    let known: Vec<&'static str> = BATCH_OPTIONS.iter().chain(extra).copied().collect();
    let mut batch = Batch::default();
    for (key, value) in array.options(&known)? {
        let name = format!("options[{key}]");
        batch = match key {
            "concurrency" => batch.concurrency(value.int(&name)?).or_throw()?,
            "timeout" => batch.timeout(seconds(&name, value)?).or_throw()?,
            _ => {
                other(key, value)?;
                batch
            }
        };
    }
    Ok(batch)
}

fn seconds(name: &str, value: &PhpValue) -> PhpResult<f64> {
    match value {
        PhpValue::Float(f) => Ok(*f),
        // Whole seconds are fine as ints; the precision lost above 2^53 s does not matter.
        #[allow(clippy::cast_precision_loss)]
        PhpValue::Int(i) => Ok(*i as f64),
        other => Err(ArgError::of_type(name, "float", other.type_name()).into()),
    }
}

/// The items of the array argument `name` (`records`), each an array, with its key: a
/// `TypeError` naming the first that is not (`records[3]`).
pub fn items<'a>(array: &'a PhpArray, name: &str) -> PhpResult<Vec<(&'a Key, &'a PhpArray)>> {
    array
        .0
        .iter()
        .map(|(key, value)| {
            // Results come back under the same keys: they must be text PHP can hold as is.
            key.text(name).or_throw()?;
            match value {
                PhpValue::Array(item) => Ok((key, item)),
                other => Err(ArgError::of_type(
                    format!("{name}[{key}]"),
                    "array",
                    other.type_name(),
                ))
                .or_throw(),
            }
        })
        .collect()
}

/// Bytes one entry of the results takes at most, besides what a success adds to it: the entry,
/// its `ok`, an id or an exception object.
const ENTRY_BYTES: usize = 1024;

/// The results of a bulk call, under the keys of its items, in their order: `['ok' => true,
/// ...what `fill` adds]` or `['ok' => false, 'error' => DingTalk\Exception]`. `extra_bytes`:
/// what the values `fill` adds take, checked with the rest against `memory_limit` first.
pub fn results<T>(
    keys: &[&Key],
    results: Vec<Result<T, Error>>,
    extra_bytes: usize,
    mut fill: impl FnMut(&mut ZendHashTable, T) -> PhpResult<()>,
) -> PhpResult<ZBox<ZendHashTable>> {
    memory::reserve(
        memory::map(results.len())
            .saturating_add(results.len().saturating_mul(ENTRY_BYTES))
            .saturating_add(extra_bytes),
    )?;
    let mut array = new_array(results.len());
    for (key, result) in keys.iter().zip(results) {
        let mut entry = new_array(3);
        match result {
            Ok(value) => {
                entry.insert("ok", true)?;
                fill(&mut entry, value)?;
            }
            Err(error) => {
                entry.insert("ok", false)?;
                entry.insert("error", error_object(&error)?)?;
            }
        }
        match key {
            Key::Int(i) => array.insert_at_index(*i, entry)?,
            Key::Str(s) | Key::NonUtf8(s) => array.insert(s.as_str(), entry)?,
        }
    }
    Ok(array)
}
