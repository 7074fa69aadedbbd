//! `\DateTimeInterface` values, read as DingTalk's unit: milliseconds since the epoch.

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ClassEntry;

/// The milliseconds since the epoch of a `\DateTimeInterface` object; `None` for any other
/// value (or one whose `format()` fails, which a date object never does).
pub fn millis(zval: &Zval) -> Option<i64> {
    let object = zval.object()?;
    let interface = ClassEntry::try_find("DateTimeInterface")?;
    if !object.instance_of(interface) {
        return None;
    }
    // "Uv": seconds since the epoch, then three digits of milliseconds.
    let formatted = object.try_call_method("format", vec![&"Uv"]).ok()?;
    formatted.str()?.parse().ok()
}
