//! A small per-process pool of HTTP clients.
//!
//! Each HTTP client owns a thread and its connections, so only what needs a client of its own
//! (connect timeout, extra CAs, proxy) tells clients apart, and the pool keeps at most
//! [`POOL_SIZE`] of them: apps make a `DingTalk\Client` per request, with any options they like.
//! Headers (the user agent) are set per request. A [`Client`](crate::Client) takes its entry
//! once, when it is made, so a call does not look its configuration up again; an entry pushed
//! out of the pool lives on only as long as the clients that hold it.
//!
//! A client is built on first use, never at module startup, and again in a forked child (see
//! [`crate::fork_safe`]). It follows no redirect, sends no `Referer`, and uses no proxy from
//! the environment (`http_proxy` and the like are ignored: only `options[proxy]` counts).

use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use reqwest::blocking::Client as HttpClient;

use crate::config::ca::CaBundle;
use crate::config::Options;
use crate::error::{Error, Result};
use crate::fork_safe::ForkSafe;

/// The most HTTP clients (each a thread and its connections) the pool keeps.
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

/// A configuration's HTTP client, built on first use in each process.
pub(crate) struct Http {
    config: TransportConfig,
    client: ForkSafe<HttpClient>,
}

impl Http {
    /// The client of this process.
    pub(crate) fn client(&self) -> Result<HttpClient> {
        self.client.get(|| self.config.build())
    }
}

/// The pool, most recently used last.
static POOL: LazyLock<Mutex<Vec<Arc<Http>>>> = LazyLock::new(|| Mutex::new(Vec::new()));

/// The pool entry of a configuration (its HTTP client is built on first use).
pub(crate) fn entry(config: TransportConfig) -> Arc<Http> {
    // The pool only holds finished entries, so a panic elsewhere cannot leave it half-written.
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let entry = match pool.iter().position(|http| http.config == config) {
        Some(at) => pool.remove(at),
        None => {
            if pool.len() >= POOL_SIZE {
                // The least recently used goes; its thread ends with the last client holding it.
                pool.remove(0);
            }
            Arc::new(Http {
                config,
                client: ForkSafe::new(),
            })
        }
    };
    pool.push(Arc::clone(&entry));
    entry
}

/// How many pooled HTTP clients this process has built (each a thread and its connections).
pub(crate) fn clients_built_here() -> usize {
    let pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    pool.iter().filter(|http| http.client.built_here()).count()
}
