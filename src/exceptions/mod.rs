//! The exception classes, and the one mapping from the core's errors to them.
//!
//! The classes carry no Rust state: they are registered with `ClassBuilder` and keep the object
//! creation of `\Exception`, so a thrown exception has the PHP caller's file, line and trace
//! (a Rust-backed class would lose them). Their data lives in ordinary protected properties,
//! which is also why `getErrmsg()` declared on `ApiException` works on its subclasses.

use std::borrow::Cow;
use std::ffi::c_char;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicPtr, Ordering};

use dingtalk_core::{ApiError, Code, Error, ErrorClass};
use ext_php_rs::builders::{ClassBuilder, ClassProperty, FunctionBuilder};
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::ffi::{zend_class_entry, zend_object, zval};
use ext_php_rs::flags::{DataType, MethodFlags, PropertyFlags};
use ext_php_rs::types::{ZendObject, Zval};
use ext_php_rs::zend::{ce, run_handler, ClassEntry, ExecuteData};

extern "C" {
    /// SPL's `RuntimeException`, exported by the engine. `ClassEntry::try_find` cannot be used
    /// here: the class table it searches does not exist yet during module startup.
    static spl_ce_RuntimeException: *mut zend_class_entry;

    /// Writes a property as code of class `scope` would (so protected ones can be set).
    fn zend_update_property(
        scope: *mut zend_class_entry,
        object: *mut zend_object,
        name: *const c_char,
        name_length: usize,
        value: *mut zval,
    );
}

/// One registered class entry, set once during module startup.
struct Registered(AtomicPtr<ClassEntry>);

impl Registered {
    const fn new() -> Self {
        Registered(AtomicPtr::new(std::ptr::null_mut()))
    }

    fn set(&self, ce: &'static mut ClassEntry) {
        self.0.store(ce, Ordering::Release);
    }

    /// The class, or `\Exception` if startup did not register it (then the module did not load,
    /// so this is never reached in practice; it keeps the code free of panics).
    fn get(&self) -> &'static ClassEntry {
        // SAFETY: only ever set from a `&'static mut ClassEntry` handed over by the engine.
        unsafe { self.0.load(Ordering::Acquire).as_ref() }.unwrap_or_else(ce::exception)
    }
}

static EXCEPTION: Registered = Registered::new();
static API_EXCEPTION: Registered = Registered::new();
static AUTHENTICATION_EXCEPTION: Registered = Registered::new();
static RATE_LIMIT_EXCEPTION: Registered = Registered::new();
static CONFLICT_EXCEPTION: Registered = Registered::new();
static TRANSPORT_EXCEPTION: Registered = Registered::new();
static CALLBACK_EXCEPTION: Registered = Registered::new();

fn runtime_exception() -> &'static ClassEntry {
    // SAFETY: SPL registers its classes before any extension that follows it in load order;
    // the pointer is then valid for the life of the process.
    unsafe { spl_ce_RuntimeException.cast::<ClassEntry>().as_ref() }.unwrap_or_else(ce::exception)
}

fn exception_ce() -> &'static ClassEntry {
    EXCEPTION.get()
}

fn api_exception_ce() -> &'static ClassEntry {
    API_EXCEPTION.get()
}

/// Names of the protected properties that hold an API error's data.
const ERRMSG: &str = "errmsg";
const REQUEST_ID: &str = "requestId";
const SUB_CODE: &str = "subCode";
const ERROR_CODE: &str = "errorCode";

fn property(name: &str, default: Option<&'static str>) -> ClassProperty {
    ClassProperty {
        name: name.to_owned(),
        flags: PropertyFlags::Protected,
        default: Some(Box::new(move || match default {
            Some(text) => text.into_zval(true),
            None => Ok(Zval::null()),
        })),
        docs: &[],
        ty: None,
        nullable: default.is_none(),
        readonly: false,
        default_stub: Some(default.map_or("null".to_owned(), |t| format!("'{t}'"))),
    }
}

/// Reads a property of `$this` into the return value; `null` when it is unset.
fn return_property(ex: &mut ExecuteData, retval: &mut Zval, name: &str) {
    run_handler(AssertUnwindSafe(|| {
        if ex.parser().parse().is_err() {
            return; // the parser has thrown ArgumentCountError
        }
        let value = ex
            .get_self()
            .and_then(|this| this.get_property::<Option<String>>(name).ok())
            .flatten();
        match value {
            Some(text) if retval.set_string(&text, false).is_ok() => {}
            _ => retval.set_null(),
        }
    }));
}

