//! HTTP: a small per-process pool of HTTP clients, and one function that sends a request.
//!
//! A pooled client is built on first use, never at module startup: php-fpm forks its workers
//! after startup, and the client's background thread would not exist in the children. If the
//! process id changed since a client was built (a fork), a new one is built and the old one is
//! leaked on purpose: dropping it would wait for a thread that only exists in the parent.
//!
//! Each HTTP client owns a thread and its connections, so only what needs a client of its own
//! (connect timeout, extra CAs, proxy) tells clients apart, and at most [`POOL_SIZE`] live at
//! once: apps make a `DingTalk\Client` per request, with any options they like. Headers (the user
//! agent) are set per request.
//!
//! What a hostile or broken server cannot do here: redirect the request (DingTalk's API never
//! redirects; following would send the query, with the secret or the token, to another host),
//! make the client read more than the call's answer limit (checked on the decoded body while
//! reading, so a compressed bomb stops at the limit too), or make it use a proxy from the
//! environment (`http_proxy` and the like are ignored: only `options[proxy]` counts).

use std::io::Read;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

use reqwest::blocking::Client as HttpClient;
use reqwest::header::{HeaderValue, USER_AGENT};

use crate::ca::CaBundle;
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::options::Options;
use crate::redact::redact;

/// The most HTTP clients (each a thread and its connections) one process keeps.
pub(crate) const POOL_SIZE: usize = 8;

/// What distinguishes one pooled HTTP client from another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TransportConfig {
    connect_timeout: Duration,
    ca: Option<CaBundle>,
    proxy: Option<String>,
}

impl TransportConfig {
    pub(crate) fn from_options(options: &Options) -> Self {
        TransportConfig {
            connect_timeout: options.connect_timeout,
            ca: options.ca.clone(),
            proxy: options.proxy.clone(),
        }
    }

    fn build(&self) -> Result<HttpClient> {
        let mut builder = HttpClient::builder()
            .connect_timeout(self.connect_timeout)
            // Each request sets its own timeout from the call's remaining budget.
            .timeout(None::<Duration>)
            .gzip(true)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .pool_idle_timeout(Duration::from_secs(60));
        for cert in self.ca.iter().flat_map(CaBundle::certificates) {
            builder = builder.add_root_certificate(cert.clone());
        }
        builder = match &self.proxy {
            Some(proxy) => builder.proxy(
                reqwest::Proxy::all(proxy)
                    .map_err(|_| Error::invalid("options[proxy]", "is not a valid proxy URL"))?,
            ),
            // Not even the environment's: it would route `/gettoken?appsecret=` through
            // whatever a deployment happens to export.
            None => builder.no_proxy(),
        };
        builder.build().map_err(|e| {
            Error::Internal(format!("cannot build the HTTP client: {}", e.without_url()))
        })
    }
}

struct Pooled {
    config: TransportConfig,
    pid: u32,
    client: HttpClient,
}

/// The pool, most recently used last.
static POOL: LazyLock<Mutex<Vec<Pooled>>> = LazyLock::new(|| Mutex::new(Vec::new()));

/// The process's HTTP client for this configuration, built on first use.
pub(crate) fn client_for(config: &TransportConfig) -> Result<HttpClient> {
    // The pool only holds finished clients, so a panic elsewhere cannot leave it half-written.
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if pool.iter().any(|p| p.pid != pid) {
        // Built before a fork: their runtime threads are not in this process. See the module docs.
        let (stale, live): (Vec<_>, Vec<_>) = std::mem::take(&mut *pool)
            .into_iter()
            .partition(|p| p.pid != pid);
        *pool = live;
        for pooled in stale {
            std::mem::forget(pooled.client);
        }
    }
    if let Some(at) = pool.iter().position(|p| &p.config == config) {
        let pooled = pool.remove(at);
        let client = pooled.client.clone();
        pool.push(pooled);
        return Ok(client);
    }
    let client = config.build()?;
    if pool.len() >= POOL_SIZE {
        // The least recently used goes; its thread ends once no call holds a clone any more.
        pool.remove(0);
    }
    pool.push(Pooled {
        config: config.clone(),
        pid,
        client: client.clone(),
    });
    Ok(client)
}

/// An HTTP answer, read whole.
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
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
    pub(crate) user_agent: &'a str,
    pub(crate) limit: AnswerLimit,
    /// Removed from every error text.
    pub(crate) secrets: &'a [&'a str],
}

/// Sends one request and reads the whole answer within `timeout` and the answer limit.
pub(crate) fn send(
    request: reqwest::blocking::RequestBuilder,
    exchange: &Exchange<'_>,
) -> std::result::Result<RawResponse, TransportError> {
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
