//! DingTalk's answers: the fields every oapi answer shares (`errcode`, `errmsg`, ...) and each
//! API's own fields, decoded from the body in one pass, straight into typed structs.

use std::fmt;

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, Error, Result, TransportError, TransportErrorKind};
use crate::redact::{cut, redact, snippet};
use crate::retry;
use crate::transport::RawResponse;

/// A scalar DingTalk sends as a number or as a string, depending on the API and its age.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Scalar {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Scalar {
    fn code(&self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(*i),
            Scalar::Text(s) => s.trim().parse().ok(),
            Scalar::Float(_) => None,
        }
    }

    fn text(self) -> String {
        match self {
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Text(s) => s,
        }
    }
}

/// The fields every oapi answer shares.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Envelope {
    pub(crate) errcode: Option<Scalar>,
    pub(crate) errmsg: Option<Scalar>,
    pub(crate) request_id: Option<Scalar>,
    pub(crate) sub_code: Option<Scalar>,
    pub(crate) sub_msg: Option<Scalar>,
}

/// An answer type: decoded from the whole body, it hands over the shared fields.
pub(crate) trait Reply: DeserializeOwned {
    /// Takes the shared fields out of the decoded answer.
    fn envelope(&mut self) -> Envelope;
}

/// The whole body, for the generic `get()`/`post()`.
impl Reply for Value {
    fn envelope(&mut self) -> Envelope {
        // A body that is not an object has no errcode: `decode` reports it.
        Envelope::deserialize(&*self).unwrap_or_default()
    }
}

/// Declares an answer type: the shared fields plus the API's own, all optional so that an
/// error answer (which has none of the API's fields) decodes too.
macro_rules! reply {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(serde::Deserialize)]
        pub(crate) struct $name {
            errcode: Option<$crate::answer::Scalar>,
            errmsg: Option<$crate::answer::Scalar>,
            request_id: Option<$crate::answer::Scalar>,
            sub_code: Option<$crate::answer::Scalar>,
            sub_msg: Option<$crate::answer::Scalar>,
            $($(#[$field_meta])* pub(crate) $field: Option<$ty>,)*
        }

        impl $crate::answer::Reply for $name {
            fn envelope(&mut self) -> $crate::answer::Envelope {
                $crate::answer::Envelope {
                    errcode: self.errcode.take(),
                    errmsg: self.errmsg.take(),
                    request_id: self.request_id.take(),
                    sub_code: self.sub_code.take(),
                    sub_msg: self.sub_msg.take(),
                }
            }
        }
    };
}
pub(crate) use reply;

/// How the texts of one answer may be shown in an error.
#[derive(Clone, Copy)]
pub(crate) struct Disclosure<'a> {
    /// Removed from every text of the answer (the app secret, the token that was sent, and any
    /// token the answer itself holds).
    pub(crate) secrets: &'a [&'a str],
    /// Whether a body that is not DingTalk's may be quoted. Not a `/gettoken` answer that
    /// mentions `access_token`: once such a body is malformed, no search can be sure to find
    /// the token in it.
    pub(crate) quote_body: bool,
}

/// The longest text taken from an answer's fields into an error, in characters.
const MAX_FIELD_CHARS: usize = 500;

/// A text from the network, made fit for an error: secrets removed first, then cut.
fn scrubbed(text: String, disclosure: Disclosure<'_>) -> String {
    cut(&redact(&text, disclosure.secrets), MAX_FIELD_CHARS)
}

/// A transport error for an answer that is not what DingTalk sends.
pub(crate) fn unexpected(
    path: &str,
    response: &RawResponse,
    what: &str,
    disclosure: Disclosure<'_>,
) -> Error {
    let kind = if response.status >= 300 {
        TransportErrorKind::Status(response.status)
    } else {
        TransportErrorKind::Decode
    };
    let body = if disclosure.quote_body {
        snippet(&response.body, disclosure.secrets)
    } else {
        format!(
            "not shown, {} bytes (it may hold a token)",
            response.body.len()
        )
    };
    let detail = format!(
        "unexpected answer ({}): HTTP {}, body: {body}",
        cut(what, MAX_FIELD_CHARS),
        response.status,
    );
    TransportError::new(path, kind, redact(&detail, disclosure.secrets)).into()
}

