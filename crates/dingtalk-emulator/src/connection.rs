//! One client connection: TLS handshake if any, HTTP/1.1 keep-alive, faults.
//!
//! Connections are served here rather than by `axum::serve` because a "drop" fault
//! must close the connection without answering, which only the owner of the
//! connection task can do.

use std::convert::Infallible;
use std::future::pending;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify};
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use crate::config::BODY_LIMIT;
use crate::family::fallback;
use crate::faults::fault::FaultAction;
use crate::faults::{self, is_control_path};
use crate::state::AppState;

/// A client that connects and says nothing is cut off after this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

pub async fn run(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    state: Arc<AppState>,
    router: Router,
    stop: watch::Receiver<bool>,
) {
    // Small answers on keep-alive connections must not wait for Nagle.
    let _ = stream.set_nodelay(true);
    match tls {
        None => serve(stream, state, router, stop).await,
        Some(acceptor) => {
            if let Ok(Ok(stream)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
            {
                serve(stream, state, router, stop).await;
            }
        }
    }
}

async fn serve<S>(stream: S, state: Arc<AppState>, router: Router, mut stop: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // A request whose fault says "drop" rings this; the loop below then drops the
    // connection, closing the socket with no answer.
    let drop_signal = Arc::new(Notify::new());
    let service = {
        let drop_signal = Arc::clone(&drop_signal);
        service_fn(move |request| {
            handle(
                Arc::clone(&state),
                router.clone(),
                Arc::clone(&drop_signal),
                request,
            )
        })
    };
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        // Stream mode's WebSocket endpoint takes the connection over.
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    let mut draining = *stop.borrow();
    if draining {
        connection.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            () = drop_signal.notified() => return,
            _ = stop.changed(), if !draining => {
                // Finish the request in flight, then close; idle connections close now.
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

fn declared_length(request: &Request<Incoming>) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

async fn handle(
    state: Arc<AppState>,
    router: Router,
    drop_signal: Arc<Notify>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let control = is_control_path(request.uri().path());
    // Held until the answer is made (or the request is dropped): a faulted or delayed request
    // is in flight for as long as it lasts.
    let _in_flight = (!control).then(|| state.stats.start());
    let fault = if control {
        None
    } else {
        // Counted before faults, so a faulted request shows in the stats too.
        let path = request.uri().path();
        state.stats.count_request(path);
        state.faults.take(path)
    };
    let Some(fault) = fault else {
        return answer(&state, router, request).await;
    };
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }
    let query = request.uri().query().unwrap_or_default().to_owned();
    if fault.processed {
        // The work is done and its answer thrown away: the fault answers instead.
        let _ = answer(&state, router.clone(), request).await;
    } else if fault.action == FaultAction::Pass {
        return answer(&state, router, request).await;
    }
    match faults::answer::answer(&state, fault.action, &query) {
        Some(response) => Ok(response),
        None => {
            drop_signal.notify_one();
            pending().await
        }
    }
}

/// The emulator's own answer to a request.
async fn answer(
    state: &AppState,
    mut router: Router,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    // Refuse an announced oversized body before reading any of it, so a huge upload
    // gets its answer at once instead of being read and thrown away.
    if declared_length(&request).is_some_and(|n| n > BODY_LIMIT as u64) {
        return Ok(fallback::body_too_large(state, request.uri().path()));
    }
    // Router is always ready; its error type is Infallible.
    router.call(request).await
}