extern "C" fn get_errmsg(ex: &mut ExecuteData, retval: &mut Zval) {
    return_property(ex, retval, ERRMSG);
    if retval.is_null() {
        // getErrmsg() is declared `string`: an unset message reads as "".
        let _ = retval.set_string("", false);
    }
}

extern "C" fn get_request_id(ex: &mut ExecuteData, retval: &mut Zval) {
    return_property(ex, retval, REQUEST_ID);
}

extern "C" fn get_sub_code(ex: &mut ExecuteData, retval: &mut Zval) {
    return_property(ex, retval, SUB_CODE);
}

extern "C" fn get_error_code(ex: &mut ExecuteData, retval: &mut Zval) {
    return_property(ex, retval, ERROR_CODE);
    if retval.is_null() {
        // getErrorCode() is declared `string`.
        let _ = retval.set_string("", false);
    }
}

fn plain(name: &str, parent: (fn() -> &'static ClassEntry, &'static str)) -> ClassBuilder {
    ClassBuilder::new(name).extends(parent)
}

/// Registers the exception classes; called from module startup, in parent-first order.
pub fn register() -> ext_php_rs::error::Result<()> {
    plain(
        "DingTalk\\Exception",
        (runtime_exception, "\\RuntimeException"),
    )
    .registration(|ce, _| EXCEPTION.set(ce))
    .register()?;
    plain(
        "DingTalk\\ApiException",
        (exception_ce, "\\DingTalk\\Exception"),
    )
    .property(property(ERRMSG, Some("")))
    .property(property(REQUEST_ID, None))
    .property(property(SUB_CODE, None))
    .property(property(ERROR_CODE, Some("")))
    .method(
        FunctionBuilder::new("getErrmsg", get_errmsg).returns(DataType::String, false, false),
        MethodFlags::Public,
    )
    .method(
        FunctionBuilder::new("getRequestId", get_request_id).returns(DataType::String, false, true),
        MethodFlags::Public,
    )
    .method(
        FunctionBuilder::new("getSubCode", get_sub_code).returns(DataType::String, false, true),
        MethodFlags::Public,
    )
    .method(
        FunctionBuilder::new("getErrorCode", get_error_code).returns(
            DataType::String,
            false,
            false,
        ),
        MethodFlags::Public,
    )
    .registration(|ce, tables| {
        // The engine keeps pointers into the argument tables for the life of the process.
        std::mem::forget(tables);
        API_EXCEPTION.set(ce);
    })
    .register()?;
    plain(
        "DingTalk\\AuthenticationException",
        (api_exception_ce, "\\DingTalk\\ApiException"),
    )
    .registration(|ce, _| AUTHENTICATION_EXCEPTION.set(ce))
    .register()?;
    plain(
        "DingTalk\\RateLimitException",
        (api_exception_ce, "\\DingTalk\\ApiException"),
    )
    .registration(|ce, _| RATE_LIMIT_EXCEPTION.set(ce))
    .register()?;
    plain(
        "DingTalk\\ConflictException",
        (api_exception_ce, "\\DingTalk\\ApiException"),
    )
    .registration(|ce, _| CONFLICT_EXCEPTION.set(ce))
    .register()?;
    plain(
        "DingTalk\\TransportException",
        (exception_ce, "\\DingTalk\\Exception"),
    )
    .registration(|ce, _| TRANSPORT_EXCEPTION.set(ce))
    .register()?;
    plain(
        "DingTalk\\CallbackException",
        (exception_ce, "\\DingTalk\\Exception"),
    )
    .registration(|ce, _| CALLBACK_EXCEPTION.set(ce))
    .register()?;
    Ok(())
}

/// Sets a property the way code of `class` would.
fn update(class: &'static ClassEntry, object: &mut ZendObject, name: &str, value: Zval) {
    let mut value = value;
    // SAFETY: `object` is a live object of `class` (or a subclass); the engine copies `value`.
    unsafe {
        zend_update_property(
            std::ptr::from_ref(class).cast_mut(),
            object,
            name.as_ptr().cast::<c_char>(),
            name.len(),
            &raw mut value,
        );
    }
}

fn string_zval(text: &str) -> Zval {
    visible(text)
        .as_ref()
        .into_zval(false)
        .unwrap_or_else(|_| Zval::null())
}

fn optional_zval(text: Option<&str>) -> Zval {
    text.map_or_else(Zval::null, string_zval)
}

