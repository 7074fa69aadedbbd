//! `DingTalk\Client` options array → the core's `Options`. Unknown keys are a `ValueError`, wrong
//! types a `TypeError`; the values themselves are checked by the core.

use dingtalk_core::Options;
use ext_php_rs::exception::PhpResult;

use crate::exceptions::{to_php, type_error};
use crate::php::args::{PhpArray, PhpValue};

const METHOD: &str = "DingTalk\\Client::__construct";

/// Every option the client knows, in the order the README lists them.
pub const OPTION_NAMES: [&str; 9] = [
    "base_url",
    "timeout",
    "connect_timeout",
    "retries",
    "token_margin",
    "ca_file",
    "proxy",
    "user_agent",
    "max_answer_bytes",
];

fn name_of(key: &str) -> String {
    format!("options[{key}]")
}

/// Seconds: an int or a float.
fn seconds(key: &str, value: &PhpValue) -> PhpResult<f64> {
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

/// Builds the options; `null` for a key means its default.
pub fn parse(array: &PhpArray) -> PhpResult<Options> {
    let mut options = Options::default();
    for (key, value) in array.options(&OPTION_NAMES, METHOD)? {
        let text = || value.text(&name_of(key), METHOD);
        let set = match key {
            "base_url" => options.base_url(text()?),
            "timeout" => options.timeout(seconds(key, value)?),
            "connect_timeout" => options.connect_timeout(seconds(key, value)?),
            "retries" => options.retries(value.int(&name_of(key), METHOD)?),
            "token_margin" => options.token_margin(seconds(key, value)?),
            "ca_file" => options.ca_file(text()?),
            "proxy" => options.proxy(text()?),
            "max_answer_bytes" => options.max_answer_bytes(value.int(&name_of(key), METHOD)?),
            _ => options.user_agent(text()?),
        };
        options = set.map_err(|e| to_php(e, METHOD))?;
    }
    Ok(options)
}
