//! A small blocking HTTP/1.1 client for the control API: one request per connection
//! (`Connection: close`), over plain TCP or over rustls trusting the emulator's own
//! certificate. It reuses the TLS stack the emulator already has, so a test suite that
//! enables `testing` pulls in no other HTTP client or TLS library.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// No control call takes long; a stuck one fails the test instead of hanging it.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Far more than any control answer; a bigger one is a bug, not something to buffer.
const MAX_ANSWER: usize = 64 * 1024 * 1024;

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Where the emulator is, and how to talk to it.
pub struct Http {
    /// `HOST:PORT`, as in the base URL.
    authority: String,
    tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
}

/// A status and a body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Http {
    /// `base_url` is `http://HOST:PORT` or `https://HOST:PORT`; for https, `cert_pem` is
    /// the certificate to trust.
    pub fn new(base_url: &str, cert_pem: Option<&str>) -> io::Result<Http> {
        let (https, rest) = if let Some(rest) = base_url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = base_url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(invalid(format!("not an http(s) URL: {base_url}")));
        };
        let authority = rest.trim_end_matches('/').to_owned();
        if authority.is_empty() || authority.contains('/') {
            return Err(invalid(format!(
                "expected SCHEME://HOST:PORT, got {base_url}"
            )));
        }
        let tls = if https {
            let pem = cert_pem.ok_or_else(|| invalid("https needs the certificate to trust"))?;
            Some((client_config(pem)?, server_name(&authority)?))
        } else {
            None
        };
        Ok(Http { authority, tls })
    }

    /// Sends one request and reads the whole answer.
    pub fn request(&self, method: &str, target: &str, body: Option<&[u8]>) -> io::Result<Answer> {
        let stream = TcpStream::connect(&self.authority)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.authority
        );
        if let Some(body) = body {
            head.push_str("Content-Type: application/json\r\n");
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let raw = match &self.tls {
            None => exchange(stream, head.as_bytes(), body)?,
            Some((config, name)) => {
                let connection = ClientConnection::new(Arc::clone(config), name.clone())
                    .map_err(|e| invalid(format!("tls: {e}")))?;
                exchange(StreamOwned::new(connection, stream), head.as_bytes(), body)?
            }
        };
        parse(&raw)
    }
}

fn client_config(pem: &str) -> io::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| invalid(format!("certificate: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| invalid(format!("certificate: {e}")))?;
    }
    // The provider is passed explicitly, as the server does: no process default needed.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("tls: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn server_name(authority: &str) -> io::Result<ServerName<'static>> {
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_owned()).map_err(|e| invalid(format!("server name: {e}")))
}

/// Writes the request and reads until the server closes. A TLS peer that closes
/// without `close_notify` ends the read with an error; what arrived before still counts.
fn exchange(
    mut stream: impl Read + Write,
    head: &[u8],
    body: Option<&[u8]>,
) -> io::Result<Vec<u8>> {
    stream.write_all(head)?;
    if let Some(body) = body {
        stream.write_all(body)?;
    }
    stream.flush()?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if raw.len() > MAX_ANSWER {
                    return Err(invalid("answer too large"));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !raw.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    Ok(raw)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse(raw: &[u8]) -> io::Result<Answer> {
    let end = find(raw, b"\r\n\r\n").ok_or_else(|| invalid("no complete HTTP head"))?;
    let head = std::str::from_utf8(raw.get(..end).unwrap_or_default())
        .map_err(|_| invalid("HTTP head is not text"))?;
    let rest = raw.get(end + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| invalid(format!("bad status line in {head:?}")))?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| invalid("bad Content-Length"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(length) = length {
        rest.get(..length)
            .ok_or_else(|| invalid("answer shorter than its Content-Length"))?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Answer { status, body })
}

fn dechunk(mut rest: &[u8]) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n").ok_or_else(|| invalid("truncated chunk"))?;
        let size_text = std::str::from_utf8(rest.get(..line_end).unwrap_or_default())
            .map_err(|_| invalid("bad chunk size"))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| invalid("bad chunk size"))?;
        rest = rest.get(line_end + 2..).unwrap_or_default();
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(rest.get(..size).ok_or_else(|| invalid("truncated chunk"))?);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_with_a_length_or_in_chunks() {
        let answer = parse(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}").unwrap();
        assert_eq!((answer.status, answer.body.as_slice()), (200, &b"{}"[..]));
        let answer =
            parse(b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4;x=y\r\n\":1}\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!(
            (answer.status, answer.body.as_slice()),
            (400, &b"{\"a\":1}"[..])
        );
        assert!(parse(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n{}").is_err());
        assert!(parse(b"garbage").is_err());
    }

    #[test]
    fn base_urls() {
        assert!(Http::new("http://127.0.0.1:1", None).is_ok());
        assert!(Http::new("http://127.0.0.1:1/", None).is_ok());
        assert!(Http::new("ftp://127.0.0.1:1", None).is_err());
        assert!(Http::new("http://127.0.0.1:1/x", None).is_err());
        assert!(Http::new("https://127.0.0.1:1", None).is_err());
        assert_eq!(
            server_name("[::1]:80").unwrap(),
            ServerName::try_from("::1").unwrap()
        );
    }
}
