//! Sockets for the peers the HTTP client does not reach — the Stream gateway's WebSocket, the
//! proxy in front of it, Redis — each read and write bounded by a [`Deadline`]: TCP
//! ([`Timed`], [`connect`]), and TLS over it ([`tls`], [`Transport`]).

pub(crate) mod tls;

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

pub(crate) use tls::Transport;

use crate::deadline::Deadline;

/// A TCP connection whose every read and write ends by its deadline: each gets the socket
/// timeout of what is left, so a peer that trickles cannot stretch an operation past it.
#[derive(Debug)]
pub(crate) struct Timed {
    tcp: TcpStream,
    deadline: Deadline,
}

impl Timed {
    pub(crate) fn new(tcp: TcpStream, deadline: Deadline) -> Self {
        Timed { tcp, deadline }
    }

    /// Bounds the reads and writes from now on by `deadline`.
    pub(crate) fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tcp
            .set_read_timeout(Some(self.deadline.remaining()?))?;
        self.tcp.read(buf)
    }
}

impl Write for Timed {
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
/// `connect_timeout` and all of them by `deadline`. (The name is resolved by the system, which
/// no deadline bounds.)
pub(crate) fn connect(
    host: &str,
    port: u16,
    connect_timeout: Duration,
    deadline: Deadline,
) -> io::Result<Timed> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        let timeout = deadline.remaining()?.min(connect_timeout);
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => {
                // Small writes (frames, commands) go at once.
                let _ = tcp.set_nodelay(true);
                return Ok(Timed::new(tcp, deadline));
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
