//! The legacy "oapi" family: `?access_token=` in the query, and every answer an HTTP 200 with an
//! `{"errcode", "errmsg", "request_id"}` envelope (errcode 0 on success). Its code tables live
//! here and nowhere else.
//!
//! Codes are matched as sets, not one by one, because DingTalk has changed over the years which
//! code it sends for an expired token.

use reqwest::blocking::RequestBuilder;
use serde::Deserialize;
use serde_json::Value;

use super::{scrubbed, unexpected, Dialect, Disclosure};
use crate::config::Options;
use crate::error::{ApiError, Code, ErrorClass, Result};
use crate::http::RawResponse;

/// Codes that mean the token we sent is no longer good.
const TOKEN_CODES: [i64; 3] = [40014, 42001, 40001];
/// `sub_code`s of errcode 88 that mean the same.
const TOKEN_SUB_CODES: [&str; 2] = ["40014", "42001"];
/// Bad app key or secret.
const CREDENTIAL_CODES: [i64; 2] = [40089, 40096];
/// Throttling that a pause cures.
const THROTTLE_CODES: [i64; 3] = [90018, 90002, 90006];
/// "System busy".
const BUSY: i64 = -1;

/// The oapi dialect.
pub(crate) struct Oapi;

/// Why a body is not an oapi envelope, as precisely as can be said: not JSON, JSON but not an
/// object, or an object whose envelope fields do not fit (a doubled `errcode`, a list for a
/// code).
fn not_an_envelope(body: &[u8], error: &serde_json::Error) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(_)) => format!("not DingTalk's answer: {error}"),
        Ok(_) => "not a JSON object".to_owned(),
        Err(error) => format!("not JSON: {error}"),
    }
}

/// What an oapi errcode means.
pub(crate) fn classify(errcode: i64, sub_code: Option<&str>) -> ErrorClass {
    let token = TOKEN_CODES.contains(&errcode)
        || (errcode == 88 && sub_code.is_some_and(|s| TOKEN_SUB_CODES.contains(&s)));
    if token {
        ErrorClass::TokenRejected
    } else if CREDENTIAL_CODES.contains(&errcode) {
        ErrorClass::BadCredentials
    } else if THROTTLE_CODES.contains(&errcode) {
        ErrorClass::Throttled
    } else if errcode == 90001 || (90003..=90014).contains(&errcode) {
        ErrorClass::Banned
    } else if errcode == BUSY {
        ErrorClass::Busy
    } else {
        // 90020 (monthly quota) included: DingTalk calls it final, and it is reported as a
        // plain API error, as it always was.
        ErrorClass::Final
    }
}

/// A scalar DingTalk sends as a number or as a string, depending on the API and its age.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
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

/// The fields every oapi answer shares; the API's own fields are skipped here and decoded by
/// the API layer.
#[derive(Debug, Default, Deserialize)]
struct Envelope {
    errcode: Option<Scalar>,
    errmsg: Option<Scalar>,
    request_id: Option<Scalar>,
    sub_code: Option<Scalar>,
    sub_msg: Option<Scalar>,
}

impl Dialect for Oapi {
    fn base_url<'o>(&self, options: &'o Options) -> &'o str {
        &options.base_url
    }

    fn authorize(&self, request: RequestBuilder, token: &str) -> RequestBuilder {
        request.query(&[("access_token", token)])
    }

    fn reserved_query_keys(&self) -> &'static [&'static str] {
        &["access_token"]
    }

    fn judge(&self, path: &str, raw: &RawResponse, disclosure: Disclosure<'_>) -> Result<()> {
        judge_envelope(path, raw, disclosure, classify)
    }
}

