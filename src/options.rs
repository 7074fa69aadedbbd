//! `DingTalk\Client` options array → the core's `Options`. Unknown keys are a `ValueError`, wrong
//! types a `TypeError`; the values themselves are checked by the core.

use dingtalk_core::Options;
use ext_php_rs::exception::PhpException;

use crate::args::{Key, PhpArray, PhpValue};
use crate::exceptions::{to_php, type_error};

const METHOD: &str = "DingTalk\\Client::__construct";

/// Every option the client knows, in the order the README lists them.
pub const OPTION_NAMES: [&str; 8] = [
    "base_url",
    "timeout",
    "connect_timeout",
    "retries",
    "token_margin",
    "ca_file",
    "proxy",
    "user_agent",
];

fn name_of(key: &str) -> String {
    format!("options[{key}]")
}

fn string<'a>(key: &str, value: &'a PhpValue) -> Result<&'a str, PhpException> {
    match value {
        PhpValue::Str(bytes) => std::str::from_utf8(bytes)
            .map_err(|_| to_php(crate::args::invalid_utf8(&name_of(key)), METHOD)),
        other => Err(type_error(
            METHOD,
            &name_of(key),
            "string",
            other.type_name(),
        )),
    }
}

fn number(key: &str, value: &PhpValue) -> Result<f64, PhpException> {
    match value {
        PhpValue::Float(f) => Ok(*f),
        // Whole seconds are fine as ints; the precision lost above 2^53 s does not matter.
        #[allow(clippy::cast_precision_loss)]
        PhpValue::Int(i) => Ok(*i as f64),
        other => Err(type_error(
            METHOD,
            &name_of(key),
            "float",
            other.type_name(),
        )),
    }
}

fn integer(key: &str, value: &PhpValue) -> Result<i64, PhpException> {
    match value {
        PhpValue::Int(i) => Ok(*i),
        other => Err(type_error(METHOD, &name_of(key), "int", other.type_name())),
    }
}

/// Builds the options; `null` for a key means its default.
pub fn parse(array: &PhpArray) -> Result<Options, PhpException> {
    let mut options = Options::default();
    for (key, value) in &array.0 {
        key.text("options").map_err(|e| to_php(e, METHOD))?;
        let key = match key {
            Key::Str(key) if OPTION_NAMES.contains(&key.as_str()) => key.as_str(),
            other => {
                return Err(PhpException::new(
                    format!(
                        "{METHOD}(): Argument $options has an unknown key \"{other}\" (known: {})",
                        OPTION_NAMES.join(", ")
                    ),
                    0,
                    ext_php_rs::zend::ce::value_error(),
                ))
            }
        };
        if *value == PhpValue::Null {
            continue;
        }
        let set = match key {
            "base_url" => options.base_url(string(key, value)?),
            "timeout" => options.timeout(number(key, value)?),
            "connect_timeout" => options.connect_timeout(number(key, value)?),
            "retries" => options.retries(integer(key, value)?),
            "token_margin" => options.token_margin(number(key, value)?),
            "ca_file" => options.ca_file(string(key, value)?),
            "proxy" => options.proxy(string(key, value)?),
            _ => options.user_agent(string(key, value)?),
        };
        options = set.map_err(|e| to_php(e, METHOD))?;
    }
    Ok(options)
}
