//! A fault as a test posts it to `/_emulator/faults`, checked whole before it is queued: each
//! key needs the keys it goes with and excludes those it contradicts, and an error names what
//! is wrong. A fault answers in either family's shape: `errcode` (oapi, HTTP 200) or `status`
//! with `code` (v1.0, `{code, message, requestid}`), or a raw `status` and `body`.

use std::time::Duration;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::fault::{Fault, FaultAction};
use super::is_control_path;
use super::raw_body::{RawBody, Text, MIN_PADDED};

/// One fault as posted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    path: String,
    count: Option<u32>,
    errcode: Option<i64>,
    errmsg: Option<String>,
    sub_code: Option<String>,
    sub_msg: Option<String>,
    request_id: Option<String>,
    status: Option<u16>,
    body: Option<String>,
    content_type: Option<String>,
    /// With `status`: a v1.0 error `{code, message, requestid}`.
    code: Option<String>,
    message: Option<String>,
    required_scopes: Option<Vec<String>>,
    delay_ms: Option<u64>,
    drop: Option<bool>,
    // A hostile server's answers (see raw_body.rs) and a lost answer.
    redirect: Option<String>,
    body_bytes: Option<u64>,
    gzip: Option<bool>,
    trickle_ms: Option<u64>,
    processed: Option<bool>,
}

/// A checked fault: the requests it targets (those whose path starts with `path`), how many
/// more it applies to, and what it does to them.
#[derive(Debug)]
pub struct Scripted {
    pub path: String,
    pub remaining: u32,
    pub fault: Fault,
}

/// Parses a JSON list of faults (or a single one): every one checked, or the first error,
/// naming the fault by its place in the list.
pub fn parse(body: &[u8]) -> Result<Vec<Scripted>, String> {
    let specs: Vec<FaultSpec> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| serde_json::from_value(item).map_err(|e| format!("fault {i}: {e}")))
            .collect::<Result<_, _>>()?,
        Ok(item @ Value::Object(_)) => {
            vec![serde_json::from_value(item).map_err(|e| format!("fault 0: {e}"))?]
        }
        Ok(_) => return Err("expected a JSON list of faults".to_owned()),
        Err(e) => return Err(format!("body is not valid JSON: {e}")),
    };
    specs
        .into_iter()
        .enumerate()
        .map(|(i, spec)| check(spec).map_err(|e| format!("fault {i}: {e}")))
        .collect()
}

/// Checks one fault, in a fixed order so the same mistake always gets the same reason.
fn check(spec: FaultSpec) -> Result<Scripted, String> {
    let remaining = check_target(&spec)?;
    let status = status(&spec)?;
    let kinds = kinds(&spec, status);
    check_kind(&spec, kinds)?;
    check_errcode_keys(&spec)?;
    check_body_keys(&spec, status)?;
    let processed = spec.processed.unwrap_or(false);
    if processed && kinds == 0 {
        return Err("processed needs errcode, status or drop".to_owned());
    }
    check_code_keys(&spec)?;
    let path = spec.path.clone();
    let delay = spec.delay_ms.map(Duration::from_millis);
    Ok(Scripted {
        path,
        remaining,
        fault: Fault {
            delay,
            processed,
            action: action(spec, status)?,
        },
    })
}

/// The path it targets, and how many requests (at least 1).
fn check_target(spec: &FaultSpec) -> Result<u32, String> {
    if !spec.path.starts_with('/') {
        return Err(format!("path must start with '/': {:?}", spec.path));
    }
    if is_control_path(&spec.path) {
        return Err("faults cannot target /_emulator/ paths".to_owned());
    }
    match spec.count.unwrap_or(1) {
        0 => Err("count must be at least 1".to_owned()),
        count => Ok(count),
    }
}

/// The status of the answer, if any: a redirect is a raw answer with a 3xx status (302 unless
/// given).
fn status(spec: &FaultSpec) -> Result<Option<u16>, String> {
    match (&spec.redirect, spec.status) {
        (Some(_), None) => Ok(Some(302)),
        (Some(_), Some(s)) if !(300..400).contains(&s) => {
            Err(format!("a redirect needs a 3xx status, not {s}"))
        }
        (_, status) => Ok(status),
    }
}

/// How many of the kinds (errcode, status, drop) the fault names.
fn kinds(spec: &FaultSpec, status: Option<u16>) -> usize {
    usize::from(spec.drop.unwrap_or(false))
        + usize::from(status.is_some())
        + usize::from(spec.errcode.is_some())
}

/// One kind, or none with a delay (a late, normal answer).
fn check_kind(spec: &FaultSpec, kinds: usize) -> Result<(), String> {
    if kinds > 1 {
        return Err("use only one of errcode, status and drop in a fault".to_owned());
    }
    if kinds == 0 && spec.delay_ms.is_none() {
        return Err("a fault needs errcode, status, drop or delay_ms".to_owned());
    }
    Ok(())
}

