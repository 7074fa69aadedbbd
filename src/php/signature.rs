//! Every method of the extension takes its arguments as PHP's own internal functions do, by its
//! declared signature: in coercive mode `list(12345)` passes `"12345"`, `getAccessToken(1)`
//! passes `true` and `null` for an `int` is `0` with PHP's deprecation; under
//! `declare(strict_types=1)` those are `TypeError`s, worded by the engine
//! (`DingTalk\WorkRecord::list(): Argument #2 ($status) must be of type int, string given`).
//!
//! ext-php-rs converts arguments strictly and words its own errors, so each method's handler is
//! wrapped once (see [`crate::php::install`]): the wrapper runs the engine's own parameter parsing
//! (`zend_parse_arg_*_slow`, which also knows the strictness of the calling code) on every
//! argument, driven by the parameter's declared type, writes the converted value back into the
//! call frame as PHP's parameter parsing does, and only then calls the method. A method added
//! later is covered without any code of its own; Reflection still shows the declared types,
//! which are the ones being enforced.
//!
//! Parameters of the types the binding declares are handled: `bool`, `int`, `float`, `string`,
//! `array`, `array|string` ([`crate::php::union`]) and a class, each optionally nullable. Any
//! other type is passed on as it comes.

use std::ffi::c_char;
use std::sync::{PoisonError, RwLock};

use ext_php_rs::ffi::{
    _zend_expected_type, _zend_expected_type_Z_EXPECTED_ARRAY,
    _zend_expected_type_Z_EXPECTED_ARRAY_OR_NULL, _zend_expected_type_Z_EXPECTED_ARRAY_OR_STRING,
    _zend_expected_type_Z_EXPECTED_ARRAY_OR_STRING_OR_NULL, _zend_expected_type_Z_EXPECTED_BOOL,
    _zend_expected_type_Z_EXPECTED_BOOL_OR_NULL, _zend_expected_type_Z_EXPECTED_DOUBLE,
    _zend_expected_type_Z_EXPECTED_DOUBLE_OR_NULL, _zend_expected_type_Z_EXPECTED_LONG,
    _zend_expected_type_Z_EXPECTED_LONG_OR_NULL, _zend_expected_type_Z_EXPECTED_OBJECT,
    _zend_expected_type_Z_EXPECTED_STRING, _zend_expected_type_Z_EXPECTED_STRING_OR_NULL,
    zend_execute_data, zend_function, zend_internal_arg_info, zend_long, zend_string, zval,
    _ZEND_SEND_MODE_SHIFT, _ZEND_TYPE_NAME_BIT, IS_ARRAY, IS_DOUBLE, IS_FALSE, IS_LONG, IS_NULL,
    IS_STRING, IS_TRUE, ZEND_ACC_VARIADIC,
};
use ext_php_rs::types::{ZendStr, Zval};
use ext_php_rs::zend::{ce, run_handler, ClassEntry, ExecuteData, ExecutorGlobals};

use crate::php::throw::exception;

extern "C" {
    // The engine's parameter parsing (`Zend/zend_API.h`), exported since PHP 8.1 with these
    // signatures. Each applies the caller's strictness, coercions and deprecations.
    fn zend_parse_arg_bool_slow(arg: *mut zval, dest: *mut bool, arg_num: u32) -> bool;
    fn zend_parse_arg_long_slow(arg: *mut zval, dest: *mut zend_long, arg_num: u32) -> bool;
    fn zend_parse_arg_double_slow(arg: *mut zval, dest: *mut f64, arg_num: u32) -> bool;
    fn zend_parse_arg_str_slow(arg: *mut zval, dest: *mut *mut zend_string, arg_num: u32) -> bool;
    // The errors PHP's own parameter parsing throws (nothing when an exception is pending).
    fn zend_wrong_parameter_type_error(num: u32, expected: _zend_expected_type, arg: *mut zval);
    fn zend_wrong_parameter_class_error(num: u32, name: *const c_char, arg: *mut zval);
    fn zend_wrong_parameter_class_or_null_error(num: u32, name: *const c_char, arg: *mut zval);
}

