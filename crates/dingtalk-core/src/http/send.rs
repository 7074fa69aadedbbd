//! Sends one request and reads its whole answer, within a timeout.

use std::time::Duration;

use reqwest::blocking::RequestBuilder;

use super::redact::redact;
use crate::error::{TransportError, TransportErrorKind};

/// An HTTP answer, read whole.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// Sends `request` and reads the whole answer within `timeout`.
/// `path` names the call in errors; `secrets` are removed from every error text.
pub(crate) fn send(
    request: RequestBuilder,
    timeout: Duration,
    path: &str,
    secrets: &[&str],
) -> Result<RawResponse, TransportError> {
    let fail = |e: reqwest::Error| transport_error(e, timeout, path, secrets);
    let response = request.timeout(timeout).send().map_err(fail)?;
    let status = response.status().as_u16();
    let body = response.bytes().map_err(fail)?;
    Ok(RawResponse {
        status,
        body: body.to_vec(),
    })
}

fn transport_error(
    error: reqwest::Error,
    timeout: Duration,
    path: &str,
    secrets: &[&str],
) -> TransportError {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Request
    };
    // reqwest's text holds the URL, and the URL holds the secret or the token: drop it, then
    // walk the causes (the useful part: "connection refused", "certificate unknown", ...).
    let error = error.without_url();
    let mut detail = match kind {
        TransportErrorKind::Timeout => format!("timed out after {:.3} s", timeout.as_secs_f64()),
        TransportErrorKind::Connect => "cannot connect".to_owned(),
        _ => "connection failed".to_owned(),
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !detail.ends_with(&text) {
            detail.push_str(": ");
            detail.push_str(&text);
        }
        source = cause.source();
    }
    TransportError::new(path, kind, redact(&detail, secrets))
}
