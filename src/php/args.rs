//! Parameter types that take PHP values as they come and leave every check to the method, so
//! that bad input becomes a `ValueError` naming the argument rather than a generic `TypeError`.
//! (The declared types themselves are enforced before the method runs: see [`crate::php::signature`].)
//! An array argument is copied, within bounds, into [`PhpArray`].

use ext_php_rs::convert::{FromZval, StubLiteral};
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};

use crate::php::arg_error::ArgError;
use crate::php::value::{utf8, Key, PhpArray, PhpValue};

/// A PHP `string` argument, kept as bytes until [`PhpStr::arg`] checks it.
pub struct PhpStr<'a>(&'a [u8]);

impl<'a> FromZval<'a> for PhpStr<'a> {
    const TYPE: DataType = DataType::String;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.zend_str().map(|s| PhpStr(s.as_bytes()))
    }
}

impl<'a> PhpStr<'a> {
    /// The string for argument `name`, or a `ValueError` when it is not UTF-8.
    pub fn arg(&self, name: &str) -> Result<&'a str, ArgError> {
        utf8(self.0, name)
    }

    /// [`PhpStr::arg`] of an optional argument.
    pub fn optional(value: Option<&Self>, name: &str) -> Result<Option<&'a str>, ArgError> {
        value.map(|value| value.arg(name)).transpose()
    }

    /// The bytes, whatever they are (for input that is checked as data, not as an argument).
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }
}

/// A string default (`#[php(defaults(name = "text"))]`).
impl<'a> From<&'a str> for PhpStr<'a> {
    fn from(text: &'a str) -> Self {
        PhpStr(text.as_bytes())
    }
}

impl StubLiteral for PhpStr<'_> {
    fn stub_literal(&self) -> String {
        String::from_utf8_lossy(self.0).stub_literal()
    }
}

/// A PHP `array` argument, not copied yet. The only way to its contents is [`ArrayArg::copy`],
/// which bounds what a copy may cost.
pub enum ArrayArg<'a> {
    /// The parameter's default, `[]`.
    Empty,
    Given(&'a ZendHashTable),
}

impl<'a> FromZval<'a> for ArrayArg<'a> {
    const TYPE: DataType = DataType::Array;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.array().map(ArrayArg::Given)
    }
}

impl StubLiteral for ArrayArg<'_> {
    fn stub_literal(&self) -> String {
        "[]".to_owned()
    }
}

/// Nesting beyond this is refused rather than followed (a self-referencing array has no end).
const MAX_DEPTH: usize = 64;
/// Values (array entries at any depth) one array argument may hold. Copy-on-write lets a few
/// hundred bytes of PHP hold a tree of 2^40 values (`[$a, $a]`, 40 levels): the count is of
/// the values copied, shared ones each time they are met.
const MAX_VALUES: usize = 100_000;
/// Bytes of strings (keys and values) one array argument may hold.
const MAX_BYTES: usize = 8 << 20;

impl ArrayArg<'_> {
    /// The contents of argument `name`.
    pub fn copy(&self, name: &str) -> Result<PhpArray, ArgError> {
        match self {
            ArrayArg::Empty => Ok(PhpArray::default()),
            ArrayArg::Given(table) => Copier::new(name).array(table, 0),
        }
    }
}

/// One bounded copy of an array argument.
struct Copier<'n> {
    name: &'n str,
    values: usize,
    bytes: usize,
}

impl<'n> Copier<'n> {
    fn new(name: &'n str) -> Self {
        Copier {
            name,
            values: 0,
            bytes: 0,
        }
    }

    fn too_large(&self, what: String) -> ArgError {
        ArgError::value(self.name, format!("is too large to send: more than {what}"))
    }

    fn count_value(&mut self) -> Result<(), ArgError> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(self.too_large(format!("{MAX_VALUES} values in all")));
        }
        Ok(())
    }

    fn count_bytes(&mut self, bytes: usize) -> Result<(), ArgError> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > MAX_BYTES {
            return Err(self.too_large(format!("{} MiB of strings in all", MAX_BYTES >> 20)));
        }
        Ok(())
    }

    fn array(&mut self, table: &ZendHashTable, depth: usize) -> Result<PhpArray, ArgError> {
        if depth >= MAX_DEPTH {
            return Err(ArgError::value(
                self.name,
                format!("is nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        // Room for what the bounds still allow, not for what the table claims to hold.
        let room = table.len().min(MAX_VALUES - self.values.min(MAX_VALUES));
        let mut entries = Vec::with_capacity(room);
        // `next_zval` rather than `iter()`: the latter panics on a key that is not UTF-8.
        let mut iter = table.iter();
        while let Some((key, value)) = iter.next_zval() {
            self.count_value()?;
            let key = match (key.long(), key.zend_str()) {
                (Some(i), _) => Key::Int(i),
                (None, Some(s)) => {
                    self.count_bytes(s.len())?;
                    match std::str::from_utf8(s.as_bytes()) {
                        Ok(text) => Key::Str(text.to_owned()),
                        Err(_) => Key::NonUtf8(String::from_utf8_lossy(s.as_bytes()).into_owned()),
                    }
                }
                (None, None) => continue,
            };
            let value = self.value(value, depth)?;
            entries.push((key, value));
        }
        Ok(PhpArray(entries))
    }

    fn value(&mut self, zval: &Zval, depth: usize) -> Result<PhpValue, ArgError> {
        let zval = zval.dereference();
        Ok(if zval.is_null() {
            PhpValue::Null
        } else if let Some(b) = zval.bool() {
            PhpValue::Bool(b)
        } else if let Some(i) = zval.long() {
            PhpValue::Int(i)
        } else if let Some(f) = zval.double() {
            PhpValue::Float(f)
        } else if let Some(s) = zval.zend_str() {
            self.count_bytes(s.len())?;
            PhpValue::Str(s.as_bytes().to_vec())
        } else if let Some(array) = zval.array() {
            PhpValue::Array(self.array(array, depth + 1)?)
        } else if let Some(ms) = crate::php::time::millis(zval) {
            PhpValue::Time(ms)
        } else {
            PhpValue::Other(php_type_name(zval.get_type()))
        })
    }
}

/// PHP's own name of a type that an array argument cannot carry.
fn php_type_name(data_type: DataType) -> &'static str {
    match data_type {
        DataType::Object(_) => "object",
        DataType::Resource => "resource",
        DataType::Callable => "callable",
        DataType::Iterable => "iterable",
        _ => "unsupported value",
    }
}
