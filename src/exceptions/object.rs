//! Exception objects made before they are thrown (or never thrown: the `error` of one item of a
//! bulk call), with their data written as the class's own code would write it.
//!
//! Creating the object through its class runs `\Exception`'s initialisation, so it has the file,
//! line and trace of the PHP call running now.

use std::ffi::c_char;

use dingtalk_core::{ApiError, Code};
use ext_php_rs::convert::IntoZval;
use ext_php_rs::ffi::{zend_class_entry, zend_object, zval};
use ext_php_rs::types::{ZendObject, Zval};
use ext_php_rs::zend::ClassEntry;

use super::classes::{ERRMSG, ERROR_CODE, REQUEST_ID, SUB_CODE};
use crate::php::throw::visible;

extern "C" {
    /// Writes a property as code of class `scope` would (so protected ones can be set).
    fn zend_update_property(
        scope: *mut zend_class_entry,
        object: *mut zend_object,
        name: *const c_char,
        name_length: usize,
        value: *mut zval,
    );
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

/// An object of exception class `class` with `message`.
pub fn plain(class: &'static ClassEntry, message: &str) -> Option<Zval> {
    let mut object = ZendObject::new(class);
    update(class, &mut object, "message", string_zval(message));
    object.into_zval(false).ok()
}

/// An object of `ApiException` (or a subclass) `class` with `message`, carrying DingTalk's
/// answer.
pub fn carrying(class: &'static ClassEntry, answer: &ApiError, message: &str) -> Option<Zval> {
    let message = visible(message).into_owned();
    // getCode(): the oapi errcode, or the HTTP status of a v1.0 error; getErrorCode() the code
    // as DingTalk spelled it.
    let code = match answer.code {
        Code::Number(errcode) => errcode,
        Code::Text(_) => i64::from(answer.http_status),
    };
    let mut object = ZendObject::new(class);
    let mut set = |name: &str, value: Zval| update(class, &mut object, name, value);
    set("message", string_zval(&message));
    set(
        "code",
        code.into_zval(false).unwrap_or_else(|_| Zval::null()),
    );
    set(ERROR_CODE, string_zval(&answer.code.to_string()));
    set(ERRMSG, string_zval(&answer.message));
    set(REQUEST_ID, optional_zval(answer.request_id.as_deref()));
    set(SUB_CODE, optional_zval(answer.sub_code.as_deref()));
    object.into_zval(false).ok()
}
