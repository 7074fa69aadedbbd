//! Reading request parameters: query strings and fields of a JSON body.
//!
//! Errors are messages that name the offending field, for errcode 40035.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The first value of `name` in a query string, percent-decoded with form rules
/// (`+` is a space, `%2B` a plus). Empty values count as absent.
pub fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<Cow<'a, str>> {
    let query = query?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The body as a JSON object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("invalid parameter: the body must be a JSON object".to_owned()),
        Err(_) => Err("invalid parameter: the body is not valid JSON".to_owned()),
    }
}

fn missing(name: &str) -> String {
    format!("missing parameter {name}")
}

/// `null` counts as absent, the way DingTalk's Java side reads it.
pub fn present<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).filter(|v| !v.is_null())
}

/// A required, non-empty string.
pub fn required_str<'a>(object: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    optional_str(object, name)?.ok_or_else(|| missing(name))
}

/// An optional string; an empty string counts as absent.
pub fn optional_str<'a>(
    object: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, String> {
    Ok(optional_text(object, name)?.filter(|s| !s.is_empty()))
}

/// An optional string, kept even when empty.
pub fn optional_text<'a>(
    object: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, String> {
    match present(object, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("invalid parameter {name}: must be a string")),
    }
}

/// A required integer (a JSON number without a fraction).
pub fn required_int(object: &Map<String, Value>, name: &str) -> Result<i64, String> {
    optional_int(object, name)?.ok_or_else(|| missing(name))
}

pub fn optional_int(object: &Map<String, Value>, name: &str) -> Result<Option<i64>, String> {
    match present(object, name) {
        None => Ok(None),
        Some(value) => value
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("invalid parameter {name}: must be an integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_form_decoded() {
        let q = Some("appkey=a%26b&appsecret=x+y%2Bz%23&empty=");
        assert_eq!(query_param(q, "appkey").as_deref(), Some("a&b"));
        assert_eq!(query_param(q, "appsecret").as_deref(), Some("x y+z#"));
        assert_eq!(query_param(q, "empty"), None);
        assert_eq!(query_param(q, "nope"), None);
        assert_eq!(query_param(None, "appkey"), None);
    }

    #[test]
    fn fields_name_themselves_in_errors() {
        let obj = json_object(br#"{"a":"x","n":5,"f":1.5,"z":null,"e":""}"#).unwrap();
        assert_eq!(required_str(&obj, "a"), Ok("x"));
        assert!(required_str(&obj, "n")
            .unwrap_err()
            .contains("n: must be a string"));
        assert_eq!(required_str(&obj, "z"), Err("missing parameter z".into()));
        assert_eq!(required_str(&obj, "e"), Err("missing parameter e".into()));
        assert_eq!(required_int(&obj, "n"), Ok(5));
        assert!(required_int(&obj, "f")
            .unwrap_err()
            .contains("f: must be an integer"));
        assert!(json_object(b"[1]").is_err());
        assert!(json_object(b"\xff\xfe").is_err());
    }
}
