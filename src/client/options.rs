//! `DingTalk\Client` options → the core's `Options`. One table names every option and how it is
//! set, so the list of known keys, the dispatch and the `dingtalk.*` ini entries (one per
//! option: see [`super::ini`]) cannot disagree. An option comes from the constructor's array,
//! else from its ini entry, else the core's default. Unknown keys are a `ValueError`, wrong
//! types a `TypeError`; the values themselves are checked by the core.

use dingtalk_core::{Options, Result as CoreResult};
use ext_php_rs::exception::PhpResult;

use super::ini;
use crate::exceptions::{type_error, OrThrow};
use crate::php::args::{PhpArray, PhpValue};

const METHOD: &str = "DingTalk\\Client::__construct";

/// How an option's value is read (from PHP, from its ini text), and the core's setter that
/// checks and stores it.
#[derive(Clone, Copy)]
pub enum Setter {
    /// A string.
    Text(fn(Options, &str) -> CoreResult<Options>),
    /// Seconds, an int or a float.
    Seconds(fn(Options, f64) -> CoreResult<Options>),
    /// An int.
    Int(fn(Options, i64) -> CoreResult<Options>),
    /// A number of bytes: an int, which an ini entry may also write as PHP's quantities do
    /// (`4M`, like `memory_limit`).
    Bytes(fn(Options, i64) -> CoreResult<Options>),
    /// A number, an int or a float.
    Number(fn(Options, f64) -> CoreResult<Options>),
}

/// Every option the client knows, in the order the README lists them.
pub const OPTIONS: [(&str, Setter); 12] = [
    ("base_url", Setter::Text(Options::base_url)),
    ("api_base_url", Setter::Text(Options::api_base_url)),
    ("timeout", Setter::Seconds(Options::timeout)),
    ("connect_timeout", Setter::Seconds(Options::connect_timeout)),
    ("retries", Setter::Int(Options::retries)),
    ("token_margin", Setter::Seconds(Options::token_margin)),
    ("ca_file", Setter::Text(Options::ca_file)),
    ("proxy", Setter::Text(Options::proxy)),
    ("user_agent", Setter::Text(Options::user_agent)),
    ("max_answer_bytes", Setter::Bytes(Options::max_answer_bytes)),
    ("token_store", Setter::Text(Options::token_store)),
    ("rate_limit", Setter::Number(Options::rate_limit)),
];

/// Seconds, or any number: an int or a float.
fn number(name: &str, value: &PhpValue) -> PhpResult<f64> {
    match value {
        PhpValue::Float(f) => Ok(*f),
        // Whole seconds are fine as ints; the precision lost above 2^53 s does not matter.
        #[allow(clippy::cast_precision_loss)]
        PhpValue::Int(i) => Ok(*i as f64),
        other => Err(type_error(METHOD, name, "float", other.type_name())),
    }
}

/// Sets option `key` from the constructor's array.
fn from_php(options: Options, key: &str, setter: Setter, value: &PhpValue) -> PhpResult<Options> {
    let name = format!("options[{key}]");
    match setter {
        Setter::Text(set) => set(options, value.text(&name, METHOD)?),
        Setter::Seconds(set) | Setter::Number(set) => set(options, number(&name, value)?),
        Setter::Int(set) | Setter::Bytes(set) => set(options, value.int(&name, METHOD)?),
    }
    .php(METHOD)
}

/// Builds the options: those of the array (`null` for a key means "not given"), then the ini
/// entries of the others.
pub fn parse(array: &PhpArray) -> PhpResult<Options> {
    let names = OPTIONS.map(|(name, _)| name);
    let given = array.options(&names, METHOD)?;
    let mut options = Options::default();
    for (key, value) in &given {
        let Some((_, setter)) = OPTIONS.iter().find(|(name, _)| name == key) else {
            continue; // `options()` only returns known keys
        };
        options = from_php(options, key, *setter, value)?;
    }
    let settings = crate::php::ini::settings(ini::entries().iter().map(String::as_str));
    for ((key, setter), setting) in OPTIONS.iter().zip(settings) {
        if given.iter().any(|(name, _)| name == key) {
            continue; // the constructor wins
        }
        if let Some(setting) = setting {
            options = ini::apply(options, key, *setter, &setting.local).php(METHOD)?;
        }
    }
    Ok(options)
}
