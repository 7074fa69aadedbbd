//! HTTP: one pooled client per process and configuration, and one function that sends a request.
//!
//! The pooled client is built on first use, never at module startup: php-fpm forks its workers
//! after startup, and the client's background thread would not exist in the children. If the
//! process id changed since a client was built (a fork), a new one is built and the old one is
//! leaked on purpose: dropping it would wait for a thread that only exists in the parent.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

use reqwest::blocking::Client as HttpClient;

use crate::ca::CaBundle;
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::options::Options;
use crate::redact::redact;

/// What distinguishes one pooled HTTP client from another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TransportConfig {
    connect_timeout: Duration,
    ca: Option<CaBundle>,
    proxy: Option<String>,
    user_agent: String,
}

impl TransportConfig {
    pub(crate) fn from_options(options: &Options) -> Self {
        TransportConfig {
            connect_timeout: options.connect_timeout,
            ca: options.ca.clone(),
            proxy: options.proxy.clone(),
            user_agent: options.user_agent.clone(),
        }
    }

    fn build(&self) -> Result<HttpClient> {
        let mut builder = HttpClient::builder()
            .connect_timeout(self.connect_timeout)
            // Each request sets its own timeout from the call's remaining budget.
            .timeout(None::<Duration>)
            .user_agent(self.user_agent.clone())
            .gzip(true)
            .pool_idle_timeout(Duration::from_secs(60));
        for cert in self.ca.iter().flat_map(CaBundle::certificates) {
            builder = builder.add_root_certificate(cert.clone());
        }
        if let Some(proxy) = &self.proxy {
            let proxy = reqwest::Proxy::all(proxy)
                .map_err(|_| Error::invalid("options[proxy]", "is not a valid proxy URL"))?;
            builder = builder.proxy(proxy);
        }
        builder.build().map_err(|e| {
            Error::Internal(format!("cannot build the HTTP client: {}", e.without_url()))
        })
    }
}

struct Pooled {
    pid: u32,
    client: HttpClient,
}

static POOL: LazyLock<Mutex<HashMap<TransportConfig, Pooled>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The process's HTTP client for this configuration, built on first use.
pub(crate) fn client_for(config: &TransportConfig) -> Result<HttpClient> {
    // The map only holds finished clients, so a panic elsewhere cannot leave it half-written.
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if let Some(pooled) = pool.get(config) {
        if pooled.pid == pid {
            return Ok(pooled.client.clone());
        }
    }
    if let Some(stale) = pool.remove(config) {
        // Built before a fork: its runtime thread is not in this process. See the module docs.
        std::mem::forget(stale.client);
    }
    let client = config.build()?;
    pool.insert(
        config.clone(),
        Pooled {
            pid,
            client: client.clone(),
        },
    );
    Ok(client)
}

/// An HTTP answer, read whole.
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// Sends one request and reads the whole answer within `timeout`.
/// `path` names the call in errors; `secrets` are removed from every error text.
pub(crate) fn send(
    request: reqwest::blocking::RequestBuilder,
    timeout: Duration,
    path: &str,
    secrets: &[&str],
) -> std::result::Result<RawResponse, TransportError> {
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
