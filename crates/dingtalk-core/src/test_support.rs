//! What the unit tests of the shared stores need: a real `redis-server` on a free loopback
//! port, and a fresh directory.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A `redis-server` of one test, on 127.0.0.1, stopped (by its pid) when dropped.
pub(crate) struct RedisServer {
    child: Child,
    pub(crate) port: u16,
    dir: PathBuf,
}

/// How long a server may take to say it is ready.
const READY_WITHIN: Duration = Duration::from_secs(15);

impl RedisServer {
    /// Starts one. redis-server cannot listen on port 0, so a port the system just handed out
    /// is used, and another is tried if it was taken in between.
    pub(crate) fn start() -> RedisServer {
        let dir = temp_dir("redis");
        for _ in 0..10 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            if let Some(child) = spawn(port, &dir) {
                return RedisServer { child, port, dir };
            }
        }
        panic!("redis-server did not start on any of 10 free ports");
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Stops the server now (SIGKILL: nothing of it is needed after).
    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts redis-server on `port` and waits for its "ready" line; `None` if the port was
/// taken (or it exited for another reason, which the next port then shows again).
fn spawn(port: u16, dir: &std::path::Path) -> Option<Child> {
    let mut child = match Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no", "--logfile", ""])
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            panic!("cannot run redis-server ({e}): install it (`make deps`, Debian's redis-server)")
        }
    };
    let stdout = child.stdout.take()?;
    // The log goes to stdout; a reader thread lets the wait be bounded.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.contains("Ready to accept connections") {
                let _ = ready_tx.send(true);
            }
        }
        let _ = ready_tx.send(false);
    });
    let deadline = Instant::now() + READY_WITHIN;
    let ready = ready_rx
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .unwrap_or(false);
    if ready {
        Some(child)
    } else {
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

/// A new empty directory under the system's temporary one.
pub(crate) fn temp_dir(what: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "dingtalk-test-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}