type Handler = unsafe extern "C" fn(*mut zend_execute_data, *mut zval);

/// The handlers the wrapper stands in for, by the address of the function's parameter table:
/// unlike the function itself, that address is shared by the copies the engine makes of a
/// method (a closure made from it, the method as inherited by a PHP subclass).
static ORIGINALS: RwLock<Vec<(usize, Handler)>> = RwLock::new(Vec::new());

/// Forgets every wrapped handler: the module is starting (again), its functions are new.
pub fn forget_all() {
    ORIGINALS
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
}

fn original(key: usize) -> Option<Handler> {
    let originals = ORIGINALS.read().unwrap_or_else(PoisonError::into_inner);
    originals
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, handler)| *handler)
}

/// Puts the argument parsing in front of `function`'s handler, once.
///
/// # Safety
/// `function` must be a live internal function that no PHP code is executing yet.
pub unsafe fn wrap(function: *mut zend_function) {
    // SAFETY: per the caller.
    let internal = unsafe { &mut (*function).internal_function };
    let key = internal.arg_info as usize;
    let Some(handler) = internal.handler else {
        return;
    };
    if key == 0 || original(key).is_some() {
        return;
    }
    ORIGINALS
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .push((key, handler));
    internal.handler = Some(checked as Handler);
}

/// The wrapper: parses the arguments, then runs the method when they are all acceptable.
extern "C" fn checked(execute_data: *mut zend_execute_data, return_value: *mut zval) {
    // SAFETY: the engine calls a handler with the live frame of a call to its function.
    let function = unsafe { (*execute_data).func };
    // SAFETY: the frame's function is the internal function this handler was installed on.
    let key = unsafe { (*function).internal_function.arg_info } as usize;
    let Some(handler) = original(key) else {
        // Not reachable: only wrapped functions run this handler.
        exception(ce::error(), "DingTalk: this method cannot be called").throw();
        return;
    };
    let mut accepted = false;
    run_handler(std::panic::AssertUnwindSafe(|| {
        // SAFETY: as above; the frame holds the call's arguments.
        accepted = unsafe { parse_arguments(execute_data, function) };
    }));
    if accepted && !ExecutorGlobals::has_exception() {
        // SAFETY: the handler the engine registered for this function, called as the engine would.
        unsafe { handler(execute_data, return_value) };
    }
}

/// Parses each argument of the call by its parameter's declared type; `false` once one is
/// refused (the engine's `TypeError` is then pending).
///
/// # Safety
/// `execute_data` must be the live frame of a call to the internal function `function`.
unsafe fn parse_arguments(
    execute_data: *mut zend_execute_data,
    function: *mut zend_function,
) -> bool {
    // SAFETY: per the caller.
    let (frame, common) = unsafe { (&*execute_data.cast::<ExecuteData>(), &(*function).common) };
    // SAFETY: every field of the `u2` union of `This` is a u32; a call frame holds the count.
    let given = unsafe { frame.This.u2.num_args };
    let variadic = common.fn_flags & ZEND_ACC_VARIADIC != 0;
    if given < common.required_num_args || (given > common.num_args && !variadic) {
        // The method's own parsing throws PHP's ArgumentCountError.
        return true;
    }
    // SAFETY: per the caller, an internal function.
    let declared = unsafe { crate::php::frame::parameters(function) };
    for index in 0..given {
        let Some(info) = usize::try_from(index).ok().and_then(|i| declared.get(i)) else {
            // Extra arguments of a variadic function; none is declared by the binding.
            break;
        };
        // SAFETY: `index` is below the number of arguments in the frame.
        let Some(arg) = (unsafe { frame.zend_call_arg(usize::try_from(index).unwrap_or(0)) })
        else {
            continue;
        };
        // SAFETY: `info` is the declared parameter `index + 1` of the running function.
        if !unsafe { parse(arg, info, index + 1) } {
            return false;
        }
    }
    true
}

