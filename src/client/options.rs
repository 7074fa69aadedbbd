//! `DingTalk\Client` options → the core's `Options`. One table names every option and how it is
//! set, so the list of known keys, the dispatch and the `dingtalk.*` ini entries (one per
//! option: see [`super::ini`]) cannot disagree. An option comes from the constructor's array,
//! else from its ini entry, else the core's default. Unknown keys are a `ValueError`, wrong
//! types a `TypeError`; the values themselves are checked by the core.

use dingtalk_core::{Options, Result as CoreResult};
use ext_php_rs::exception::PhpResult;

use super::ini;
use crate::exceptions::OrThrow;
use crate::php::arg_error::ArgError;
use crate::php::args::{PhpArray, PhpValue};
use crate::php::ini::SettingError;

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
pub const OPTIONS: [(&str, Setter); 13] = [
    ("endpoint", Setter::Text(Options::endpoint)),
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
        other => Err(ArgError::of_type(name, "float", other.type_name()).into()),
    }
}

/// Sets option `key` from the constructor's array.
fn from_php(options: Options, key: &str, setter: Setter, value: &PhpValue) -> PhpResult<Options> {
    let name = format!("options[{key}]");
    match setter {
        Setter::Text(set) => set(options, value.text(&name)?),
        Setter::Seconds(set) | Setter::Number(set) => set(options, number(&name, value)?),
        Setter::Int(set) | Setter::Bytes(set) => set(options, value.int(&name)?),
    }
    .or_throw()
}

/// `endpoint` names one server for both hosts; these options name one host each.
const HOSTS: [&str; 2] = ["base_url", "api_base_url"];

/// The host option that a level (the constructor's array, or the ini entries) may not give
/// together with `endpoint`, if it gives one.
fn clash<'a>(given: impl Fn(&str) -> bool + 'a) -> Option<&'static str> {
    if !given("endpoint") {
        return None;
    }
    HOSTS.into_iter().find(|host| given(host))
}

/// Builds the options: the ini entries of the options the array does not give, then those of
/// the array (`null` for a key means "not given"). Per host, the most specific setting wins:
/// the array's host option, the array's `endpoint`, the entry of the host, `dingtalk.endpoint`.
/// A level that gives `endpoint` with a host option of its own is a `ValueError`.
pub fn parse(array: &PhpArray) -> PhpResult<Options> {
    let names = OPTIONS.map(|(name, _)| name);
    let given = array.options(&names)?;
    let in_array = |key: &str| given.iter().any(|(name, _)| *name == key);
    if let Some(host) = clash(in_array) {
        let reason = format!("cannot be combined with options[{host}]: it sets both hosts");
        return Err(ArgError::value("options[endpoint]", reason)).or_throw();
    }
    let settings = crate::php::ini::settings(ini::entries().iter().map(String::as_str));
    let entries: Vec<_> = OPTIONS.iter().zip(settings).collect();
    let in_ini = |key: &str| {
        entries.iter().any(|((name, _), setting)| {
            *name == key && setting.as_ref().is_some_and(|s| !s.local.is_empty())
        })
    };
    if let Some(host) = clash(in_ini) {
        let reason = format!(
            "cannot be combined with {}: it sets both hosts",
            ini::entry(host)
        );
        return Err(SettingError {
            entry: ini::entry("endpoint"),
            reason,
        })
        .or_throw();
    }
    // An entry the array overrides is not even read (a host's entry is overridden by the
    // array's endpoint too).
    let overridden = |key: &str| in_array(key) || (HOSTS.contains(&key) && in_array("endpoint"));
    let mut options = Options::default();
    for ((key, setter), setting) in &entries {
        if let Some(setting) = setting.as_ref().filter(|_| !overridden(key)) {
            options = ini::apply(options, key, *setter, &setting.local).or_throw()?;
        }
    }
    // In the table's order, so the array's endpoint comes before its (absent) host options.
    for (key, setter) in &OPTIONS {
        if let Some((_, value)) = given.iter().find(|(name, _)| name == key) {
            options = from_php(options, key, *setter, value)?;
        }
    }
    Ok(options)
}
