//! Messages that name the method PHP is executing, worded as PHP's own:
//! `DingTalk\Todo::create(): Argument #2 ($task[subject]) must not be empty`.
//!
//! The method's name and the argument's position are read from the engine's current frame
//! ([`crate::php::frame`]) when the message is made: on the PHP thread, in the method that
//! refused the argument, also while or after it called a PHP callable.

use crate::php::arg_error::ArgError;
use crate::php::frame::executing;
use crate::php::ini::SettingError;

/// `text` as said by the method being executed: `DingTalk\Todo::create(): {text}`.
pub fn in_method(text: &str) -> String {
    match executing() {
        Some(function) => format!("{}(): {text}", function.name()),
        None => text.to_owned(),
    }
}

/// How PHP names argument `name` of the method being executed: `#3 ($options[timeout])`, with
/// the position of the parameter the name starts with.
fn argument(name: &str) -> String {
    let parameter = name.split('[').next().unwrap_or(name);
    match executing().and_then(|function| function.parameter_position(parameter)) {
        Some(position) => format!("#{position} (${name})"),
        None => format!("${name}"),
    }
}

/// `DingTalk\Client::__construct(): Argument #1 ($appKey) must not be empty`.
pub fn argument_message(error: &ArgError) -> String {
    in_method(&format!(
        "Argument {} {}",
        argument(&error.name),
        error.reason
    ))
}

/// A bad ini setting, which the reader must fix in the configuration, not in the code:
/// `DingTalk\Client::__construct(): ini setting dingtalk.timeout must be ...`.
pub fn setting_message(error: &SettingError) -> String {
    in_method(&format!("ini setting {} {}", error.entry, error.reason))
}
