//! The exception classes, and the one mapping from the core's errors to them.
//!
//! The classes carry no Rust state: they are registered with `ClassBuilder` and keep the object
//! creation of `\Exception`, so a thrown exception has the PHP caller's file, line and trace
//! (a Rust-backed class would lose them). Their data lives in ordinary protected properties,
//! which is also why `getErrmsg()` declared on `ApiException` works on its subclasses.

use std::ffi::c_char;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicPtr, Ordering};

use dingtalk_core::{ApiError, Error, ErrorKind};
use ext_php_rs::builders::{ClassBuilder, ClassProperty, FunctionBuilder};
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
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
    text.into_zval(false).unwrap_or_else(|_| Zval::null())
}

fn optional_zval(text: Option<&str>) -> Zval {
    text.map_or_else(Zval::null, string_zval)
}

/// An `ApiException` (or subclass) object carrying DingTalk's answer.
fn api_exception(error: &ApiError) -> PhpException {
    let class = match error.kind {
        ErrorKind::Authentication => AUTHENTICATION_EXCEPTION.get(),
        ErrorKind::RateLimit => RATE_LIMIT_EXCEPTION.get(),
        ErrorKind::Conflict => CONFLICT_EXCEPTION.get(),
        ErrorKind::Other => API_EXCEPTION.get(),
    };
    let message = error.to_string();
    let code = i32::try_from(error.errcode).unwrap_or(0);
    // Creating the object through the class runs `\Exception`'s initialisation: file, line, trace.
    let mut object = ZendObject::new(class);
    update(class, &mut object, "message", string_zval(&message));
    update(
        class,
        &mut object,
        "code",
        error
            .errcode
            .into_zval(false)
            .unwrap_or_else(|_| Zval::null()),
    );
    update(class, &mut object, ERRMSG, string_zval(&error.errmsg));
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
    let exception = PhpException::new(message, code, class);
    match object.into_zval(false) {
        Ok(zval) => exception.with_object(zval),
        Err(_) => exception,
    }
}

/// The PHP exception for a core error. `method` (`DingTalk\WorkRecord::create`) prefixes
/// argument errors, as PHP's own `ValueError`s do.
pub fn to_php(error: Error, method: &str) -> PhpException {
    match &error {
        Error::InvalidArgument { name, reason } => value_error(method, name, reason),
        Error::Api(api) => api_exception(api),
        Error::Transport(_) => PhpException::new(error.to_string(), 0, TRANSPORT_EXCEPTION.get()),
        Error::Internal(_) => PhpException::new(error.to_string(), 0, EXCEPTION.get()),
    }
}

/// A `ValueError` naming the argument, worded as PHP's own: `m(): Argument $name reason`.
pub fn value_error(method: &str, name: &str, reason: &str) -> PhpException {
    PhpException::new(
        format!("{method}(): Argument ${name} {reason}"),
        0,
        ce::value_error(),
    )
}

/// A `TypeError` for an argument of the wrong type.
pub fn type_error(method: &str, name: &str, expected: &str, given: &str) -> PhpException {
    PhpException::new(
        format!("{method}(): Argument ${name} must be of type {expected}, {given} given"),
        0,
        ce::type_error(),
    )
}

/// A `CallbackException`: a push that cannot be trusted or read.
pub fn callback_exception(message: String) -> PhpException {
    PhpException::new(message, 0, CALLBACK_EXCEPTION.get())
}
