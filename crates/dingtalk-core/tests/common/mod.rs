//! Shared set-up of the core's integration tests: an emulator per test on a free loopback port
//! (so every test has its own token-cache key), its control client (the emulator's shared
//! `testing::Control`), and clients without backoff.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dingtalk_core::{Backoff, Client, Options};
use dingtalk_emulator::testing::{Control, Fault};
use dingtalk_emulator::{Config, RunningEmulator};
use serde_json::Value;

pub const KEY: &str = "demo_app_key";
pub const SECRET: &str = "demo_app_secret";

pub struct Emu {
    pub server: RunningEmulator,
    pub control: Control,
}

impl Emu {
    pub fn start() -> Emu {
        Emu::with(Config::default())
    }

    pub fn with(config: Config) -> Emu {
        let server = dingtalk_emulator::spawn(config).expect("emulator starts");
        let control = Control::new(&server);
        Emu { server, control }
    }

    pub fn url(&self) -> &str {
        self.server.base_url()
    }

    /// Queues faults written as the control API's JSON (a list or one object).
    pub fn faults(&self, faults: Value) {
        if let Err(reason) = self.control.try_faults(&faults) {
            panic!("faults refused: {reason}");
        }
    }

    /// Queues typed faults.
    pub fn fault(&self, faults: impl IntoIterator<Item = Fault>) {
        self.control.faults(faults);
    }

    pub fn expire_tokens(&self) {
        self.control.expire_tokens();
    }

    /// How often `path` was requested.
    pub fn count(&self, path: &str) -> u64 {
        self.control.count(path)
    }

    /// Requests of every path starting with `prefix`.
    pub fn count_prefix(&self, prefix: &str) -> u64 {
        self.control.stats().count_prefix(prefix)
    }

    pub fn gettoken_calls(&self) -> u64 {
        self.control.gettoken_calls()
    }

    pub fn records(&self, user: &str) -> Vec<Value> {
        self.control.records(user)
    }

    pub fn todos(&self, union_id: &str) -> Vec<Value> {
        self.control.todos(union_id)
    }

    /// Options pointing both families at this emulator, with no pause between retries.
    pub fn options(&self) -> Options {
        Options::default()
            .base_url(self.url())
            .unwrap()
            .api_base_url(self.url())
            .unwrap()
            .backoff(Backoff {
                transient: Duration::ZERO,
                throttled: Duration::ZERO,
            })
    }

    pub fn client(&self) -> Client {
        Client::new(KEY, SECRET, self.options()).unwrap()
    }
}

/// A hostile peer of the test's own on a free loopback port: each connection is handed to
/// `serve` on a thread of its own. The listener lives as long as the test binary (it only ever
/// serves loopback connections).
pub fn peer(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = Arc::new(serve);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let serve = Arc::clone(&serve);
            std::thread::spawn(move || serve(stream));
        }
    });
    addr
}

/// Reads what the other side sends and never answers, until it goes away.
pub fn never_answer(mut stream: TcpStream) {
    let mut buf = [0u8; 1024];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

/// Writes `bytes` one every 100 ms (each read of the other side is quick, the whole is not),
/// for 20 s at most or until the other side goes away.
pub fn trickle(mut stream: TcpStream, bytes: impl IntoIterator<Item = u8>) {
    let stop = Instant::now() + Duration::from_secs(20);
    for byte in bytes {
        if Instant::now() > stop || stream.write_all(&[byte]).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
