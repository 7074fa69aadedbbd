//! An oapi success answer read in one pass.
//!
//! Judging an answer (its `errcode`) and decoding it into the API's type are two parses of the
//! same body; for a page of records the first, which only skips the records, costs a fifth of
//! the call. Most answers are plain successes, so they are read once: the top-level keys go to
//! the API's type as they are, and `errcode`, which they include, is looked at on the way.
//! Anything else — an error, a missing or doubled `errcode`, a body the type does not fit —
//! yields `None`, and the caller judges and decodes the answer the careful way, so every error
//! keeps the wording it has there.

use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::Deserializer as _;
use serde_json::Value;

use crate::http::RawResponse;

/// The answer as `T`, when it is an HTTP 2xx with errcode 0; otherwise `None`.
pub(crate) fn read<T: DeserializeOwned>(raw: &RawResponse) -> Option<T> {
    if !(200..300).contains(&raw.status) {
        return None;
    }
    let mut errcode = ErrcodeSeen::None;
    let mut json = serde_json::Deserializer::from_slice(&raw.body);
    let answer = (&mut json)
        .deserialize_map(TopLevel {
            errcode: &mut errcode,
            answer: PhantomData::<T>,
        })
        .ok()?;
    json.end().ok()?;
    (errcode == ErrcodeSeen::Once(Some(0))).then_some(answer)
}

/// What was seen of `errcode` among the top-level keys.
#[derive(Debug, PartialEq)]
enum ErrcodeSeen {
    None,
    /// Its value as a number, when it is one (DingTalk sends an integer, or a string of one).
    Once(Option<i64>),
    Twice,
}

impl ErrcodeSeen {
    fn see(&mut self, value: &Value) {
        *self = match self {
            ErrcodeSeen::None => ErrcodeSeen::Once(match value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }),
            _ => ErrcodeSeen::Twice,
        };
    }
}

/// The top-level object, handed to `T` through [`Tee`].
struct TopLevel<'a, T> {
    errcode: &'a mut ErrcodeSeen,
    answer: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for TopLevel<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(Tee {
            map,
            errcode: self.errcode,
            next_is_errcode: false,
        }))
    }
}

/// The top-level entries, passed on unchanged; the value of `errcode` is read first (it is a
/// scalar) and then passed on from that copy.
struct Tee<'a, A> {
    map: A,
    errcode: &'a mut ErrcodeSeen,
    next_is_errcode: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Tee<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key::<String>()? else {
            return Ok(None);
        };
        self.next_is_errcode = key == "errcode";
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        if !std::mem::take(&mut self.next_is_errcode) {
            return self.map.next_value_seed(seed);
        }
        let value: Value = self.map.next_value()?;
        self.errcode.see(&value);
        seed.deserialize(value.into_deserializer())
            .map_err(|e| serde::de::Error::custom(e.to_string()))
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{json, Value};

    use super::read;
    use crate::http::RawResponse;

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse::of(status, body)
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Added {
        record_id: String,
    }

    #[test]
    fn a_success_is_read_with_its_fields() {
        let body = r#"{"errcode":0,"errmsg":"ok","record_id":"r1","request_id":"q"}"#;
        assert_eq!(
            read::<Added>(&raw(200, body)),
            Some(Added {
                record_id: "r1".into()
            })
        );
        // errcode as a string of a number, and after the API's own fields.
        let body = r#"{"record_id":"r2","errcode":"0"}"#;
        assert_eq!(
            read::<Added>(&raw(200, body)).map(|a| a.record_id),
            Some("r2".into())
        );
    }

    #[test]
    fn a_whole_answer_keeps_errcode_and_every_other_key() {
        let body = r#"{"errcode":0,"errmsg":"ok","result":{"a":[1,2]}}"#;
        assert_eq!(
            read::<Value>(&raw(200, body)),
            Some(json!({"errcode": 0, "errmsg": "ok", "result": {"a": [1, 2]}}))
        );
    }

    #[test]
    fn anything_but_a_plain_success_is_left_to_the_careful_path() {
        let cases = [
            (
                200,
                r#"{"errcode":40014,"errmsg":"bad token","record_id":"r"}"#,
            ),
            (200, r#"{"record_id":"r"}"#),
            (200, r#"{"errcode":0,"errcode":0,"record_id":"r"}"#),
            (200, r#"{"errcode":0.0,"record_id":"r"}"#),
            (200, r#"{"errcode":null,"record_id":"r"}"#),
            (200, r#"{"errcode":0}"#),
            (200, r#"{"errcode":0,"record_id":"r"} trailing"#),
            (200, r#"[{"errcode":0,"record_id":"r"}]"#),
            (200, ""),
            (500, r#"{"errcode":0,"record_id":"r"}"#),
            (302, r#"{"errcode":0,"record_id":"r"}"#),
        ];
        for (status, body) in cases {
            assert_eq!(read::<Added>(&raw(status, body)), None, "{status} {body}");
        }
    }
}
