//! The one way an exception to throw is made: any class, with a message the engine can take
//! (it reads messages, like the cells of `phpinfo()`, as C strings: see [`visible`]).

use std::borrow::Cow;

use ext_php_rs::exception::PhpException;
use ext_php_rs::zend::ClassEntry;

/// `text` with every NUL byte written as `\0`. PHP strings may hold NUL, but a message with one
/// cannot be thrown (the engine takes it as a C string) and would turn the documented exception
/// into a plain `\Error`; shown visibly, it also cannot hide the rest of a message from a log.
pub fn visible(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\\0"))
    } else {
        Cow::Borrowed(text)
    }
}

/// An exception of `class` with `message`, which can always be thrown. Every exception the
/// extension throws is made here.
pub fn exception(class: &'static ClassEntry, message: &str) -> PhpException {
    PhpException::new(visible(message).into_owned(), 0, class)
}
