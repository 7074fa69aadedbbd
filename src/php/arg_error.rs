//! A problem with an argument that the binding finds while reading it from PHP (the core never
//! sees such a value): a value of the wrong type inside an array, NAN, bytes that are not UTF-8,
//! an array too large to copy. Only what is wrong, and with which argument: the message, with
//! the method's name, is worded where it is thrown.

/// What PHP throws for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// A `\ValueError`: the argument is of the declared type but cannot be used.
    Value,
    /// A `\TypeError`: a value inside an array argument is of the wrong type.
    Type,
    /// An `\Error`: the argument cannot be used at all (a callable that cannot be called).
    Unusable,
}

/// Argument `name` (`task[subject]`: a value inside an array argument is named by its path)
/// cannot be used; `reason` follows the name in the message ("must be valid UTF-8").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError {
    pub kind: ArgKind,
    pub name: String,
    pub reason: String,
}

impl ArgError {
    /// A `\ValueError`.
    pub fn value(name: impl Into<String>, reason: impl Into<String>) -> Self {
        ArgError {
            kind: ArgKind::Value,
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// A `\TypeError`: `name` is a `given` where an `expected` is needed.
    pub fn of_type(name: impl Into<String>, expected: &str, given: &str) -> Self {
        ArgError {
            kind: ArgKind::Type,
            name: name.into(),
            reason: format!("must be of type {expected}, {given} given"),
        }
    }

    /// An `\Error`: the callable `name` could not be called.
    pub fn not_callable(name: impl Into<String>) -> Self {
        ArgError {
            kind: ArgKind::Unusable,
            name: name.into(),
            reason: "could not be called".to_owned(),
        }
    }
}
