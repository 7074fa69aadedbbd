//! Sends one request and reads its whole answer, within a timeout and an answer limit.
//!
//! What a hostile or broken server cannot do here: redirect the request (DingTalk's API never
//! redirects; following would send the query, with the secret or the token, to another host),
//! or make the client read more than the call's answer limit (checked on the decoded body while
//! reading, so a compressed bomb stops at the limit too).

use std::io::Read;
use std::time::Duration;

use reqwest::blocking::RequestBuilder;
use reqwest::header::{HeaderValue, USER_AGENT};

use crate::error::{TransportError, TransportErrorKind};
use crate::redact::redact;

/// An HTTP answer, read whole.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

#[cfg(test)]
impl RawResponse {
    /// An answer as the dialects' tests write it.
    pub(crate) fn of(status: u16, body: &str) -> Self {
        RawResponse {
            status,
            body: body.as_bytes().to_vec(),
        }
    }
}

/// How much of an answer may be read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AnswerLimit {
    /// What is left of the call's allowance, in decoded bytes.
    pub(crate) left: usize,
    /// `options[max_answer_bytes]`, for the message.
    pub(crate) option: usize,
}

/// What one request needs besides the request itself.
pub(crate) struct Exchange<'a> {
    /// The API path, naming the call in errors.
    pub(crate) path: &'a str,
    pub(crate) timeout: Duration,
    /// Set per request, so that a client per user agent is not needed.
    pub(crate) user_agent: &'a str,
    pub(crate) limit: AnswerLimit,
    /// Removed from every error text.
    pub(crate) secrets: &'a [&'a str],
}

/// Sends one request and reads the whole answer within the timeout and the answer limit.
pub(crate) fn send(
    request: RequestBuilder,
    exchange: &Exchange<'_>,
) -> Result<RawResponse, TransportError> {
    let Exchange {
        path,
        timeout,
        limit,
        secrets,
        ..
    } = *exchange;
    let fail = |e: reqwest::Error| transport_error(e, timeout, path, secrets);
    // Checked when the option was set; a header the builder refuses never reaches here.
    let agent = HeaderValue::from_str(exchange.user_agent)
        .unwrap_or_else(|_| HeaderValue::from_static("dingtalk-php"));
    let mut response = request
        .header(USER_AGENT, agent)
        .timeout(timeout)
        .send()
        .map_err(fail)?;
    let status = response.status().as_u16();
    if (300..400).contains(&status) {
        // Neither followed nor quoted: the target (`Location`) is the server's choice of host.
        return Err(TransportError::new(
            path,
            TransportErrorKind::Status(status),
            format!("HTTP {status}: a redirect, refused (DingTalk's API never redirects)"),
        ));
    }
    let too_large = || {
        let detail = format!(
            "the answer exceeded options[max_answer_bytes] ({} bytes for the whole call)",
            limit.option
        );
        TransportError::new(path, TransportErrorKind::TooLarge, detail)
    };
    // Announced too large: refused unread. (A compressed answer announces no decoded length.)
    if response
        .content_length()
        .is_some_and(|n| n > limit.left as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    let read = (&mut response)
        .take(limit.left as u64 + 1)
        .read_to_end(&mut body);
    if let Err(error) = read {
        return Err(
            match error.into_inner().map(|e| e.downcast::<reqwest::Error>()) {
                Some(Ok(error)) => fail(*error),
                Some(Err(other)) => TransportError::new(
                    path,
                    TransportErrorKind::Request,
                    redact(&format!("reading the answer failed: {other}"), secrets),
                ),
                None => TransportError::new(
                    path,
                    TransportErrorKind::Request,
                    "reading the answer failed",
                ),
            },
        );
    }
    if body.len() > limit.left {
        return Err(too_large());
    }
    Ok(RawResponse { status, body })
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