/// The error for a successful answer that lacks one of its API's fields.
pub(crate) fn missing(path: &str, field: &str) -> Error {
    TransportError::new(
        path,
        TransportErrorKind::Decode,
        format!("unexpected answer: no \"{field}\""),
    )
    .into()
}

/// Checks the shared fields: an [`ApiError`] for a non-zero errcode, a transport error for an
/// answer without one or with an HTTP error status. Every text taken from the answer is scrubbed.
fn check(
    envelope: Envelope,
    path: &str,
    response: &RawResponse,
    disclosure: Disclosure<'_>,
) -> Result<()> {
    let Some(errcode) = envelope.errcode.as_ref().and_then(Scalar::code) else {
        return Err(unexpected(path, response, "no errcode", disclosure));
    };
    if errcode != 0 {
        let sub_code = envelope.sub_code.map(Scalar::text);
        // Classified on DingTalk's own code, before scrubbing could change it.
        let kind = retry::classify(errcode, sub_code.as_deref());
        let text = |field: Option<Scalar>| field.map(|t| scrubbed(t.text(), disclosure));
        return Err(ApiError {
            path: path.to_owned(),
            errcode,
            errmsg: text(envelope.errmsg).unwrap_or_default(),
            request_id: text(envelope.request_id),
            sub_code: sub_code.map(|code| scrubbed(code, disclosure)),
            sub_msg: text(envelope.sub_msg),
            kind,
        }
        .into());
    }
    if !(200..300).contains(&response.status) {
        return Err(unexpected(
            path,
            response,
            "errcode 0 with an error status",
            disclosure,
        ));
    }
    Ok(())
}

/// Turns an oapi answer into `T`, an [`ApiError`], or a transport error for anything that is
/// not DingTalk's JSON (an HTML error page, a throttling page, a truncated body).
pub(crate) fn decode<T: Reply>(
    path: &str,
    response: &RawResponse,
    disclosure: Disclosure<'_>,
) -> Result<T> {
    match serde_json::from_slice::<T>(&response.body) {
        Ok(mut reply) => {
            check(reply.envelope(), path, response, disclosure)?;
            Ok(reply)
        }
        // The API's fields did not fit: still report DingTalk's error if it is one.
        Err(error) => match serde_json::from_slice::<Envelope>(&response.body) {
            Ok(envelope) => {
                check(envelope, path, response, disclosure)?;
                Err(unexpected(path, response, &error.to_string(), disclosure))
            }
            Err(_) => Err(unexpected(path, response, "not a JSON object", disclosure)),
        },
    }
}

/// Every string an answer holds under an `access_token` key, at any depth, duplicates included
/// (a typed decode would stop at the first duplicate, a `Value` keep only the last). These are
/// secrets from the moment they arrive, even in an answer that is refused.
pub(crate) fn token_values(body: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    // A body that is not JSON holds no findable token: such a body is never quoted either.
    let _ = TokenFinder { found: &mut found }.deserialize(&mut deserializer);
    found
}

