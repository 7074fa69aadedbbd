//! The `DingTalk\*` exception classes: registered at module startup, and every class the
//! binding throws by name ([`Class`]).
//!
//! The classes carry no Rust state: they are registered with `ClassBuilder` and keep the object
//! creation of `\Exception`, so a thrown exception has the PHP caller's file, line and trace
//! (a Rust-backed class would lose them). Their data lives in ordinary protected properties,
//! which is also why `getErrmsg()` declared on `ApiException` works on its subclasses.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicPtr, Ordering};

use ext_php_rs::args::ArgInfoTables;
use ext_php_rs::builders::{ClassBuilder, ClassProperty, FunctionBuilder};
use ext_php_rs::convert::IntoZval;
use ext_php_rs::ffi::zend_class_entry;
use ext_php_rs::flags::{DataType, MethodFlags, PropertyFlags};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{ce, run_handler, ClassEntry, ExecuteData};

extern "C" {
    /// SPL's `RuntimeException`, exported by the engine. `ClassEntry::try_find` cannot be used
    /// here: the class table it searches does not exist yet during module startup.
    static spl_ce_RuntimeException: *mut zend_class_entry;
}

/// Every class of exception the binding throws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `DingTalk\Exception`: the extension's own failure.
    Exception,
    /// `DingTalk\ApiException`: DingTalk answered with an error.
    Api,
    /// `DingTalk\AuthenticationException`: the app's credentials or its token were refused.
    Authentication,
    /// `DingTalk\RateLimitException`: DingTalk's limits, or the client's own rate limit.
    RateLimit,
    /// `DingTalk\ConflictException`: a create whose outcome is not what was asked.
    Conflict,
    /// `DingTalk\TransportException`: no usable answer.
    Transport,
    /// `DingTalk\CallbackException`: a push that cannot be trusted or read.
    Callback,
    /// PHP's `\ValueError`: an argument of the declared type that cannot be used.
    ValueError,
    /// PHP's `\TypeError`: a value of the wrong type inside an array argument.
    TypeError,
    /// PHP's `\Error`: a method used where it cannot run.
    Error,
}

impl Class {
    /// The class entry of the engine.
    pub fn entry(self) -> &'static ClassEntry {
        match self {
            Class::Exception => EXCEPTION.get(),
            Class::Api => API_EXCEPTION.get(),
            Class::Authentication => AUTHENTICATION_EXCEPTION.get(),
            Class::RateLimit => RATE_LIMIT_EXCEPTION.get(),
            Class::Conflict => CONFLICT_EXCEPTION.get(),
            Class::Transport => TRANSPORT_EXCEPTION.get(),
            Class::Callback => CALLBACK_EXCEPTION.get(),
            Class::ValueError => ce::value_error(),
            Class::TypeError => ce::type_error(),
            Class::Error => ce::error(),
        }
    }
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
pub const ERRMSG: &str = "errmsg";
pub const REQUEST_ID: &str = "requestId";
pub const SUB_CODE: &str = "subCode";
pub const ERROR_CODE: &str = "errorCode";

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

/// `DingTalk\ApiException`: DingTalk's answer in protected properties, and their getters.
fn api_exception() -> ClassBuilder {
    let getter = |name, handler, nullable| {
        FunctionBuilder::new(name, handler).returns(DataType::String, false, nullable)
    };
    ClassBuilder::new("DingTalk\\ApiException")
        .extends((exception_ce, "\\DingTalk\\Exception"))
        .property(property(ERRMSG, Some("")))
        .property(property(REQUEST_ID, None))
        .property(property(SUB_CODE, None))
        .property(property(ERROR_CODE, Some("")))
        .method(getter("getErrmsg", get_errmsg, false), MethodFlags::Public)
        .method(
            getter("getRequestId", get_request_id, true),
            MethodFlags::Public,
        )
        .method(
            getter("getSubCode", get_sub_code, true),
            MethodFlags::Public,
        )
        .method(
            getter("getErrorCode", get_error_code, false),
            MethodFlags::Public,
        )
        .registration(|ce, tables| {
            // The engine keeps pointers into the argument tables for the life of the process.
            std::mem::forget(tables);
            API_EXCEPTION.set(ce);
        })
}

/// Keeps a class entry once the engine registered it.
type Keep = fn(&'static mut ClassEntry, ArgInfoTables);

/// Registers the exception classes; called from module startup, in parent-first order.
pub fn register() -> ext_php_rs::error::Result<()> {
    ClassBuilder::new("DingTalk\\Exception")
        .extends((runtime_exception, "\\RuntimeException"))
        .registration(|ce, _| EXCEPTION.set(ce))
        .register()?;
    api_exception().register()?;
    let api = (
        api_exception_ce as fn() -> &'static ClassEntry,
        "\\DingTalk\\ApiException",
    );
    let base = (
        exception_ce as fn() -> &'static ClassEntry,
        "\\DingTalk\\Exception",
    );
    let without_data: [(&str, _, Keep); 5] = [
        ("DingTalk\\AuthenticationException", api, |ce, _| {
            AUTHENTICATION_EXCEPTION.set(ce);
        }),
        ("DingTalk\\RateLimitException", api, |ce, _| {
            RATE_LIMIT_EXCEPTION.set(ce);
        }),
        ("DingTalk\\ConflictException", api, |ce, _| {
            CONFLICT_EXCEPTION.set(ce);
        }),
        ("DingTalk\\TransportException", base, |ce, _| {
            TRANSPORT_EXCEPTION.set(ce);
        }),
        ("DingTalk\\CallbackException", base, |ce, _| {
            CALLBACK_EXCEPTION.set(ce);
        }),
    ];
    for (name, parent, keep) in without_data {
        ClassBuilder::new(name)
            .extends(parent)
            .registration(keep)
            .register()?;
    }
    Ok(())
}
