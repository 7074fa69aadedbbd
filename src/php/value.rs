//! PHP values copied out of an array argument ([`crate::php::args::ArrayArg::copy`]), and the
//! one way each kind is read for the core: a string, an int, a number, the known keys of an
//! options array. What cannot be used is an [`ArgError`] naming the value by its path
//! (`options[timeout]`).

use crate::php::arg_error::ArgError;

/// A PHP value copied out of an array argument.
#[derive(Debug, Clone, PartialEq)]
pub enum PhpValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Bytes: PHP strings need not be UTF-8; the consumer checks.
    Str(Vec<u8>),
    Array(PhpArray),
    /// A `\DateTimeInterface`, as milliseconds since the epoch (DingTalk's unit of time).
    Time(i64),
    /// An object, resource or anything else JSON cannot carry; holds PHP's type name.
    Other(&'static str),
}

/// A key of a PHP array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Int(i64),
    Str(String),
    /// A string key that is not valid UTF-8, shown lossily; refused by [`Key::text`].
    NonUtf8(String),
}

impl Key {
    /// The key as text (ints in decimal), or an error naming `name` for a non-UTF-8 key.
    pub fn text(&self, name: &str) -> Result<String, ArgError> {
        match self {
            Key::Int(i) => Ok(i.to_string()),
            Key::Str(s) => Ok(s.clone()),
            Key::NonUtf8(_) => Err(ArgError::value(name, "has a key that is not valid UTF-8")),
        }
    }

    /// The one of `known` this key is, or a `ValueError` naming the array `name` it is in.
    pub fn one_of(&self, known: &[&'static str], name: &str) -> Result<&'static str, ArgError> {
        let found = known
            .iter()
            .find(|k| matches!(self, Key::Str(s) if s == *k));
        found.copied().ok_or_else(|| {
            let reason = format!(
                "has an unknown key \"{self}\" (known: {})",
                known.join(", ")
            );
            ArgError::value(name, reason)
        })
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Int(i) => write!(f, "{i}"),
            Key::Str(s) | Key::NonUtf8(s) => write!(f, "{s}"),
        }
    }
}

/// The contents of a PHP `array` argument, copied with their order by
/// [`crate::php::args::ArrayArg::copy`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhpArray(pub Vec<(Key, PhpValue)>);

impl PhpArray {
    /// Whether the keys are 0, 1, 2, ... in order (a PHP "list").
    pub fn is_list(&self) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(i, (key, _))| matches!(key, Key::Int(k) if usize::try_from(*k) == Ok(i)))
    }

    /// The entries of `$options`, each key one of `known` (a `ValueError` otherwise); entries
    /// set to `null`, which means "the default", are left out.
    pub fn options(
        &self,
        known: &[&'static str],
    ) -> Result<Vec<(&'static str, &PhpValue)>, ArgError> {
        let mut entries = Vec::with_capacity(self.0.len());
        for (key, value) in &self.0 {
            key.text("options")?;
            let name = key.one_of(known, "options")?;
            if *value != PhpValue::Null {
                entries.push((name, value));
            }
        }
        Ok(entries)
    }
}

impl PhpValue {
    /// PHP's name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            PhpValue::Null => "null",
            PhpValue::Bool(_) => "bool",
            PhpValue::Int(_) => "int",
            PhpValue::Float(_) => "float",
            PhpValue::Str(_) => "string",
            PhpValue::Array(_) => "array",
            PhpValue::Time(_) => "DateTimeInterface",
            PhpValue::Other(name) => name,
        }
    }

    /// The string held, for `name`: a `TypeError` for another type, a `ValueError` for bytes
    /// that are not UTF-8.
    pub fn string(&self, name: &str) -> Result<&str, ArgError> {
        match self {
            PhpValue::Str(bytes) => utf8(bytes, name),
            other => Err(ArgError::of_type(name, "string", other.type_name())),
        }
    }

    /// The int held, for `name`: a `TypeError` for another type.
    pub fn int(&self, name: &str) -> Result<i64, ArgError> {
        match self {
            PhpValue::Int(i) => Ok(*i),
            other => Err(ArgError::of_type(name, "int", other.type_name())),
        }
    }

    /// The number held (seconds, a rate), for `name`: an int or a float, as a PHP `float`
    /// parameter takes them; a `TypeError` for another type.
    pub fn float(&self, name: &str) -> Result<f64, ArgError> {
        match self {
            PhpValue::Float(f) => Ok(*f),
            // Whole seconds are fine as ints; the precision lost above 2^53 does not matter.
            #[allow(clippy::cast_precision_loss)]
            PhpValue::Int(i) => Ok(*i as f64),
            other => Err(ArgError::of_type(name, "float", other.type_name())),
        }
    }
}

/// `f` when it is finite: neither JSON nor a query can carry NAN or INF, and PHP's own renderings
/// of them (`NAN`, `INF`) mean nothing to DingTalk.
pub fn finite(f: f64, name: &str) -> Result<f64, ArgError> {
    if f.is_finite() {
        Ok(f)
    } else {
        Err(ArgError::value(
            name,
            "must be a finite number (NAN and INF cannot be sent)",
        ))
    }
}

/// The reason given for a string that is not UTF-8.
pub const NOT_UTF8: &str = "must be valid UTF-8";

/// The text of `bytes`, for `name`: a `ValueError` when they are not UTF-8.
pub fn utf8<'s>(bytes: &'s [u8], name: &str) -> Result<&'s str, ArgError> {
    std::str::from_utf8(bytes).map_err(|_| ArgError::value(name, NOT_UTF8))
}
