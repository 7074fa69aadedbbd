//! An option of one of the core's builders (`Options`, `StreamOptions`, `Batch`) as PHP sets it:
//! how its value is read and the core's setter that checks and stores it. Each options array of
//! the API is a table of these, `[(name, Setter)]`: the keys it knows, and what each one sets.

use dingtalk_core::Result as CoreResult;
use ext_php_rs::exception::PhpResult;

use crate::exceptions::OrThrow;
use crate::php::value::{PhpArray, PhpValue};

/// How an option's value is read (from a PHP value by [`Setter::set`]; from the text of a
/// `dingtalk.*` ini entry by the client's `ini` module), and the core's setter of options `T`
/// that checks and stores it.
pub enum Setter<T> {
    /// A string.
    Text(fn(T, &str) -> CoreResult<T>),
    /// Seconds, an int or a float.
    Seconds(fn(T, f64) -> CoreResult<T>),
    /// A number, an int or a float.
    Number(fn(T, f64) -> CoreResult<T>),
    /// An int.
    Int(fn(T, i64) -> CoreResult<T>),
    /// A number of bytes: an int, which an ini entry may also write as PHP's quantities do
    /// (`4M`, like `memory_limit`).
    Bytes(fn(T, i64) -> CoreResult<T>),
}

// Not derived: a derive would ask `T: Clone`, which the builders need not be.
impl<T> Clone for Setter<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Setter<T> {}

impl<T> Setter<T> {
    /// `options` with the option set from `value`, the entry `name` (`options[timeout]`) of an
    /// options array: a `TypeError` for a value of another type, the core's `ValueError` for one
    /// it refuses.
    pub fn set(self, options: T, name: &str, value: &PhpValue) -> PhpResult<T> {
        match self {
            Setter::Text(set) => set(options, value.string(name)?),
            Setter::Seconds(set) | Setter::Number(set) => set(options, value.float(name)?),
            Setter::Int(set) | Setter::Bytes(set) => set(options, value.int(name)?),
        }
        .or_throw()
    }
}

/// `options` with each entry of the options array `array` set by its setter in `table`, in the
/// array's order (`null` means "not given"). The keys in `extra`, which the method reads itself,
/// are handed to `other`; any other key is a `ValueError`.
pub fn read<T>(
    table: &[(&'static str, Setter<T>)],
    mut options: T,
    array: &PhpArray,
    extra: &[&'static str],
    mut other: impl FnMut(&'static str, &PhpValue) -> PhpResult<()>,
) -> PhpResult<T> {
    let known: Vec<&'static str> = table
        .iter()
        .map(|(name, _)| *name)
        .chain(extra.iter().copied())
        .collect();
    for (key, value) in array.options(&known)? {
        match table.iter().find(|(name, _)| *name == key) {
            Some((_, setter)) => {
                options = setter.set(options, &format!("options[{key}]"), value)?
            }
            None => other(key, value)?,
        }
    }
    Ok(options)
}