const MAY_BE_NULL: u32 = 1 << IS_NULL;
const MAY_BE_BOOL: u32 = (1 << IS_FALSE) | (1 << IS_TRUE);
const MAY_BE_LONG: u32 = 1 << IS_LONG;
const MAY_BE_DOUBLE: u32 = 1 << IS_DOUBLE;
const MAY_BE_STRING: u32 = 1 << IS_STRING;
const MAY_BE_ARRAY: u32 = 1 << IS_ARRAY;
/// The `MAY_BE_*` bits of a type mask: one per value type, the same since PHP 8.0.
const VALUE_TYPES: u32 = (1 << 18) - 1;
/// `array|string` (see [`crate::php::union`]).
pub const ARRAY_OR_STRING: u32 = MAY_BE_ARRAY | MAY_BE_STRING;
/// The bits above the type: how the argument is sent, whether it is variadic.
const EXTRA_FLAGS: u32 = !((1 << _ZEND_SEND_MODE_SHIFT) - 1);
/// [`EXTRA_FLAGS`], for the module that declares union types.
pub const SEND_FLAGS: u32 = EXTRA_FLAGS;

/// What a declared type asks of an argument, for the types this module parses.
enum Declared {
    Bool,
    Long,
    Double,
    String,
    Array,
    /// `array|string`: an array as it is, anything else as a string.
    ArrayOrString,
    /// An object of the class named (a `zend_string`).
    Class(*const zend_string),
    /// Any other type: left to the method.
    Other,
}

fn declared(info: &zend_internal_arg_info) -> (Declared, bool) {
    let mask = info.type_.type_mask;
    let nullable = mask & MAY_BE_NULL != 0;
    let kind = mask & !EXTRA_FLAGS;
    let types = kind & VALUE_TYPES & !MAY_BE_NULL;
    let declared = if kind & !(VALUE_TYPES | _ZEND_TYPE_NAME_BIT) != 0 {
        // A union of classes, an intersection, `iterable` and the like.
        Declared::Other
    } else if kind & _ZEND_TYPE_NAME_BIT != 0 {
        if types == 0 && !info.type_.ptr.is_null() {
            Declared::Class(info.type_.ptr.cast::<zend_string>())
        } else {
            Declared::Other
        }
    } else {
        match types {
            MAY_BE_BOOL => Declared::Bool,
            MAY_BE_LONG => Declared::Long,
            MAY_BE_DOUBLE => Declared::Double,
            MAY_BE_STRING => Declared::String,
            MAY_BE_ARRAY => Declared::Array,
            ARRAY_OR_STRING => Declared::ArrayOrString,
            _ => Declared::Other,
        }
    };
    (declared, nullable)
}

/// The engine's name of an expected type, for its error message.
fn expected(declared: &Declared, nullable: bool) -> Option<_zend_expected_type> {
    let (plain, or_null) = match declared {
        Declared::Bool => (
            _zend_expected_type_Z_EXPECTED_BOOL,
            _zend_expected_type_Z_EXPECTED_BOOL_OR_NULL,
        ),
        Declared::Long => (
            _zend_expected_type_Z_EXPECTED_LONG,
            _zend_expected_type_Z_EXPECTED_LONG_OR_NULL,
        ),
        Declared::Double => (
            _zend_expected_type_Z_EXPECTED_DOUBLE,
            _zend_expected_type_Z_EXPECTED_DOUBLE_OR_NULL,
        ),
        Declared::String => (
            _zend_expected_type_Z_EXPECTED_STRING,
            _zend_expected_type_Z_EXPECTED_STRING_OR_NULL,
        ),
        Declared::Array => (
            _zend_expected_type_Z_EXPECTED_ARRAY,
            _zend_expected_type_Z_EXPECTED_ARRAY_OR_NULL,
        ),
        Declared::ArrayOrString => (
            _zend_expected_type_Z_EXPECTED_ARRAY_OR_STRING,
            _zend_expected_type_Z_EXPECTED_ARRAY_OR_STRING_OR_NULL,
        ),
        Declared::Class(_) | Declared::Other => return None,
    };
    Some(if nullable { or_null } else { plain })
}