/// Walks any JSON value, collecting the strings found under `access_token` keys.
struct TokenFinder<'a> {
    found: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for TokenFinder<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TokenFinder<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq
            .next_element_seed(TokenFinder {
                found: &mut *self.found,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "access_token" {
                match map.next_value::<Value>()? {
                    Value::String(token) => self.found.push(token),
                    other => self.found.push(other.to_string()),
                }
            } else {
                map.next_value_seed(TokenFinder {
                    found: &mut *self.found,
                })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    const OPEN: Disclosure<'static> = Disclosure {
        secrets: &[],
        quote_body: true,
    };

    fn hiding<'a>(secrets: &'a [&'a str]) -> Disclosure<'a> {
        Disclosure {
            secrets,
            quote_body: true,
        }
    }

    #[test]
    fn decodes_success_and_errors() {
        let ok =
            decode::<Value>("/p", &raw(200, r#"{"errcode":0,"record_id":"r"}"#), OPEN).unwrap();
        assert_eq!(ok["record_id"], "r");
        let Err(Error::Api(api)) = decode::<Value>(
            "/p",
            &raw(
                200,
                r#"{"errcode":88,"errmsg":"auth","sub_code":"42001","request_id":"q1"}"#,
            ),
            OPEN,
        ) else {
            panic!("expected an API error")
        };
        assert_eq!(
            (
                api.errcode,
                api.sub_code.as_deref(),
                api.request_id.as_deref()
            ),
            (88, Some("42001"), Some("q1"))
        );
        assert_eq!(api.kind, crate::ErrorKind::Authentication);
        let Err(Error::Api(api)) = decode::<Value>("/p", &raw(200, r#"{"errcode":"90018"}"#), OPEN)
        else {
            panic!("expected an API error")
        };
        assert_eq!(api.errcode, 90018);
    }

    #[test]
    fn non_dingtalk_bodies_are_transport_errors() {
        let html = decode::<Value>("/p", &raw(502, "<html>bad gateway</html>"), OPEN).unwrap_err();
        assert!(
            matches!(&html, Error::Transport(t) if t.kind == TransportErrorKind::Status(502)),
            "{html:?}"
        );
        let throttle =
            decode::<Value>("/p", &raw(200, r#"{"status":1111,"wait":5}"#), OPEN).unwrap_err();
        assert!(matches!(&throttle, Error::Transport(t) if t.kind == TransportErrorKind::Decode));
        let echoed =
            decode::<Value>("/p", &raw(500, "token=tok123"), hiding(&["tok123"])).unwrap_err();
        assert!(!echoed.to_string().contains("tok123"), "{echoed}");
    }

    #[test]
    fn every_text_field_of_an_error_answer_is_scrubbed() {
        let token = "9f86d081884c7d659a2feaa0c55ad015";
        let body = format!(
            r#"{{"errcode":88,"errmsg":"bad {token}","sub_code":"{token}","sub_msg":"x%20{token}","request_id":"req-{token}"}}"#
        );
        let Err(Error::Api(api)) = decode::<Value>("/p", &raw(200, &body), hiding(&[token])) else {
            panic!("expected an API error")
        };
        let shown = format!("{api} {api:?}");
        assert!(!shown.contains("9f86d08"), "{shown}");
        assert_eq!(api.request_id.as_deref(), Some("req-***"));
        assert_eq!(api.sub_code.as_deref(), Some("***"));
    }

    #[test]
    fn a_body_that_may_hold_a_token_is_never_quoted() {
        let withheld = Disclosure {
            secrets: &[],
            quote_body: false,
        };
        for body in [
            r#"{"errcode":0,"access_token":"TOKEN-abc-123","expires_in":"soon"}"#,
            r#"{"errcode":0,"access_token":"TOKEN-abc-123","access_token":"x"}"#,
            "<html>TOKEN-abc-123</html>",
        ] {
            let error = decode::<Value>("/gettoken", &raw(500, body), withheld).unwrap_err();
            assert!(!error.to_string().contains("TOKEN"), "{error}");
        }
    }

    #[test]
    fn token_values_are_found_under_any_spelling_and_in_duplicates() {
        let body = br#"{"errcode":1,"access_token":"first","x":[{"access_token":"nested"}],"access\u005ftoken":"escaped","access_token":7}"#;
        assert_eq!(token_values(body), ["first", "nested", "escaped", "7"]);
        assert!(token_values(b"<html>").is_empty());
    }

    reply!(
        #[derive(Debug)]
        Probe { n: u32 }
    );

    #[test]
    fn typed_answers_decode_in_one_pass_and_still_report_errors() {
        let ok: Probe = decode("/p", &raw(200, r#"{"errcode":0,"n":7}"#), OPEN).unwrap();
        assert_eq!(ok.n, Some(7));
        let absent: Probe = decode("/p", &raw(200, r#"{"errcode":0}"#), OPEN).unwrap();
        assert_eq!(absent.n, None, "the caller reports a missing field");
        // An error answer whose other fields do not fit the type is still DingTalk's error.
        let Err(Error::Api(api)) =
            decode::<Probe>("/p", &raw(200, r#"{"errcode":-1,"n":"busy"}"#), OPEN)
        else {
            panic!("expected an API error")
        };
        assert_eq!(api.errcode, -1);
        let mistyped =
            decode::<Probe>("/p", &raw(200, r#"{"errcode":0,"n":"x"}"#), OPEN).unwrap_err();
        assert!(
            matches!(&mistyped, Error::Transport(t) if t.kind == TransportErrorKind::Decode),
            "{mistyped:?}"
        );
    }
}
