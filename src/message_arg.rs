//! What every send of the message classes (`WorkNotice`, `Webhook`, `Bot`) shares: reading the
//! `$message` array, in the one shape, into the core's `Message`, and a list of ids.
//! The core checks the shape and names the field at fault (`$message[text][content]`); what
//! only PHP has (invalid UTF-8, NAN, objects) is refused on the way to JSON.

use dingtalk_core::Message;
use ext_php_rs::exception::PhpResult;

use crate::exceptions::OrThrow;
use crate::php::arg_error::ArgError;
use crate::php::args::ArrayArg;
use crate::php::json::object_to_json;
use crate::php::value::PhpArray;

/// The argument name of every message.
const MESSAGE: &str = "message";

/// `$message`, read into the core's message.
pub fn message(array: &ArrayArg) -> PhpResult<Message> {
    let json = object_to_json(&array.copy(MESSAGE)?, MESSAGE)?;
    Message::from_json(MESSAGE, &json).or_throw()
}

/// A list of strings (`$userIds`, `$processQueryKeys`), each named by its key in errors.
pub fn strings(array: &PhpArray, name: &str) -> Result<Vec<String>, ArgError> {
    array
        .0
        .iter()
        .map(|(key, value)| Ok(value.string(&format!("{name}[{key}]"))?.to_owned()))
        .collect()
}