/// The texts of an oapi error come only with its errcode.
fn check_errcode_keys(spec: &FaultSpec) -> Result<(), String> {
    let texts = spec.errmsg.is_some()
        || spec.sub_code.is_some()
        || spec.sub_msg.is_some()
        || spec.request_id.is_some();
    if spec.errcode.is_none() && texts {
        return Err("errmsg, sub_code, sub_msg and request_id need errcode".to_owned());
    }
    Ok(())
}

/// Whether the fault shapes a raw body.
fn shapes_body(spec: &FaultSpec) -> bool {
    spec.body.is_some()
        || spec.content_type.is_some()
        || spec.body_bytes.is_some()
        || spec.gzip.is_some()
        || spec.trickle_ms.is_some()
}

/// A raw body needs a status, and is either given or padded to a size.
fn check_body_keys(spec: &FaultSpec, status: Option<u16>) -> Result<(), String> {
    if status.is_none() && shapes_body(spec) {
        return Err("body, body_bytes, content_type, gzip and trickle_ms need status".to_owned());
    }
    if spec.body.is_some() && spec.body_bytes.is_some() {
        return Err("use only one of body and body_bytes".to_owned());
    }
    if spec.body_bytes.is_some_and(|n| n < MIN_PADDED) {
        return Err(format!("body_bytes must be at least {MIN_PADDED}"));
    }
    Ok(())
}

/// The texts of a v1.0 error come only with its code, and a v1.0 error has no raw body.
fn check_code_keys(spec: &FaultSpec) -> Result<(), String> {
    if spec.code.is_none() && (spec.message.is_some() || spec.required_scopes.is_some()) {
        return Err("message and required_scopes need code".to_owned());
    }
    if spec.code.is_some() && (shapes_body(spec) || spec.redirect.is_some()) {
        return Err(
            "code (a v1.0 error) excludes body, body_bytes, content_type, gzip, trickle_ms and redirect"
                .to_owned(),
        );
    }
    Ok(())
}

/// What the checked fault does.
fn action(mut spec: FaultSpec, status: Option<u16>) -> Result<FaultAction, String> {
    if spec.drop.unwrap_or(false) {
        return Ok(FaultAction::Drop);
    }
    if let Some(errcode) = spec.errcode {
        return Ok(FaultAction::Error {
            errcode,
            errmsg: spec.errmsg.unwrap_or_else(|| default_errmsg(errcode)),
            sub_code: spec.sub_code,
            sub_msg: spec.sub_msg,
            request_id: spec.request_id,
        });
    }
    let Some(status) = status else {
        return Ok(FaultAction::Pass);
    };
    match spec.code.take() {
        Some(code) => v1_error(status, code, spec.message, spec.required_scopes),
        None => raw(status, spec),
    }
}

fn default_errmsg(errcode: i64) -> String {
    if errcode == -1 {
        "系统繁忙".to_owned()
    } else {
        format!("injected fault {errcode}")
    }
}

/// A v1.0 error, always an HTTP error.
fn v1_error(
    status: u16,
    code: String,
    message: Option<String>,
    required_scopes: Option<Vec<String>>,
) -> Result<FaultAction, String> {
    let status = StatusCode::from_u16(status)
        .ok()
        .filter(|s| (400..=599).contains(&s.as_u16()))
        .ok_or_else(|| format!("a fault with code needs status 400 to 599, not {status}"))?;
    Ok(FaultAction::V1Error {
        status,
        message: message.unwrap_or_else(|| format!("injected fault {code}")),
        code,
        required_scopes,
    })
}

/// A raw answer: this status and body.
fn raw(status: u16, spec: FaultSpec) -> Result<FaultAction, String> {
    let status = StatusCode::from_u16(status)
        .ok()
        .filter(|s| (200..=599).contains(&s.as_u16()))
        .ok_or_else(|| format!("status must be between 200 and 599, not {status}"))?;
    let text = match spec.body_bytes {
        Some(n) => Text::Padded(n),
        None => Text::Given(spec.body.unwrap_or_default()),
    };
    let content_type = spec.content_type.unwrap_or_else(|| match &text {
        Text::Given(body) => guess_content_type(body).to_owned(),
        Text::Padded(_) => guess_content_type("{}").to_owned(),
    });
    Ok(FaultAction::Raw {
        status,
        body: RawBody {
            text,
            gzip: spec.gzip.unwrap_or(false),
            trickle: spec.trickle_ms.map(Duration::from_millis),
        },
        content_type,
        location: spec.redirect,
    })
}

/// A raw body that parses as JSON is sent as JSON, anything else as HTML.
fn guess_content_type(body: &str) -> &'static str {
    if serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok() {
        "application/json;charset=utf-8"
    } else {
        "text/html;charset=utf-8"
    }
}
