//! `DingTalk\Client` options array → the core's `Options`. One table names every option and how
//! it is set, so the list of known keys and the dispatch cannot disagree. Unknown keys are a
//! `ValueError`, wrong types a `TypeError`; the values themselves are checked by the core.

use dingtalk_core::{Options, Result as CoreResult};
use ext_php_rs::exception::PhpResult;

use crate::exceptions::{type_error, OrThrow};
use crate::php::args::{PhpArray, PhpValue};

const METHOD: &str = "DingTalk\\Client::__construct";

/// How an option's value is read from PHP, and the core's setter that checks and stores it.
#[derive(Clone, Copy)]
enum Setter {
    /// A string.
    Text(fn(Options, &str) -> CoreResult<Options>),
    /// Seconds, an int or a float.
    Seconds(fn(Options, f64) -> CoreResult<Options>),
    /// An int.
    Int(fn(Options, i64) -> CoreResult<Options>),
    /// A number, an int or a float.
    Number(fn(Options, f64) -> CoreResult<Options>),
}

/// Every option the client knows, in the order the README lists them.
const OPTIONS: [(&str, Setter); 12] = [
    ("base_url", Setter::Text(Options::base_url)),
    ("api_base_url", Setter::Text(Options::api_base_url)),
    ("timeout", Setter::Seconds(Options::timeout)),
    ("connect_timeout", Setter::Seconds(Options::connect_timeout)),
    ("retries", Setter::Int(Options::retries)),
    ("token_margin", Setter::Seconds(Options::token_margin)),
    ("ca_file", Setter::Text(Options::ca_file)),
    ("proxy", Setter::Text(Options::proxy)),
    ("user_agent", Setter::Text(Options::user_agent)),
    ("max_answer_bytes", Setter::Int(Options::max_answer_bytes)),
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

/// Builds the options; `null` for a key means its default.
pub fn parse(array: &PhpArray) -> PhpResult<Options> {
    let names = OPTIONS.map(|(name, _)| name);
    let mut options = Options::default();
    for (key, value) in array.options(&names, METHOD)? {
        let Some((_, setter)) = OPTIONS.iter().find(|(name, _)| *name == key) else {
            continue; // `options()` only returns known keys
        };
        let name = format!("options[{key}]");
        options = match *setter {
            Setter::Text(set) => set(options, value.text(&name, METHOD)?),
            Setter::Seconds(set) | Setter::Number(set) => set(options, number(&name, value)?),
            Setter::Int(set) => set(options, value.int(&name, METHOD)?),
        }
        .php(METHOD)?;
    }
    Ok(options)
}
