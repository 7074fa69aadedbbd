//! What differs between DingTalk's two API families, behind one seam.
//!
//! - oapi (`oapi.dingtalk.com`, [`oapi`]): token in the query, every answer HTTP 200 with an
//!   `errcode` envelope.
//! - v1.0 (`api.dingtalk.com`, [`v1`]): token in a header, errors as HTTP 4xx/5xx with a
//!   string `code`.
//!
//! A dialect attaches the token and judges an answer (success, DingTalk's error with its
//! [`ErrorClass`](crate::error::ErrorClass), or a transport error for anything that is not
//! DingTalk's shape). The API layer then decodes a judged answer into its own type.

pub(crate) mod oapi;
mod oapi_success;
pub(crate) mod v1;

use reqwest::blocking::RequestBuilder;
use serde::de::DeserializeOwned;

use crate::config::Options;
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::http::RawResponse;
use crate::redact::{cut, redact, snippet};

/// DingTalk's API families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// The legacy family on `base_url`: `/gettoken`, `/topapi/...`.
    Oapi,
    /// The v1.0 family on `api_base_url`: `/v1.0/...`.
    V1,
}

impl Family {
    pub(crate) fn dialect(self) -> &'static dyn Dialect {
        match self {
            Family::Oapi => &oapi::Oapi,
            Family::V1 => &v1::V1,
        }
    }
}

/// The seam between the families.
pub(crate) trait Dialect: Sync {
    /// The host this family's calls go to.
    fn base_url<'o>(&self, options: &'o Options) -> &'o str;
    /// Attaches the token to a request.
    fn authorize(&self, request: RequestBuilder, token: &str) -> RequestBuilder;
    /// Query keys a caller may not set (the dialect sets them).
    fn reserved_query_keys(&self) -> &'static [&'static str];
    /// Success, DingTalk's error (classified), or a transport error for a foreign answer.
    /// Every text taken from the answer is scrubbed as `disclosure` says.
    fn judge(&self, path: &str, raw: &RawResponse, disclosure: Disclosure<'_>) -> Result<()>;
}

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

impl<'a> Disclosure<'a> {
    /// Quote what is needed, without `secrets`.
    pub(crate) fn hiding(secrets: &'a [&'a str]) -> Self {
        Disclosure {
            secrets,
            quote_body: true,
        }
    }
}

/// The longest text taken from an answer's fields into an error, in characters.
const MAX_FIELD_CHARS: usize = 500;

/// A text from the network, made fit for an error: secrets removed first, then cut.
pub(crate) fn scrubbed(text: &str, disclosure: Disclosure<'_>) -> String {
    cut(&redact(text, disclosure.secrets), MAX_FIELD_CHARS)
}

/// Judges an answer of `family` and decodes it into the API's own type. An oapi success is
/// read in one pass; anything else is judged first, so an error is DingTalk's, not a decoding
/// one.
pub(crate) fn read<T: DeserializeOwned>(
    family: Family,
    path: &str,
    raw: &RawResponse,
    disclosure: Disclosure<'_>,
) -> Result<T> {
    if family == Family::Oapi {
        if let Some(answer) = oapi_success::read(raw) {
            return Ok(answer);
        }
    }
    family.dialect().judge(path, raw, disclosure)?;
    decode(path, raw, disclosure)
}

/// Decodes a judged answer into the API's own type; an empty body reads as `{}` (v1.0 calls
/// may answer 204).
pub(crate) fn decode<T: DeserializeOwned>(
    path: &str,
    raw: &RawResponse,
    disclosure: Disclosure<'_>,
) -> Result<T> {
    let body: &[u8] = if raw.body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &raw.body
    };
    serde_json::from_slice(body).map_err(|e| unexpected(path, raw, &e.to_string(), disclosure))
}

/// A transport error for an answer that is not what DingTalk sends.
pub(crate) fn unexpected(
    path: &str,
    raw: &RawResponse,
    what: &str,
    disclosure: Disclosure<'_>,
) -> Error {
    let kind = if raw.status >= 300 {
        TransportErrorKind::Status(raw.status)
    } else {
        TransportErrorKind::Decode
    };
    let body = if disclosure.quote_body {
        snippet(&raw.body, disclosure.secrets)
    } else {
        format!("not shown, {} bytes (it may hold a token)", raw.body.len())
    };
    let detail = format!(
        "unexpected answer ({}): HTTP {}, body: {body}",
        cut(what, MAX_FIELD_CHARS),
        raw.status,
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
