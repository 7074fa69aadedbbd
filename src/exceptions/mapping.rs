//! The one table of what the binding throws: every failure, wherever it comes from, gets its
//! class and message in [`failure`]; [`Failure`] then throws it, or makes it the `error` of one
//! item of a bulk call.

use dingtalk_core::callback::CallbackError;
use dingtalk_core::{ApiError, Error, ErrorClass};
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::types::Zval;

use super::argument::{argument_message, in_method, setting_message};
use super::classes::Class;
use super::object;
use crate::php::arg_error::{ArgError, ArgKind};
use crate::php::ini::SettingError;
use crate::php::memory::TooLarge;
use crate::php::throw::exception;

/// Everything that can fail, by where it comes from.
enum Cause<'a> {
    /// An error of the core.
    Core(&'a Error),
    /// A refused push or argument of `DingTalk\Callback`.
    Callback(&'a CallbackError),
    /// An argument the binding could not read.
    Argument(&'a ArgError),
    /// A `dingtalk.*` ini entry that cannot be used.
    Setting(&'a SettingError),
    /// An answer that would not fit under `memory_limit`.
    TooLarge(&'a TooLarge),
    /// A method that cannot run now (`Stream::run()` while the worker runs); what is said.
    Refused(&'a str),
}

/// What is thrown for a failure: its class, its message and, for one that carries DingTalk's
/// answer, that answer.
struct Failure<'a> {
    class: Class,
    message: String,
    answer: Option<&'a ApiError>,
}

impl<'a> Failure<'a> {
    fn new(class: Class, message: String) -> Self {
        Failure {
            class,
            message,
            answer: None,
        }
    }

    fn carrying(class: Class, message: String, answer: &'a ApiError) -> Self {
        Failure {
            class,
            message,
            answer: Some(answer),
        }
    }

    /// The exception to throw.
    fn exception(self) -> PhpException {
        let class = self.class.entry();
        let exception = exception(class, &self.message);
        match self
            .answer
            .and_then(|answer| object::carrying(class, answer, &self.message))
        {
            Some(zval) => exception.with_object(zval),
            None => exception,
        }
    }

    /// The exception object, made (with the file, line and trace of the PHP call running now)
    /// but not thrown.
    fn object(self) -> PhpResult<Zval> {
        let class = self.class.entry();
        let object = match self.answer {
            Some(answer) => object::carrying(class, answer, &self.message),
            None => object::plain(class, &self.message),
        };
        object.ok_or_else(|| {
            Failure::new(
                Class::Exception,
                "cannot create an exception object".to_owned(),
            )
            .exception()
        })
    }
}

/// The class of an API error: what it means decides, not which family said it.
fn api_class(error: &ApiError) -> Class {
    match error.class {
        ErrorClass::TokenRejected | ErrorClass::BadCredentials => Class::Authentication,
        ErrorClass::Throttled | ErrorClass::Banned | ErrorClass::QuotaExhausted => Class::RateLimit,
        _ => Class::Api,
    }
}

/// The class of an argument error, as PHP's own.
fn argument_class(kind: ArgKind) -> Class {
    match kind {
        ArgKind::Value => Class::ValueError,
        ArgKind::Type => Class::TypeError,
        ArgKind::Unusable => Class::Error,
    }
}

/// The table: the class and message of every failure.
fn failure(cause: Cause<'_>) -> Failure<'_> {
    let value_error = |name: &str, reason: &str| {
        let message = argument_message(&ArgError::value(name, reason));
        Failure::new(Class::ValueError, message)
    };
    match cause {
        Cause::Core(Error::InvalidArgument { name, reason }) => value_error(name, reason),
        Cause::Core(Error::Api(api)) => Failure::carrying(api_class(api), api.to_string(), api),
        Cause::Core(Error::Conflict(conflict)) => {
            Failure::carrying(Class::Conflict, conflict.detail.clone(), &conflict.answer)
        }
        Cause::Core(error @ Error::Transport(_)) => {
            Failure::new(Class::Transport, error.to_string())
        }
        Cause::Core(error @ Error::RateLimited(_)) => {
            Failure::new(Class::RateLimit, error.to_string())
        }
        Cause::Core(error @ Error::Internal(_)) => {
            Failure::new(Class::Exception, error.to_string())
        }
        Cause::Callback(CallbackError::InvalidArgument { name, reason }) => {
            value_error(name, reason)
        }
        Cause::Callback(other) => Failure::new(Class::Callback, other.to_string()),
        Cause::Argument(error) => Failure::new(argument_class(error.kind), argument_message(error)),
        Cause::Setting(error) => Failure::new(Class::ValueError, setting_message(error)),
        Cause::TooLarge(error) => Failure::new(Class::Transport, error.to_string()),
        Cause::Refused(text) => Failure::new(Class::Error, in_method(text)),
    }
}

/// The `error` of one item of a bulk call's results: the exception object of its core error.
/// Always a `DingTalk\Exception`: arguments are checked before a bulk call sends anything, so an
/// argument error here is the extension's own failure.
pub fn error_object(error: &Error) -> PhpResult<Zval> {
    match error {
        Error::InvalidArgument { .. } => Failure::new(Class::Exception, error.to_string()),
        other => failure(Cause::Core(other)),
    }
    .object()
}

/// An `\Error`: the method cannot run now; `text` says why ("the worker is already running").
pub fn refused(text: &str) -> PhpException {
    failure(Cause::Refused(text)).exception()
}

/// An error that becomes a PHP exception.
pub trait IntoPhp {
    fn into_php(self) -> PhpException;
}

impl IntoPhp for Error {
    fn into_php(self) -> PhpException {
        failure(Cause::Core(&self)).exception()
    }
}

impl IntoPhp for CallbackError {
    fn into_php(self) -> PhpException {
        failure(Cause::Callback(&self)).exception()
    }
}

impl IntoPhp for ArgError {
    fn into_php(self) -> PhpException {
        failure(Cause::Argument(&self)).exception()
    }
}

impl IntoPhp for SettingError {
    fn into_php(self) -> PhpException {
        failure(Cause::Setting(&self)).exception()
    }
}

impl IntoPhp for TooLarge {
    fn into_php(self) -> PhpException {
        failure(Cause::TooLarge(&self)).exception()
    }
}

/// `?` on the binding's own errors in a method.
impl From<ArgError> for PhpException {
    fn from(error: ArgError) -> Self {
        error.into_php()
    }
}

impl From<SettingError> for PhpException {
    fn from(error: SettingError) -> Self {
        error.into_php()
    }
}

impl From<TooLarge> for PhpException {
    fn from(error: TooLarge) -> Self {
        error.into_php()
    }
}

/// `result.or_throw()?` in a method: its error as the PHP exception.
pub trait OrThrow<T> {
    fn or_throw(self) -> PhpResult<T>;
}

impl<T, E: IntoPhp> OrThrow<T> for Result<T, E> {
    fn or_throw(self) -> PhpResult<T> {
        self.map_err(IntoPhp::into_php)
    }
}
