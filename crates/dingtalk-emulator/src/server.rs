//! The accept loop and graceful shutdown.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;

use crate::api::todo::events::TodoEvent;
use crate::api::todo::forward;
use crate::config::Config;
use crate::state::AppState;
use crate::tls::{self, TlsIdentity};
use crate::{connection, push, routes};

/// How long requests in flight may finish after shutdown is asked for.
const GRACE: Duration = Duration::from_secs(2);
/// Pause after a failed accept (e.g. out of file descriptors) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// A configured emulator, not yet serving. Made first so that the TLS certificate
/// exists (and can be written out) before the address is announced.
pub struct Emulator {
    pub(crate) state: Arc<AppState>,
    tls: Option<TlsIdentity>,
}

impl Emulator {
    /// Builds the state and, with `config.tls`, a fresh self-signed certificate.
    pub fn new(config: Config) -> io::Result<Emulator> {
        let tls = if config.tls {
            Some(tls::self_signed()?)
        } else {
            None
        };
        let state = AppState::new(&config)
            .map_err(|reason| io::Error::new(io::ErrorKind::InvalidInput, reason))?;
        Ok(Emulator {
            state: Arc::new(state),
            tls,
        })
    }

    /// The certificate (PEM) clients must trust, when serving HTTPS.
    pub fn cert_pem(&self) -> Option<&str> {
        self.tls.as_ref().map(|t| t.cert_pem.as_str())
    }

    /// Every change of a to-do task from now on (create, update, delete), in order.
    pub fn subscribe_todo_events(&self) -> broadcast::Receiver<TodoEvent> {
        self.state.todo_events.subscribe()
    }

    /// `"https"` or `"http"`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Serves connections from `listener` until `shutdown` completes, then lets
    /// requests in flight finish (for a short while) and returns.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let router = routes::router(Arc::clone(&self.state));
        let acceptor = self.tls.map(|t| t.acceptor);
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        // DingTalk checks a push URL when it is registered; here, when serving starts.
        self.state
            .push_event(push::CHECK_URL, serde_json::Map::new());
        forward::forward(&self.state);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) => {
                        connections.spawn(connection::run(
                            stream,
                            acceptor.clone(),
                            Arc::clone(&self.state),
                            router.clone(),
                            stop_rx.clone(),
                        ));
                    }
                    Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
                },
                // Reap finished connections so the set does not grow.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        let _ = stop_tx.send(true);
        let drained = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(GRACE, drained).await.is_err() {
            connections.shutdown().await;
        }
        Ok(())
    }
}

/// Serves `config` on a bound listener until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    Emulator::new(config)?.serve(listener, shutdown).await
}
