//! Host names resolved by a [`Deadline`]. The system's resolver (`getaddrinfo`) takes no
//! timeout, and a name server that does not answer holds it for as long as `resolv.conf`
//! says (tens of seconds with its retries): longer than a store operation's 0.5 s or the
//! Stream worker's `timeout`. So a name is looked up on a thread of its own, and the caller
//! waits for it only until its deadline; a lookup left behind ends by itself when the system
//! gives up, and until then counts against [`MAX_PENDING`], so a resolver that never answers
//! cannot make a process start threads without bound.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::deadline::Deadline;

/// Lookups of this process still running after their caller stopped waiting, at the most.
const MAX_PENDING: usize = 8;

static PENDING: AtomicUsize = AtomicUsize::new(0);

/// The addresses of `host:port`, by `deadline` (an IP literal at once, without a lookup).
pub(crate) fn resolve(host: &str, port: u16, deadline: Deadline) -> io::Result<Vec<SocketAddr>> {
    // A bracketed IPv6 literal, as a URL writes it, is a literal too.
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let host = host.to_owned();
    lookup_by(deadline, move || {
        (host.as_str(), port)
            .to_socket_addrs()
            .map(Iterator::collect)
    })
}

/// Runs `lookup` on a thread of its own and waits for its answer until `deadline`.
fn lookup_by(
    deadline: Deadline,
    lookup: impl FnOnce() -> io::Result<Vec<SocketAddr>> + Send + 'static,
) -> io::Result<Vec<SocketAddr>> {
    let wait = deadline.remaining()?;
    if PENDING.fetch_add(1, Ordering::AcqRel) >= MAX_PENDING {
        PENDING.fetch_sub(1, Ordering::AcqRel);
        return Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the name server is not answering: earlier lookups are still waiting for it",
        ));
    }
    let (answer, answered) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("dingtalk-resolve".to_owned())
        .spawn(move || {
            let addresses = lookup();
            PENDING.fetch_sub(1, Ordering::AcqRel);
            // The caller may have stopped waiting: then nobody reads this.
            let _ = answer.send(addresses);
        });
    if let Err(error) = spawned {
        PENDING.fetch_sub(1, Ordering::AcqRel);
        return Err(error);
    }
    match answered.recv_timeout(wait) {
        Ok(addresses) => addresses,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the name was not resolved by the deadline",
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(io::Error::other("the lookup failed")),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// The tests that look names up, one at a time: one of them fills [`PENDING`].
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn an_ip_literal_needs_no_lookup() {
        let passed = Deadline::after(Duration::ZERO);
        let v4 = resolve("127.0.0.1", 80, passed).unwrap();
        assert_eq!(v4, vec!["127.0.0.1:80".parse().unwrap()]);
        let v6 = resolve("[::1]", 443, passed).unwrap();
        assert_eq!(v6, vec!["[::1]:443".parse().unwrap()]);
    }

    #[test]
    fn a_name_is_resolved() {
        let _serial = SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let deadline = Deadline::after(Duration::from_secs(10));
        let addresses = resolve("localhost", 6379, deadline).unwrap();
        assert!(addresses
            .iter()
            .all(|a| a.port() == 6379 && a.ip().is_loopback()));
        assert!(!addresses.is_empty());
    }

    /// A resolver that does not answer holds the caller until its deadline, not longer; and
    /// however many callers it holds, at most `MAX_PENDING` lookups wait for it at once.
    #[test]
    fn a_silent_resolver_ends_at_the_deadline_and_its_lookups_are_bounded() {
        let _serial = SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (release, released) = mpsc::channel::<()>();
        let released = std::sync::Arc::new(std::sync::Mutex::new(released));
        let silent = |released: std::sync::Arc<std::sync::Mutex<mpsc::Receiver<()>>>| {
            move || {
                let _ = released
                    .lock()
                    .unwrap()
                    .recv_timeout(Duration::from_secs(5));
                Ok(vec![])
            }
        };
        let started = Instant::now();
        let error = lookup_by(
            Deadline::after(Duration::from_millis(100)),
            silent(released.clone()),
        )
        .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(100), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        for _ in 0..MAX_PENDING * 2 {
            let _ = lookup_by(
                Deadline::after(Duration::from_millis(1)),
                silent(released.clone()),
            );
        }
        assert!(PENDING.load(Ordering::Acquire) <= MAX_PENDING);
        let refused = lookup_by(Deadline::after(Duration::from_secs(5)), || Ok(vec![]));
        assert!(refused.unwrap_err().to_string().contains("not answering"));
        drop(release);
    }
}
