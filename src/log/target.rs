//! The PHP logger itself: a PSR-3 logger, whose `log($level, $message, $context)` is called, or
//! a callable, called with the same three arguments. A logger that throws does not break the
//! call that logs: its throwable is dropped, and so are the records it had not yet been given.

use ext_php_rs::convert::IntoZval;
use ext_php_rs::types::{ZendCallable, ZendHashTable, Zval};

use super::record::{Record, Value};
use crate::php::arg_error::ArgError;
use crate::php::pending::{discard, pending, Pending};
use crate::php::type_name::type_name;

/// What a logger takes, as a `TypeError` names it.
const EXPECTED: &str = "callable|Psr\\Log\\LoggerInterface";

/// What to call with a record: `[$logger, 'log']`, or the callable given.
pub struct Target(Zval);

/// How handing a record to the logger went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    Taken,
    /// The logger threw (its throwable was dropped) or called `exit()`: give it nothing more
    /// now.
    Stop,
}

impl Target {
    /// The logger `value` given as argument `name`: an object with a public `log()` method, or
    /// a callable; a `TypeError` for anything else.
    pub fn of(value: &Zval, name: &str) -> Result<Target, ArgError> {
        if value.is_object() {
            let mut method = ZendHashTable::new();
            let pair = method
                .push(value.shallow_clone())
                .and_then(|()| method.push("log"));
            if pair.is_ok() {
                if let Ok(method) = method.into_zval(false) {
                    if method.is_callable() {
                        return Ok(Target(method));
                    }
                }
            }
        }
        if value.is_callable() {
            return Ok(Target(value.shallow_clone()));
        }
        Err(ArgError::of_type(name, EXPECTED, &type_name(value)))
    }

    /// Hands `record` to the logger, with `exception` as its context's `exception`.
    pub fn log(&self, record: &Record, exception: Option<&Zval>) -> Delivered {
        let Ok(context) = context(record, exception) else {
            return Delivered::Taken;
        };
        let Ok(callable) = ZendCallable::new(&self.0) else {
            return Delivered::Stop;
        };
        let level = record.level.name();
        let message = record.message.as_str();
        // Whatever it returns is of no use; what it throws is looked at below.
        let _ = callable.try_call(vec![&level, &message, &context]);
        match pending() {
            Pending::Nothing => Delivered::Taken,
            Pending::Exit => Delivered::Stop,
            Pending::Throwable => {
                discard();
                Delivered::Stop
            }
        }
    }
}

/// The context array of `record`.
fn context(record: &Record, exception: Option<&Zval>) -> ext_php_rs::error::Result<Zval> {
    let mut array =
        ZendHashTable::with_capacity(u32::try_from(record.context.len() + 1).unwrap_or(8));
    for (key, value) in &record.context {
        match value {
            Value::Text(text) => array.insert(*key, text.as_str())?,
            Value::Int(int) => array.insert(*key, *int)?,
        }
    }
    if let Some(exception) = exception {
        array.insert("exception", exception.shallow_clone())?;
    }
    array.into_zval(false)
}
