//! The functions this extension registered, found by class and method before any PHP code
//! runs, for what ext-php-rs cannot declare (parameter attributes, union types).

use ext_php_rs::ffi::zend_function;
use ext_php_rs::zend::ClassEntry;

/// `class::method` (the method in lower case, as the function table keys it), or `None` when
/// the class or the method is not registered.
pub fn method(class: &str, method: &str) -> Option<*mut zend_function> {
    let ce = ClassEntry::try_find(class)?;
    let entry = ce.function_table.get(method)?;
    // SAFETY: the function table of a class maps names to `zend_function` pointers.
    let function = unsafe { entry.value.ptr }.cast::<zend_function>();
    (!function.is_null()).then_some(function)
}