/// Parses argument number `number` as PHP's parameter parsing would for its declared type,
/// leaving the converted value in the frame; `false` when it is refused (`TypeError` pending).
///
/// # Safety
/// `arg` must be the frame slot of argument `number`, `info` its declared parameter.
unsafe fn parse(arg: &mut Zval, info: &zend_internal_arg_info, number: u32) -> bool {
    if (info.type_.type_mask >> _ZEND_SEND_MODE_SHIFT) & 3 != 0 {
        // Sent by reference: the method works on the caller's variable itself.
        return true;
    }
    if arg.is_reference() {
        // A by-value parameter receives the value, as the engine gives it to PHP functions.
        let value = arg.dereference().shallow_clone();
        *arg = value;
    }
    let (declared, nullable) = declared(info);
    if arg.is_null() && nullable {
        return true;
    }
    let raw = std::ptr::from_mut(arg).cast::<zval>();
    let accepted = match declared {
        Declared::Other => return true,
        Declared::Class(name) => return class_instance(arg, name, nullable, number),
        Declared::Array => arg.is_array(),
        Declared::Bool => {
            if arg.is_bool() {
                true
            } else {
                let mut value = false;
                // SAFETY: `raw` is a live zval; the engine writes `value`.
                let ok = unsafe { zend_parse_arg_bool_slow(raw, &raw mut value, number) };
                if ok {
                    arg.set_bool(value);
                }
                ok
            }
        }
        Declared::Long => {
            if arg.is_long() {
                true
            } else {
                let mut value: zend_long = 0;
                // SAFETY: as above.
                let ok = unsafe { zend_parse_arg_long_slow(raw, &raw mut value, number) };
                if ok {
                    arg.set_long(value);
                }
                ok
            }
        }
        Declared::Double => {
            if arg.is_double() {
                true
            } else if let Some(int) = arg.long() {
                // An int is accepted for a float in strict mode too, as by the engine.
                #[allow(clippy::cast_precision_loss)]
                arg.set_double(int as f64);
                true
            } else {
                let mut value = 0.0;
                // SAFETY: as above.
                let ok = unsafe { zend_parse_arg_double_slow(raw, &raw mut value, number) };
                if ok {
                    arg.set_double(value);
                }
                ok
            }
        }
        Declared::ArrayOrString if arg.is_array() => true,
        Declared::String | Declared::ArrayOrString => {
            let mut string: *mut zend_string = std::ptr::null_mut();
            // SAFETY: as above; on success the engine leaves the string in the zval itself.
            arg.is_string() || unsafe { zend_parse_arg_str_slow(raw, &raw mut string, number) }
        }
    };
    if !accepted {
        if let Some(expected) = expected(&declared, nullable) {
            // SAFETY: `raw` is the live argument; the engine only reads it for the message.
            unsafe { zend_wrong_parameter_type_error(number, expected, raw) };
        }
    }
    accepted
}

/// Whether `arg` is an object of the class named `name` (or of a subclass); throws the engine's
/// `TypeError` when it is not.
fn class_instance(arg: &mut Zval, name: *const zend_string, nullable: bool, number: u32) -> bool {
    // SAFETY: a registered parameter type names its class with a live `zend_string`.
    let name = unsafe { &*name.cast::<ZendStr>() };
    let class = name.as_str().ok().and_then(ClassEntry::try_find);
    let accepted = match (arg.object(), class) {
        (Some(object), Some(class)) => object.instance_of(class),
        _ => false,
    };
    if !accepted {
        let raw = std::ptr::from_mut(arg).cast::<zval>();
        // SAFETY: `raw` is the live argument, the name a NUL-terminated class name.
        unsafe {
            match name.as_c_str() {
                Ok(name) if nullable => {
                    zend_wrong_parameter_class_or_null_error(number, name.as_ptr(), raw);
                }
                Ok(name) => zend_wrong_parameter_class_error(number, name.as_ptr(), raw),
                Err(_) => zend_wrong_parameter_type_error(
                    number,
                    _zend_expected_type_Z_EXPECTED_OBJECT,
                    raw,
                ),
            }
        }
    }
    accepted
}
