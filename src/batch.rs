//! What the bulk calls (`WorkRecord::createMany`, `Todo::createMany`) share: their `$options`,
//! the reading of their items and the shape of their results.

use dingtalk_core::{Batch, Error};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::types::ZendHashTable;

use crate::exceptions::error_object;
use crate::php::arg_error::ArgError;
use crate::php::json::new_array;
use crate::php::memory;
use crate::php::value::{Key, PhpArray, PhpValue};
use crate::setter::{self, Setter};

/// The options every bulk call takes.
const BATCH_OPTIONS: [(&str, Setter<Batch>); 2] = [
    ("concurrency", Setter::Int(Batch::concurrency)),
    ("timeout", Setter::Seconds(Batch::timeout)),
];

/// The `Batch` of `$options`; `extra` lists the method's other option keys, which `other`
/// receives.
pub fn options(
    array: &PhpArray,
    extra: &[&'static str],
    other: impl FnMut(&'static str, &PhpValue) -> PhpResult<()>,
) -> PhpResult<Batch> {
    setter::read(&BATCH_OPTIONS, Batch::default(), array, extra, other)
}

/// The items of the array argument `name` (`records`), each read by `item` with its name
/// (`records[3]`), and their keys. Each must be an array: a `TypeError` names the first that is
/// not, before any is read.
pub fn items<'a, T, E>(
    array: &'a PhpArray,
    name: &str,
    mut item: impl FnMut(&PhpArray, &str) -> Result<T, E>,
) -> PhpResult<(Vec<&'a Key>, Vec<T>)>
where
    PhpException: From<E>,
{
    let arrays = array
        .0
        .iter()
        .map(|(key, value)| {
            // Results come back under the same keys: they must be text PHP can hold as is.
            key.text(name)?;
            match value {
                PhpValue::Array(fields) => Ok((key, fields)),
                other => Err(ArgError::of_type(
                    format!("{name}[{key}]"),
                    "array",
                    other.type_name(),
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut keys = Vec::with_capacity(arrays.len());
    let mut read = Vec::with_capacity(arrays.len());
    for (key, fields) in arrays {
        read.push(item(fields, &format!("{name}[{key}]"))?);
        keys.push(key);
    }
    Ok((keys, read))
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
