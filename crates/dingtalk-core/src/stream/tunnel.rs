//! A TCP connection to the gateway through `options[proxy]`: an HTTP proxy's `CONNECT`, or
//! SOCKS5 (`socks5h`: the proxy resolves the name; `socks5`: here). The HTTP calls go through
//! the same proxy by reqwest; the WebSocket needs its own tunnel, since reqwest cannot hand over
//! a raw connection. Without the option nothing here is used, whatever the environment says.
//! The proxy's handshake ends by the connection's deadline like everything else on it.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use reqwest::Url;

use crate::deadline::Deadline;
use crate::net::{self, Timed};

/// The longest answer head a proxy may send to `CONNECT`.
const MAX_HEAD: usize = 16 * 1024;

fn failed(reason: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, reason.into())
}

/// A connection to `host:port` through the proxy `proxy` (checked when the option was set).
pub(crate) fn through(
    proxy: &str,
    host: &str,
    port: u16,
    connect_timeout: Duration,
    deadline: Deadline,
) -> io::Result<Timed> {
    let url = Url::parse(proxy).map_err(|_| failed("options[proxy] is not a valid URL"))?;
    let proxy_host = url
        .host_str()
        .ok_or_else(|| failed("options[proxy] has no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let default_port = if url.scheme() == "http" { 80 } else { 1080 };
    let proxy_port = url.port().unwrap_or(default_port);
    let mut stream = net::connect(proxy_host, proxy_port, connect_timeout, deadline)?;
    let user = percent_decoded(url.username());
    let password = url.password().map(percent_decoded);
    match url.scheme() {
        "http" => connect(&mut stream, host, port, &user, password.as_deref())?,
        "socks5" | "socks5h" => {
            // socks5:// resolves the name here, socks5h:// lets the proxy do it.
            let resolve_by = (url.scheme() == "socks5").then_some(deadline);
            socks5(
                &mut stream,
                host,
                port,
                resolve_by,
                &user,
                password.as_deref(),
            )?;
        }
        other => {
            return Err(failed(format!(
                "Stream mode cannot use a {other}:// proxy (http://, socks5:// and socks5h:// work)"
            )))
        }
    }
    Ok(stream)
}

fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `CONNECT host:port` and its `2xx` answer.
fn connect(
    stream: &mut Timed,
    host: &str,
    port: u16,
    user: &str,
    password: Option<&str>,
) -> io::Result<()> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if !user.is_empty() || password.is_some() {
        let pair = format!("{user}:{}", password.unwrap_or_default());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        head.push_str(&format!("Proxy-Authorization: Basic {encoded}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    // Read byte by byte up to the blank line: what follows belongs to the tunnel.
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() >= MAX_HEAD {
            return Err(failed("the proxy's answer to CONNECT is too long"));
        }
        if stream.read(&mut byte)? == 0 {
            return Err(failed("the proxy closed the connection"));
        }
        answer.push(byte[0]);
    }
    let status_line = answer.split(|b| *b == b'\r').next().unwrap_or_default();
    let status = String::from_utf8_lossy(status_line);
    let ok = status
        .split(' ')
        .nth(1)
        .is_some_and(|code| code.len() == 3 && code.starts_with('2'));
    if !ok {
        let shown: String = status.chars().take(100).collect();
        return Err(failed(format!("the proxy refused CONNECT: {shown}")));
    }
    Ok(())
}

/// SOCKS5 (RFC 1928) with no authentication or a user and password (RFC 1929).
fn socks5(
    stream: &mut Timed,
    host: &str,
    port: u16,
    resolve_by: Option<Deadline>,
    user: &str,
    password: Option<&str>,
) -> io::Result<()> {
    socks5_login(stream, user, password)?;
    stream.write_all(&socks5_request(host, port, resolve_by)?)?;
    socks5_reply(stream)
}

/// The method negotiation, and the user and password when there are any.
fn socks5_login(stream: &mut Timed, user: &str, password: Option<&str>) -> io::Result<()> {
    let with_password = !user.is_empty() || password.is_some();
    let method = if with_password { 2 } else { 0 };
    stream.write_all(&[5, 1, method])?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice)?;
    if choice != [5, method] {
        return Err(failed("the SOCKS5 proxy refused the authentication method"));
    }
    if with_password {
        let password = password.unwrap_or_default();
        let (Ok(u), Ok(p)) = (u8::try_from(user.len()), u8::try_from(password.len())) else {
            return Err(failed("the SOCKS5 user or password is too long"));
        };
        let mut auth = vec![1, u];
        auth.extend_from_slice(user.as_bytes());
        auth.push(p);
        auth.extend_from_slice(password.as_bytes());
        stream.write_all(&auth)?;
        let mut status = [0u8; 2];
        stream.read_exact(&mut status)?;
        if status[1] != 0 {
            return Err(failed("the SOCKS5 proxy refused the user and password"));
        }
    }
    Ok(())
}

/// The CONNECT request: an address resolved here (by `resolve_by`) or an IP literal, otherwise
/// the host name for the proxy to resolve.
fn socks5_request(host: &str, port: u16, resolve_by: Option<Deadline>) -> io::Result<Vec<u8>> {
    let mut request = vec![5, 1, 0];
    let address = if let Some(deadline) = resolve_by {
        net::resolve(host, port, deadline)?.into_iter().next()
    } else {
        host.parse::<std::net::IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, port))
    };
    match address {
        Some(SocketAddr::V4(v4)) => {
            request.push(1);
            request.extend_from_slice(&v4.ip().octets());
        }
        Some(SocketAddr::V6(v6)) => {
            request.push(4);
            request.extend_from_slice(&v6.ip().octets());
        }
        None => {
            let len = u8::try_from(host.len()).map_err(|_| failed("the host name is too long"))?;
            request.push(3);
            request.push(len);
            request.extend_from_slice(host.as_bytes());
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    Ok(request)
}

/// The proxy's answer to CONNECT, read to its end: what follows belongs to the tunnel.
fn socks5_reply(stream: &mut Timed) -> io::Result<()> {
    let mut reply = [0u8; 4];
    stream.read_exact(&mut reply)?;
    if reply[1] != 0 {
        return Err(failed(format!(
            "the SOCKS5 proxy refused the connection (reply {})",
            reply[1]
        )));
    }
    let skip = match reply[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8; 1];
            stream.read_exact(&mut len)?;
            usize::from(len[0]) + 2
        }
        _ => return Err(failed("the SOCKS5 proxy sent a malformed reply")),
    };
    let mut bound = vec![0u8; skip];
    stream.read_exact(&mut bound)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};
    use std::thread;

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(5);

    fn deadline() -> Deadline {
        Deadline::after(TIMEOUT)
    }

    /// A one-connection proxy on loopback: `serve` plays the proxy's side of the handshake and
    /// returns what it read; then it echoes one chunk through the tunnel.
    fn proxy(
        serve: impl FnOnce(&mut TcpStream) -> Vec<u8> + Send + 'static,
    ) -> (u16, thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = thread::spawn(move || {
            let (mut client, _) = listener.accept().unwrap();
            client.set_read_timeout(Some(TIMEOUT)).unwrap();
            let seen = serve(&mut client);
            let mut chunk = [0u8; 4];
            if client.read_exact(&mut chunk).is_ok() {
                let _ = client.write_all(&chunk);
            }
            seen
        });
        (port, handle)
    }

    fn echoes(mut tunnel: Timed) {
        tunnel.write_all(b"ping").unwrap();
        let mut back = [0u8; 4];
        tunnel.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"ping");
    }

    #[test]
    fn http_proxies_get_connect_with_basic_credentials() {
        let (port, handle) = proxy(|client| {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                client.read_exact(&mut byte).unwrap();
                head.push(byte[0]);
            }
            client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            head
        });
        let url = format!("http://us%40er:p%3Aw@127.0.0.1:{port}");
        echoes(through(&url, "gateway.invalid", 443, TIMEOUT, deadline()).unwrap());
        let head = String::from_utf8(handle.join().unwrap()).unwrap();
        assert!(
            head.starts_with("CONNECT gateway.invalid:443 HTTP/1.1\r\n"),
            "{head}"
        );
        // base64("us@er:p:w")
        assert!(
            head.contains("Proxy-Authorization: Basic dXNAZXI6cDp3\r\n"),
            "{head}"
        );
    }

    #[test]
    fn a_refused_connect_names_the_status() {
        let (port, _handle) = proxy(|client| {
            let mut head = [0u8; 64];
            let _ = client.read(&mut head);
            let _ = client.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
            Vec::new()
        });
        let error = through(
            &format!("http://127.0.0.1:{port}"),
            "h",
            443,
            TIMEOUT,
            deadline(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("407"), "{error}");
    }

    /// A proxy that trickles its answer to CONNECT (each byte quick, the head never done)
    /// holds the connection attempt until its deadline, no longer.
    #[test]
    fn a_trickling_proxy_ends_at_the_deadline() {
        let (port, _handle) = proxy(|client| {
            let mut head = [0u8; 64];
            let _ = client.read(&mut head);
            let answer = b"HTTP/1.1 200 OK\r\nX-Padding: "
                .iter()
                .chain(std::iter::repeat(&b'a'));
            for byte in answer.take(200) {
                if client.write_all(&[*byte]).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
            Vec::new()
        });
        let started = std::time::Instant::now();
        let deadline = Deadline::after(Duration::from_millis(300));
        let url = format!("http://127.0.0.1:{port}");
        let error = through(&url, "h", 443, TIMEOUT, deadline).unwrap_err();
        assert!(
            matches!(
                error.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ),
            "{error}"
        );
        // Sanity bound against hanging: the trickle alone lasts 10 s.
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn socks5h_proxies_get_the_host_name() {
        let (port, handle) = proxy(|client| {
            let mut seen = Vec::new();
            let mut greeting = [0u8; 3];
            client.read_exact(&mut greeting).unwrap();
            seen.extend_from_slice(&greeting);
            client.write_all(&[5, 0]).unwrap();
            let mut request = [0u8; 4 + 1 + 15 + 2];
            client.read_exact(&mut request).unwrap();
            seen.extend_from_slice(&request);
            client
                .write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0x01, 0xbb])
                .unwrap();
            seen
        });
        let url = format!("socks5h://127.0.0.1:{port}");
        echoes(through(&url, "gateway.invalid", 443, TIMEOUT, deadline()).unwrap());
        let mut expected = vec![5, 1, 0, 5, 1, 0, 3, 15];
        expected.extend_from_slice(b"gateway.invalid");
        expected.extend_from_slice(&443u16.to_be_bytes());
        assert_eq!(handle.join().unwrap(), expected);
    }
}
