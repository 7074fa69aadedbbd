//! Sockets for the peers the HTTP client does not reach — the Stream gateway's WebSocket, the
//! proxy in front of it, Redis — each read and write bounded by a [`Deadline`]: TCP
//! ([`Timed`], [`connect`]), and TLS over it ([`tls`], [`Transport`]); and waiting for the
//! first of several to have something to read ([`wait`]); host names are resolved by the
//! deadline too ([`resolve`]).
//!
//! On Unix a socket is non-blocking and each read or write that would block waits for the
//! socket with `poll(2)` for what is left of its deadline: a deadline that has passed still
//! lets a read take what already arrived (the Stream worker asks each of its connections for
//! a frame that way, without waiting), and no timeout is rounded up to the kernel's tick.
//! Elsewhere the socket's own timeouts are set from the deadline.

mod resolve;
pub(crate) mod tls;
mod wait;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub(crate) use resolve::resolve;
pub(crate) use tls::Transport;
pub(crate) use wait::wait;

use crate::deadline::Deadline;

/// A TCP connection whose every read and write ends by its deadline: a peer that trickles
/// cannot stretch an operation past it.
#[derive(Debug)]
pub(crate) struct Timed {
    tcp: TcpStream,
    deadline: Deadline,
}

/// The error of a read or write whose deadline passed (`WouldBlock`, as a socket timeout
/// says it: the WebSocket and TLS layers keep what they read so far, to go on with later).
#[cfg(unix)]
fn late() -> io::Error {
    io::Error::new(io::ErrorKind::WouldBlock, "the deadline passed")
}

impl Timed {
    pub(crate) fn new(tcp: TcpStream, deadline: Deadline) -> io::Result<Self> {
        #[cfg(unix)]
        tcp.set_nonblocking(true)?;
        Ok(Timed { tcp, deadline })
    }

    /// Bounds the reads and writes from now on by `deadline`.
    pub(crate) fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }

    /// The socket, for [`wait`].
    pub(crate) fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Runs `op` on the socket until it does not block, waiting for `readiness` in between;
    /// a `TimedOut` error once the deadline passed with the socket still not ready.
    #[cfg(unix)]
    fn until_ready<T>(
        &mut self,
        readiness: wait::Ready,
        mut op: impl FnMut(&mut TcpStream) -> io::Result<T>,
    ) -> io::Result<T> {
        loop {
            match op(&mut self.tcp) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => return other,
            }
            let left = self.deadline.left();
            if left.is_zero() || !wait::one(&self.tcp, readiness, left)? {
                return Err(late());
            }
        }
    }
}

impl Read for Timed {
    #[cfg(unix)]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.until_ready(wait::Ready::Read, |tcp| tcp.read(buf))
    }

    #[cfg(not(unix))]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tcp
            .set_read_timeout(Some(self.deadline.remaining()?))?;
        self.tcp.read(buf)
    }
}

impl Write for Timed {
    #[cfg(unix)]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.until_ready(wait::Ready::Write, |tcp| tcp.write(buf))
    }

    #[cfg(not(unix))]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp
            .set_write_timeout(Some(self.deadline.remaining()?))?;
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// A TCP connection to the first address of `host:port` that answers, each try within
/// `connect_timeout` and all of them, the name's lookup included, by `deadline`.
pub(crate) fn connect(
    host: &str,
    port: u16,
    connect_timeout: Duration,
    deadline: Deadline,
) -> io::Result<Timed> {
    let mut last = None;
    for addr in resolve(host, port, deadline)? {
        let timeout = deadline.remaining()?.min(connect_timeout);
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => {
                // Small writes (frames, commands) go at once.
                let _ = tcp.set_nodelay(true);
                return Timed::new(tcp, deadline);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::ConnectionRefused,
            format!("{host} has no address"),
        )
    }))
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::time::Instant;

    use super::*;

    /// A peer that sends one byte every 50 ms for ever: each read is quick, the whole is not.
    #[test]
    fn a_trickling_peer_cannot_outlast_the_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut peer, _) = listener.accept().unwrap();
            while peer.write_all(b"x").is_ok() {
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let started = Instant::now();
        let deadline = Deadline::after(Duration::from_millis(300));
        let mut timed = connect("127.0.0.1", port, Duration::from_secs(5), deadline).unwrap();
        let mut all = Vec::new();
        let error = timed.read_to_end(&mut all).unwrap_err();
        assert!(
            matches!(
                error.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ),
            "{error}"
        );
        assert!(!all.is_empty(), "it did read what came in time");
        // Sanity bound against hanging: the peer never stops.
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
