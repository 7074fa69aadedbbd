//! The v1.0 family (`api.dingtalk.com`): the token in the `x-acs-dingtalk-access-token` header
//! (never in the query), success as HTTP 2xx, errors as HTTP 4xx/5xx with
//! `{"code", "message", "requestid"}`. Its code table lives here and nowhere else.

use reqwest::blocking::RequestBuilder;
use serde::Deserialize;

use super::{scrubbed, unexpected, Dialect, Disclosure};
use crate::config::Options;
use crate::error::{ApiError, Code, ErrorClass, Result};
use crate::http::RawResponse;

/// The header that carries the token.
pub(crate) const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// The v1.0 dialect.
pub(crate) struct V1;

/// What a v1.0 error means.
pub(crate) fn classify(status: u16, code: &str) -> ErrorClass {
    match code {
        "InvalidAuthentication" => ErrorClass::TokenRejected,
        "invalidClientIdOrSecret" => ErrorClass::BadCredentials,
        "Forbidden.AccessDenied.ApiCountLimitForOrg" => ErrorClass::QuotaExhausted,
        _ if code.starts_with("Forbidden.AccessDenied.")
            && (code.contains("QpsLimit") || code.contains("QpmLimit")) =>
        {
            ErrorClass::Throttled
        }
        _ if status == 429 || status >= 500 => ErrorClass::Busy,
        _ => ErrorClass::Final,
    }
}

/// A v1.0 error body.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    #[serde(alias = "requestId")]
    requestid: Option<String>,
    accessdenieddetail: Option<AccessDenied>,
}

#[derive(Debug, Deserialize)]
struct AccessDenied {
    #[serde(rename = "requiredScopes", default)]
    required_scopes: Vec<String>,
}

impl Dialect for V1 {
    fn base_url<'o>(&self, options: &'o Options) -> &'o str {
        &options.api_base_url
    }

    fn authorize(&self, request: RequestBuilder, token: &str) -> RequestBuilder {
        request.header(TOKEN_HEADER, token)
    }

    fn reserved_query_keys(&self) -> &'static [&'static str] {
        &["access_token"]
    }

    fn judge(&self, path: &str, raw: &RawResponse, disclosure: Disclosure<'_>) -> Result<()> {
        if (200..300).contains(&raw.status) {
            return Ok(());
        }
        let body = serde_json::from_slice::<ErrorBody>(&raw.body).ok();
        let Some((body, code)) = body.and_then(|b| {
            let code = b.code.clone().filter(|c| !c.is_empty())?;
            Some((b, code))
        }) else {
            // An HTML page, the IP-flood JSON, an empty body: not DingTalk's error.
            return Err(unexpected(path, raw, "not a DingTalk error", disclosure));
        };
        let text = |text: String| scrubbed(&text, disclosure);
        Err(ApiError {
            path: path.to_owned(),
            http_status: raw.status,
            // Classified on DingTalk's own code, before scrubbing could change it.
            class: classify(raw.status, &code),
            code: Code::Text(text(code)),
            message: body.message.map(text).unwrap_or_default(),
            request_id: body.requestid.map(text),
            sub_code: None,
            sub_msg: None,
            required_scopes: body
                .accessdenieddetail
                .map(|d| d.required_scopes.into_iter().map(text).collect())
                .unwrap_or_default(),
        }
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, TransportErrorKind};

    fn judge(status: u16, body: &str) -> Result<()> {
        V1.judge(
            "/v1.0/x",
            &RawResponse::of(status, body),
            Disclosure::hiding(&["tok123"]),
        )
    }

    #[test]
    fn success_is_any_2xx() {
        judge(200, r#"{"id":"t"}"#).unwrap();
        judge(204, "").unwrap();
    }

    #[test]
    fn errors_keep_code_message_request_id_and_scopes() {
        let Err(Error::Api(api)) = judge(
            403,
            r#"{"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","message":"no","requestid":"r1",
                "accessdenieddetail":{"requiredScopes":["qyapi_todo"]}}"#,
        ) else {
            panic!("expected an API error")
        };
        assert_eq!(api.http_status, 403);
        assert_eq!(
            api.code,
            Code::Text("Forbidden.AccessDenied.AccessTokenPermissionDenied".into())
        );
        assert_eq!(api.request_id.as_deref(), Some("r1"));
        assert_eq!(api.required_scopes, ["qyapi_todo"]);
        assert_eq!(api.class, ErrorClass::Final);
        assert!(
            api.to_string().contains("required scopes: qyapi_todo"),
            "{api}"
        );
    }

    #[test]
    fn foreign_bodies_are_transport_errors_naming_the_status() {
        for (status, body) in [
            (503, "<html>busy</html>"),
            (400, r#"{"status":1111,"wait":5}"#),
            (500, ""),
            (400, r#"{"message":"tok123"}"#),
        ] {
            let err = judge(status, body).unwrap_err();
            assert!(
                matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Status(status)),
                "{err:?}"
            );
            assert!(!err.to_string().contains("tok123"), "{err}");
        }
    }

    #[test]
    fn classifies_codes() {
        use ErrorClass::*;
        for (status, code, class) in [
            (400, "InvalidAuthentication", TokenRejected),
            (400, "invalidClientIdOrSecret", BadCredentials),
            (400, "AuthenticationFailed.MissingParameter", Final),
            (
                403,
                "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
                Throttled,
            ),
            (
                403,
                "Forbidden.AccessDenied.QpmLimitForAppkeyAndApi",
                Throttled,
            ),
            (403, "Forbidden.AccessDenied.QpsLimitForApi", Throttled),
            (
                403,
                "Forbidden.AccessDenied.ApiCountLimitForOrg",
                QuotaExhausted,
            ),
            (403, "Forbidden.AccessDenied.IpNotInWhiteList", Final),
            (429, "system.busy", Busy),
            (500, "todo.taskCreate.systemError", Busy),
            (400, "todo.taskCreate.paramError", Final),
            (404, "InvalidAction.NotFound", Final),
        ] {
            assert_eq!(classify(status, code), class, "{status} {code}");
        }
    }
}
