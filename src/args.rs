//! Parameter types that take PHP values as they come and leave every check to the method, so
//! that bad input becomes a `ValueError` naming the argument rather than a generic `TypeError`.

use ext_php_rs::convert::{FromZval, StubLiteral};
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::Zval;

use crate::exceptions::{to_php, type_error, value_error};

/// A PHP `string` argument, kept as bytes until [`PhpStr::utf8`] checks it.
pub struct PhpStr<'a>(&'a [u8]);

impl<'a> FromZval<'a> for PhpStr<'a> {
    const TYPE: DataType = DataType::String;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.zend_str().map(|s| PhpStr(s.as_bytes()))
    }
}

impl<'a> PhpStr<'a> {
    /// The string for argument `name` of `method`, or a `ValueError` when it is not UTF-8.
    pub fn arg(&self, name: &str, method: &str) -> PhpResult<&'a str> {
        std::str::from_utf8(self.0).map_err(|_| value_error(method, name, NOT_UTF8))
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

/// The reason given for a string that is not UTF-8.
pub const NOT_UTF8: &str = "must be valid UTF-8";

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
    /// An object, resource or anything else JSON cannot carry; holds PHP's type name.
    Other(String),
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
    pub fn text(&self, name: &str) -> Result<String, dingtalk_core::Error> {
        match self {
            Key::Int(i) => Ok(i.to_string()),
            Key::Str(s) => Ok(s.clone()),
            Key::NonUtf8(_) => Err(dingtalk_core::Error::InvalidArgument {
                name: name.to_owned(),
                reason: "has a key that is not valid UTF-8".to_owned(),
            }),
        }
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

/// A PHP `array` argument, copied with its order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhpArray(pub Vec<(Key, PhpValue)>);

/// Nesting beyond this is refused rather than followed (a self-referencing array would recurse
/// without end).
const MAX_DEPTH: usize = 64;

fn copy_value(zval: &Zval, depth: usize) -> PhpValue {
    let zval = zval.dereference();
    if zval.is_null() {
        PhpValue::Null
    } else if let Some(b) = zval.bool() {
        PhpValue::Bool(b)
    } else if let Some(i) = zval.long() {
        PhpValue::Int(i)
    } else if let Some(f) = zval.double() {
        PhpValue::Float(f)
    } else if let Some(s) = zval.zend_str() {
        PhpValue::Str(s.as_bytes().to_vec())
    } else if let Some(array) = zval.array() {
        if depth >= MAX_DEPTH {
            return PhpValue::Other("array nested too deep".to_owned());
        }
        let mut entries = Vec::with_capacity(array.len());
        // `next_zval` rather than `iter()`: the latter panics on a key that is not UTF-8.
        let mut iter = array.iter();
        while let Some((key, value)) = iter.next_zval() {
            let key = match (key.long(), key.zend_str()) {
                (Some(i), _) => Key::Int(i),
                (None, Some(s)) => match std::str::from_utf8(s.as_bytes()) {
                    Ok(text) => Key::Str(text.to_owned()),
                    Err(_) => Key::NonUtf8(String::from_utf8_lossy(s.as_bytes()).into_owned()),
                },
                (None, None) => continue,
            };
            entries.push((key, copy_value(value, depth + 1)));
        }
        PhpValue::Array(PhpArray(entries))
    } else {
        PhpValue::Other(php_type_name(zval.get_type()).to_owned())
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

impl<'a> FromZval<'a> for PhpArray {
    const TYPE: DataType = DataType::Array;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.array()?;
        match copy_value(zval, 0) {
            PhpValue::Array(array) => Some(array),
            _ => None,
        }
    }
}

impl StubLiteral for PhpArray {
    fn stub_literal(&self) -> String {
        "[]".to_owned()
    }
}

impl PhpArray {
    /// The empty array, the default of optional array parameters.
    pub fn empty() -> Self {
        PhpArray(Vec::new())
    }

    /// Whether the keys are 0, 1, 2, ... in order (a PHP "list").
    pub fn is_list(&self) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(i, (key, _))| matches!(key, Key::Int(k) if usize::try_from(*k) == Ok(i)))
    }
}

impl PhpValue {
    /// PHP's name of the value's type, for error messages.
    pub fn type_name(&self) -> &str {
        match self {
            PhpValue::Null => "null",
            PhpValue::Bool(_) => "bool",
            PhpValue::Int(_) => "int",
            PhpValue::Float(_) => "float",
            PhpValue::Str(_) => "string",
            PhpValue::Array(_) => "array",
            PhpValue::Other(name) => name,
        }
    }
}

impl PhpValue {
    /// The string held, for argument `name` of `method`: a `TypeError` for another type, a
    /// `ValueError` for bytes that are not UTF-8.
    pub fn text(&self, name: &str, method: &str) -> PhpResult<&str> {
        match self {
            PhpValue::Str(bytes) => {
                std::str::from_utf8(bytes).map_err(|_| value_error(method, name, NOT_UTF8))
            }
            other => Err(type_error(method, name, "string", other.type_name())),
        }
    }

    /// The int held, for argument `name` of `method`: a `TypeError` for another type.
    pub fn int(&self, name: &str, method: &str) -> PhpResult<i64> {
        match self {
            PhpValue::Int(i) => Ok(*i),
            other => Err(type_error(method, name, "int", other.type_name())),
        }
    }
}

impl PhpArray {
    /// The entries of `method`'s `$options`, each key one of `known` (a `ValueError` otherwise);
    /// entries set to `null`, which means "the default", are left out.
    pub fn options<'s>(
        &'s self,
        known: &[&'static str],
        method: &str,
    ) -> PhpResult<Vec<(&'static str, &'s PhpValue)>> {
        let mut entries = Vec::with_capacity(self.0.len());
        for (key, value) in &self.0 {
            key.text("options").map_err(|e| to_php(e, method))?;
            let name = known.iter().find(|k| matches!(key, Key::Str(s) if s == *k));
            let Some(name) = name else {
                let reason = format!("has an unknown key \"{key}\" (known: {})", known.join(", "));
                return Err(value_error(method, "options", &reason));
            };
            if *value != PhpValue::Null {
                entries.push((*name, value));
            }
        }
        Ok(entries)
    }
}
