//! DingTalk's answers: the fields every oapi answer shares (`errcode`, `errmsg`, ...) and each
//! API's own fields, decoded from the body in one pass, straight into typed structs.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, Error, Result, TransportError, TransportErrorKind};
use crate::redact::{redact, snippet};
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

/// A transport error for an answer that is not what DingTalk sends.
pub(crate) fn unexpected(
    path: &str,
    response: &RawResponse,
    what: &str,
    secrets: &[&str],
) -> Error {
    let kind = if response.status >= 300 {
        TransportErrorKind::Status(response.status)
    } else {
        TransportErrorKind::Decode
    };
    let detail = format!(
        "unexpected answer ({what}): HTTP {}, body: {}",
        response.status,
        snippet(&response.body)
    );
    TransportError::new(path, kind, redact(&detail, secrets)).into()
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
/// answer without one or with an HTTP error status.
fn check(envelope: Envelope, path: &str, response: &RawResponse, secrets: &[&str]) -> Result<()> {
    let Some(errcode) = envelope.errcode.as_ref().and_then(Scalar::code) else {
        return Err(unexpected(path, response, "no errcode", secrets));
    };
    if errcode != 0 {
        let sub_code = envelope.sub_code.map(Scalar::text);
        let errmsg = envelope.errmsg.map(Scalar::text).unwrap_or_default();
        return Err(ApiError {
            path: path.to_owned(),
            errcode,
            errmsg: redact(&errmsg, secrets),
            request_id: envelope.request_id.map(Scalar::text),
            sub_msg: envelope.sub_msg.map(|m| redact(&m.text(), secrets)),
            kind: retry::classify(errcode, sub_code.as_deref()),
            sub_code,
        }
        .into());
    }
    if !(200..300).contains(&response.status) {
        return Err(unexpected(
            path,
            response,
            "errcode 0 with an error status",
            secrets,
        ));
    }
    Ok(())
}

/// Turns an oapi answer into `T`, an [`ApiError`], or a transport error for anything that is
/// not DingTalk's JSON (an HTML error page, a throttling page, a truncated body).
pub(crate) fn decode<T: Reply>(path: &str, response: &RawResponse, secrets: &[&str]) -> Result<T> {
    match serde_json::from_slice::<T>(&response.body) {
        Ok(mut reply) => {
            check(reply.envelope(), path, response, secrets)?;
            Ok(reply)
        }
        // The API's fields did not fit: still report DingTalk's error if it is one.
        Err(error) => match serde_json::from_slice::<Envelope>(&response.body) {
            Ok(envelope) => {
                check(envelope, path, response, secrets)?;
                Err(unexpected(path, response, &error.to_string(), secrets))
            }
            Err(_) => Err(unexpected(path, response, "not a JSON object", secrets)),
        },
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

    #[test]
    fn decodes_success_and_errors() {
        let ok = decode::<Value>("/p", &raw(200, r#"{"errcode":0,"record_id":"r"}"#), &[]).unwrap();
        assert_eq!(ok["record_id"], "r");
        let Err(Error::Api(api)) = decode::<Value>(
            "/p",
            &raw(
                200,
                r#"{"errcode":88,"errmsg":"auth","sub_code":"42001","request_id":"q1"}"#,
            ),
            &[],
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
        let Err(Error::Api(api)) = decode::<Value>("/p", &raw(200, r#"{"errcode":"90018"}"#), &[])
        else {
            panic!("expected an API error")
        };
        assert_eq!(api.errcode, 90018);
    }

    #[test]
    fn non_dingtalk_bodies_are_transport_errors() {
        let html = decode::<Value>("/p", &raw(502, "<html>bad gateway</html>"), &[]).unwrap_err();
        assert!(
            matches!(&html, Error::Transport(t) if t.kind == TransportErrorKind::Status(502)),
            "{html:?}"
        );
        let throttle =
            decode::<Value>("/p", &raw(200, r#"{"status":1111,"wait":5}"#), &[]).unwrap_err();
        assert!(matches!(&throttle, Error::Transport(t) if t.kind == TransportErrorKind::Decode));
        let echoed = decode::<Value>("/p", &raw(500, "token=tok123"), &["tok123"]).unwrap_err();
        assert!(!echoed.to_string().contains("tok123"), "{echoed}");
    }

    reply!(
        #[derive(Debug)]
        Probe { n: u32 }
    );

    #[test]
    fn typed_answers_decode_in_one_pass_and_still_report_errors() {
        let ok: Probe = decode("/p", &raw(200, r#"{"errcode":0,"n":7}"#), &[]).unwrap();
        assert_eq!(ok.n, Some(7));
        let absent: Probe = decode("/p", &raw(200, r#"{"errcode":0}"#), &[]).unwrap();
        assert_eq!(absent.n, None, "the caller reports a missing field");
        // An error answer whose other fields do not fit the type is still DingTalk's error.
        let Err(Error::Api(api)) =
            decode::<Probe>("/p", &raw(200, r#"{"errcode":-1,"n":"busy"}"#), &[])
        else {
            panic!("expected an API error")
        };
        assert_eq!(api.errcode, -1);
        let mistyped =
            decode::<Probe>("/p", &raw(200, r#"{"errcode":0,"n":"x"}"#), &[]).unwrap_err();
        assert!(
            matches!(&mistyped, Error::Transport(t) if t.kind == TransportErrorKind::Decode),
            "{mistyped:?}"
        );
    }
}