/// Judges an answer in the `errcode` envelope (the oapi family's, and the webhook robots'),
/// classifying a code with `classify`.
pub(crate) fn judge_envelope(
    path: &str,
    raw: &RawResponse,
    disclosure: Disclosure<'_>,
    classify: fn(i64, Option<&str>) -> ErrorClass,
) -> Result<()> {
    let envelope = match serde_json::from_slice::<Envelope>(&raw.body) {
        Ok(envelope) => envelope,
        Err(error) => {
            let why = not_an_envelope(&raw.body, &error);
            return Err(unexpected(path, raw, &why, disclosure));
        }
    };
    let Some(errcode) = envelope.errcode.as_ref().and_then(Scalar::code) else {
        return Err(unexpected(path, raw, "no errcode", disclosure));
    };
    if errcode != 0 {
        let sub_code = envelope.sub_code.map(Scalar::text);
        // Classified on DingTalk's own code, before scrubbing could change it.
        let class = classify(errcode, sub_code.as_deref());
        let text = |field: Option<Scalar>| field.map(|t| scrubbed(&t.text(), disclosure));
        return Err(ApiError {
            path: path.to_owned(),
            http_status: raw.status,
            code: Code::Number(errcode),
            message: text(envelope.errmsg).unwrap_or_default(),
            request_id: text(envelope.request_id),
            sub_code: sub_code.map(|code| scrubbed(&code, disclosure)),
            sub_msg: text(envelope.sub_msg),
            required_scopes: Vec::new(),
            hint: None,
            class,
        }
        .into());
    }
    if !(200..300).contains(&raw.status) {
        return Err(unexpected(
            path,
            raw,
            "errcode 0 with an error status",
            disclosure,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, TransportErrorKind};

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse::of(status, body)
    }

    fn judge(status: u16, body: &str) -> Result<()> {
        Oapi.judge("/p", &raw(status, body), Disclosure::hiding(&[]))
    }

    #[test]
    fn judges_success_and_errors() {
        judge(200, r#"{"errcode":0,"record_id":"r"}"#).unwrap();
        let Err(Error::Api(api)) = judge(
            200,
            r#"{"errcode":88,"errmsg":"auth","sub_code":"42001","request_id":"q1"}"#,
        ) else {
            panic!("expected an API error")
        };
        assert_eq!(
            (
                api.errcode(),
                api.sub_code.as_deref(),
                api.request_id.as_deref()
            ),
            (Some(88), Some("42001"), Some("q1"))
        );
        assert_eq!(api.class, ErrorClass::TokenRejected);
        let Err(Error::Api(api)) = judge(200, r#"{"errcode":"90018"}"#) else {
            panic!("expected an API error")
        };
        assert_eq!(api.errcode(), Some(90018));
        // An error answer whose other fields do not fit any API type is still DingTalk's error.
        let Err(Error::Api(api)) = judge(200, r#"{"errcode":-1,"n":"busy"}"#) else {
            panic!("expected an API error")
        };
        assert_eq!(api.class, ErrorClass::Busy);
    }

    #[test]
    fn non_dingtalk_bodies_are_transport_errors() {
        let html = judge(502, "<html>bad gateway</html>").unwrap_err();
        assert!(
            matches!(&html, Error::Transport(t) if t.kind == TransportErrorKind::Status(502)),
            "{html:?}"
        );
        let throttle = judge(200, r#"{"status":1111,"wait":5}"#).unwrap_err();
        assert!(matches!(&throttle, Error::Transport(t) if t.kind == TransportErrorKind::Decode));
        let echoed = Oapi
            .judge(
                "/p",
                &raw(500, "token=tok123"),
                Disclosure::hiding(&["tok123"]),
            )
            .unwrap_err();
        assert!(!echoed.to_string().contains("tok123"), "{echoed}");
        let zero_with_500 = judge(500, r#"{"errcode":0}"#).unwrap_err();
        assert!(matches!(&zero_with_500, Error::Transport(_)));
    }

    #[test]
    fn a_refused_body_is_refused_for_what_it_is() {
        for (body, why) in [
            (
                r#"{"errcode":0,"errcode":0,"record_id":"r"}"#,
                "duplicate field `errcode`",
            ),
            (r#"{"errcode":[0]}"#, "not DingTalk's answer"),
            (r#"[{"errcode":0}]"#, "not a JSON object"),
            ("<html>busy</html>", "not JSON"),
            (r#"{"record_id":"r"}"#, "no errcode"),
        ] {
            let error = judge(200, body).unwrap_err().to_string();
            assert!(error.contains(why), "{body}: {error}");
        }
        let doubled = judge(200, r#"{"errcode":0,"errcode":0}"#).unwrap_err();
        assert!(
            !doubled.to_string().contains("not a JSON object"),
            "{doubled}"
        );
    }

    #[test]
    fn every_text_field_of_an_error_answer_is_scrubbed() {
        let token = "9f86d081884c7d659a2feaa0c55ad015";
        let body = format!(
            r#"{{"errcode":88,"errmsg":"bad {token}","sub_code":"{token}","sub_msg":"x%20{token}","request_id":"req-{token}"}}"#
        );
        let Err(Error::Api(api)) = Oapi.judge("/p", &raw(200, &body), Disclosure::hiding(&[token]))
        else {
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
            let error = Oapi
                .judge("/gettoken", &raw(500, body), withheld)
                .unwrap_err();
            assert!(!error.to_string().contains("TOKEN"), "{error}");
        }
    }

    #[test]
    fn classifies_codes() {
        use ErrorClass::*;
        for (errcode, sub_code, class) in [
            (40014, None, TokenRejected),
            (42001, None, TokenRejected),
            (40001, None, TokenRejected),
            (88, Some("42001"), TokenRejected),
            (88, Some("40014"), TokenRejected),
            (88, Some("60011"), Final),
            (40096, None, BadCredentials),
            (40089, None, BadCredentials),
            (90018, None, Throttled),
            (90002, None, Throttled),
            (90006, None, Throttled),
            (90001, None, Banned),
            (90010, None, Banned),
            (90014, None, Banned),
            (90020, None, Final),
            (-1, None, Busy),
            (41001, None, Final),
            (40035, None, Final),
        ] {
            assert_eq!(classify(errcode, sub_code), class, "{errcode} {sub_code:?}");
        }
    }
}
