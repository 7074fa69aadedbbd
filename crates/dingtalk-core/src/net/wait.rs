//! Waiting for sockets with `poll(2)`: for one to be ready for what a blocked read or write
//! needs ([`one`]), or for the first of several to have something to read ([`wait`]).

use std::io;
use std::net::TcpStream;
use std::time::Duration;

/// What a socket is waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ready {
    Read,
    Write,
}

/// `timeout` in whole milliseconds for `poll`, rounded up (a wait of less than a millisecond
/// would otherwise not wait at all), at most `i32::MAX`.
#[cfg(unix)]
fn poll_ms(timeout: Duration) -> libc::c_int {
    let ms = timeout.as_micros().div_ceil(1000);
    libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
}

/// Polls `fds` for at most `timeout`; whether any became ready. A signal ends the wait early
/// (as ready: the caller tries again and waits anew if nothing came).
#[cfg(unix)]
fn poll(fds: &mut [libc::pollfd], timeout: Duration) -> io::Result<bool> {
    let count = libc::nfds_t::try_from(fds.len()).unwrap_or(libc::nfds_t::MAX);
    // SAFETY: `fds` is a valid, exclusively borrowed array of `count` pollfd structures.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), count, poll_ms(timeout)) };
    if ready < 0 {
        let error = io::Error::last_os_error();
        return match error.kind() {
            io::ErrorKind::Interrupted => Ok(true),
            _ => Err(error),
        };
    }
    Ok(ready > 0)
}

#[cfg(unix)]
fn pollfd(tcp: &TcpStream, ready: Ready) -> libc::pollfd {
    use std::os::unix::io::AsRawFd;
    let events = match ready {
        Ready::Read => libc::POLLIN,
        Ready::Write => libc::POLLOUT,
    };
    libc::pollfd {
        fd: tcp.as_raw_fd(),
        events,
        revents: 0,
    }
}

/// Waits at most `timeout` for `tcp` to be ready for `ready` (an error or a hang-up counts as
/// ready: the next read or write tells it); whether it is.
#[cfg(unix)]
pub(crate) fn one(tcp: &TcpStream, ready: Ready, timeout: Duration) -> io::Result<bool> {
    poll(&mut [pollfd(tcp, ready)], timeout)
}

/// Waits at most `timeout` for any of `sockets` to have something to read (or to fail).
#[cfg(unix)]
pub(crate) fn wait(sockets: &[&TcpStream], timeout: Duration) -> io::Result<()> {
    let mut fds: Vec<libc::pollfd> = sockets.iter().map(|s| pollfd(s, Ready::Read)).collect();
    poll(&mut fds, timeout).map(drop)
}

/// Without `poll`: a short nap, after which every socket is tried again (each read bounded by
/// its own timeout).
#[cfg(not(unix))]
pub(crate) fn wait(_sockets: &[&TcpStream], timeout: Duration) -> io::Result<()> {
    std::thread::sleep(timeout.min(Duration::from_millis(5)));
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::io::Write;
    use std::net::TcpListener;
    use std::time::Instant;

    use super::*;

    #[test]
    fn waits_for_the_first_socket_with_something_to_read() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let quiet = TcpStream::connect(address).unwrap();
        let (_quiet_peer, _) = listener.accept().unwrap();
        let talking = TcpStream::connect(address).unwrap();
        let (mut talking_peer, _) = listener.accept().unwrap();
        wait(&[&quiet, &talking], Duration::from_millis(20)).unwrap();
        talking_peer.write_all(b"x").unwrap();
        assert!(one(&talking, Ready::Read, Duration::from_secs(5)).unwrap());
        assert!(!one(&quiet, Ready::Read, Duration::from_millis(1)).unwrap());
        // Sanity bound: the talking socket ended the wait, not the timeout.
        let started = Instant::now();
        wait(&[&quiet, &talking], Duration::from_secs(5)).unwrap();
        assert!(started.elapsed() < Duration::from_secs(4));
    }
}