/// `text` with every NUL byte written as `\0`. PHP strings may hold NUL, but a message with one
/// cannot be thrown (the engine takes it as a C string) and would turn the documented exception
/// into a plain `\Error`; shown visibly, it also cannot hide the rest of a message from a log.
fn visible(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\\0"))
    } else {
        Cow::Borrowed(text)
    }
}

/// An exception of `class` with `message`. Every exception the binding throws is made here or
/// by [`api_exception`], so none can fail to be thrown.
fn exception(class: &'static ClassEntry, message: &str) -> PhpException {
    PhpException::new(visible(message).into_owned(), 0, class)
}

/// The exception class of an API error: what it means decides, not which family said it.
fn api_class(error: &ApiError) -> &'static ClassEntry {
    match error.class {
        ErrorClass::TokenRejected | ErrorClass::BadCredentials => AUTHENTICATION_EXCEPTION.get(),
        ErrorClass::Throttled | ErrorClass::Banned | ErrorClass::QuotaExhausted => {
            RATE_LIMIT_EXCEPTION.get()
        }
        _ => API_EXCEPTION.get(),
    }
}

/// An `ApiException` (or subclass) object of `class` carrying DingTalk's answer.
fn api_exception(class: &'static ClassEntry, error: &ApiError, message: &str) -> PhpException {
    let exception = exception(class, message);
    match api_object(class, error, message) {
        Some(zval) => exception.with_object(zval),
        None => exception,
    }
}

/// The object of an `ApiException` (or subclass) of `class` carrying DingTalk's answer.
fn api_object(class: &'static ClassEntry, error: &ApiError, message: &str) -> Option<Zval> {
    let message = visible(message).into_owned();
    // getCode(): the oapi errcode, or the HTTP status of a v1.0 error; getErrorCode() the code
    // as DingTalk spelled it.
    let code = match error.code {
        Code::Number(errcode) => errcode,
        Code::Text(_) => i64::from(error.http_status),
    };
    // Creating the object through the class runs `\Exception`'s initialisation: file, line, trace.
    let mut object = ZendObject::new(class);
    update(class, &mut object, "message", string_zval(&message));
    update(
        class,
        &mut object,
        "code",
        code.into_zval(false).unwrap_or_else(|_| Zval::null()),
    );
    update(
        class,
        &mut object,
        ERROR_CODE,
        string_zval(&error.code.to_string()),
    );
    update(class, &mut object, ERRMSG, string_zval(&error.message));
    update(
        class,
        &mut object,
        REQUEST_ID,
        optional_zval(error.request_id.as_deref()),
    );
    update(
        class,
        &mut object,
        SUB_CODE,
        optional_zval(error.sub_code.as_deref()),
    );
    object.into_zval(false).ok()
}

/// An object of exception class `class` with `message`.
fn plain_object(class: &'static ClassEntry, message: &str) -> Option<Zval> {
    let mut object = ZendObject::new(class);
    update(class, &mut object, "message", string_zval(message));
    object.into_zval(false).ok()
}

/// The PHP exception for a core error. Argument errors name the method being executed, as
/// PHP's own `ValueError`s do.
pub fn to_php(error: Error) -> PhpException {
    match &error {
        Error::InvalidArgument { name, reason } => value_error(name, reason),
        Error::Api(api) => api_exception(api_class(api), api, &api.to_string()),
        Error::Conflict(conflict) => {
            api_exception(CONFLICT_EXCEPTION.get(), &conflict.answer, &conflict.detail)
        }
        Error::Transport(_) => exception(TRANSPORT_EXCEPTION.get(), &error.to_string()),
        Error::RateLimited(_) => exception(RATE_LIMIT_EXCEPTION.get(), &error.to_string()),
        Error::Internal(_) => exception(EXCEPTION.get(), &error.to_string()),
    }
}

/// The exception object for a core error, made (with the file, line and trace of the PHP call
/// running now) but not thrown: the `error` of one item of a bulk call's results. Always a
/// `DingTalk\Exception`: arguments are checked before a bulk call sends anything, so an
/// argument error here is the extension's own failure.
pub fn error_object(error: &Error) -> PhpResult<Zval> {
    let object = match error {
        Error::Api(api) => api_object(api_class(api), api, &api.to_string()),
        Error::Conflict(conflict) => {
            api_object(CONFLICT_EXCEPTION.get(), &conflict.answer, &conflict.detail)
        }
        Error::Transport(_) => plain_object(TRANSPORT_EXCEPTION.get(), &error.to_string()),
        Error::RateLimited(_) => plain_object(RATE_LIMIT_EXCEPTION.get(), &error.to_string()),
        Error::InvalidArgument { .. } | Error::Internal(_) => {
            plain_object(EXCEPTION.get(), &error.to_string())
        }
    };
    object.ok_or_else(|| exception(EXCEPTION.get(), "cannot create an exception object"))
}

