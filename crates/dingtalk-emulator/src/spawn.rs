//! Running an emulator beside blocking code: its own thread and tokio runtime.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::{broadcast, oneshot};

use crate::api::todo::events::TodoEvent;
use crate::config::Config;
use crate::server::Emulator;
use crate::state::AppState;

/// An emulator serving on 127.0.0.1 in a background thread. Stops when dropped.
pub struct RunningEmulator {
    base_url: String,
    addr: SocketAddr,
    cert_pem: Option<String>,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// E.g. `http://127.0.0.1:41234`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The self-signed certificate (PEM) to trust, when started with `tls`.
    pub fn cert_pem(&self) -> Option<&str> {
        self.cert_pem.as_deref()
    }

    /// Every change of a to-do task from now on, in order. Outside an async runtime,
    /// read it with `try_recv` (the event of a call is sent before its answer) or
    /// `blocking_recv`.
    pub fn subscribe_todo_events(&self) -> broadcast::Receiver<TodoEvent> {
        self.state.todo_events.subscribe()
    }

    /// Stops serving and waits for the thread to end (requests in flight get a
    /// short grace period). Dropping does the same.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the emulator on 127.0.0.1, port 0, in a background thread with its own
/// tokio runtime. Returns once the socket is listening, so connections made right
/// after succeed; no runtime is needed by the caller.
pub fn spawn(config: Config) -> io::Result<RunningEmulator> {
    let emulator = Emulator::new(config)?;
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("dingtalk-emulator")
        .enable_all()
        .build()?;
    let listener = {
        let _context = runtime.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    let base_url = format!("{}://{addr}", emulator.scheme());
    let cert_pem = emulator.cert_pem().map(str::to_owned);
    let state = Arc::clone(&emulator.state);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("dingtalk-emulator".to_owned())
        .spawn(move || {
            let shutdown = async {
                // Either a stop or a dropped sender ends serving.
                let _ = stop_rx.await;
            };
            let _ = runtime.block_on(emulator.serve(listener, shutdown));
        })?;
    Ok(RunningEmulator {
        base_url,
        addr,
        cert_pem,
        state,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}
