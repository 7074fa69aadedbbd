//! One pooled HTTP client per process and transport configuration.
//!
//! The client is built on first use, never at module startup (php-fpm forks its workers after
//! startup; see [`crate::per_process`]). A [`Client`](crate::Client) resolves its pool entry
//! once, when it is made, so a call does not look up or hash its configuration again.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use reqwest::blocking::Client as HttpClient;

use crate::config::ca::CaBundle;
use crate::config::Options;
use crate::error::{Error, Result};
use crate::per_process::PerProcess;

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

/// A configuration's HTTP client, built on first use in each process.
pub(crate) struct Http {
    config: TransportConfig,
    client: PerProcess<HttpClient>,
}

impl Http {
    /// The client of this process.
    pub(crate) fn client(&self) -> Result<HttpClient> {
        self.client.get(|| self.config.build())
    }
}

static POOL: LazyLock<Mutex<HashMap<TransportConfig, Arc<Http>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The pool entry of a configuration (nothing is built yet).
pub(crate) fn entry(config: TransportConfig) -> Arc<Http> {
    // The map only holds finished entries, so a panic elsewhere cannot leave it half-written.
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let entry = pool.entry(config.clone()).or_insert_with(|| {
        Arc::new(Http {
            config,
            client: PerProcess::new(),
        })
    });
    Arc::clone(entry)
}