/// A `TransportException`: no usable answer (`reason` says why).
pub fn transport_error(reason: &str) -> PhpException {
    exception(TRANSPORT_EXCEPTION.get(), reason)
}

/// `text` as said by the method being executed, as PHP's own messages begin:
/// `DingTalk\Todo::create(): {text}`. The name is read from the engine's current frame now, on
/// the PHP thread, so a method says its own name also inside and after a callable it called.
pub fn in_method(text: &str) -> String {
    match crate::php::frame::executing() {
        Some(function) => format!("{}(): {text}", function.name()),
        None => text.to_owned(),
    }
}

/// How PHP names argument `name` of the method being executed: `#3 ($options[timeout])`, with
/// the position of the parameter the name starts with, as PHP's own messages do.
fn argument(name: &str) -> String {
    let parameter = name.split('[').next().unwrap_or(name);
    let position =
        crate::php::frame::executing().and_then(|function| function.parameter_position(parameter));
    match position {
        Some(position) => format!("#{position} (${name})"),
        None => format!("${name}"),
    }
}

/// A `ValueError` naming the argument, worded as PHP's own:
/// `DingTalk\Client::__construct(): Argument #1 ($appKey) must not be empty`.
pub fn value_error(name: &str, reason: &str) -> PhpException {
    let message = in_method(&format!("Argument {} {reason}", argument(name)));
    exception(ce::value_error(), &message)
}

/// A `ValueError` for a bad ini setting, which the reader must fix in the configuration:
/// `DingTalk\Client::__construct(): ini setting dingtalk.timeout must be ...`.
pub fn setting_error(setting: &str, reason: &str) -> PhpException {
    let message = in_method(&format!("ini setting {setting} {reason}"));
    exception(ce::value_error(), &message)
}

/// A `TypeError` for a value of the wrong type inside an array argument (the engine reports
/// the arguments themselves).
pub fn type_error(name: &str, expected: &str, given: &str) -> PhpException {
    let message = in_method(&format!(
        "Argument {} must be of type {expected}, {given} given",
        argument(name)
    ));
    exception(ce::type_error(), &message)
}

/// An `\Error`: the method cannot run now (`run()` while the worker runs).
pub fn refused(text: &str) -> PhpException {
    exception(ce::error(), &in_method(text))
}

/// An `\Error`: the callable argument `name` could not be called.
pub fn not_callable(name: &str) -> PhpException {
    let message = in_method(&format!("Argument {} could not be called", argument(name)));
    exception(ce::error(), &message)
}

/// A problem with an argument that the binding finds while converting it from PHP (the core
/// never sees such a value): a value of the wrong type inside an array, NAN, bytes that are
/// not UTF-8, an array too large to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    /// A `\ValueError`: `name` is of the declared type but cannot be used; `reason` follows the
    /// name in the message ("must be valid UTF-8").
    Value { name: String, reason: String },
    /// A `\TypeError`: `name`, inside an array argument, is a `given` where an `expected` is needed.
    Type {
        name: String,
        expected: &'static str,
        given: String,
    },
}

impl ArgError {
    pub fn value(name: impl Into<String>, reason: impl Into<String>) -> Self {
        ArgError::Value {
            name: name.into(),
            reason: reason.into(),
        }
    }

    pub fn of_type(name: impl Into<String>, expected: &'static str, given: &str) -> Self {
        ArgError::Type {
            name: name.into(),
            expected,
            given: given.to_owned(),
        }
    }
}

/// An error that becomes a PHP exception.
pub trait IntoPhp {
    fn into_php(self) -> PhpException;
}

impl IntoPhp for Error {
    fn into_php(self) -> PhpException {
        to_php(self)
    }
}

impl IntoPhp for ArgError {
    fn into_php(self) -> PhpException {
        match self {
            ArgError::Value { name, reason } => value_error(&name, &reason),
            ArgError::Type {
                name,
                expected,
                given,
            } => type_error(&name, expected, &given),
        }
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

/// A `CallbackException`: a push that cannot be trusted or read.
pub fn callback_exception(message: &str) -> PhpException {
    exception(CALLBACK_EXCEPTION.get(), message)
}
