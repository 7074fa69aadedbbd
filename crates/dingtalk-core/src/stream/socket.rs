//! Opening the WebSocket: TCP (directly or through `options[proxy]`), TLS for `wss://` with
//! the roots the HTTP client trusts (the public ones and `options[ca_file]`), then the
//! handshake. Everything is blocking with timeouts: frames are read on the caller's thread.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::http::HeaderValue;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::WebSocket;

use super::tunnel;
use crate::config::Options;

/// The byte stream under the WebSocket.
pub(crate) enum Transport {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Transport {
    /// The TCP connection, for its timeouts.
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Transport::Plain(tcp) => tcp,
            Transport::Tls(tls) => &tls.sock,
        }
    }
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(tcp) => tcp.read(buf),
            Transport::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(tcp) => tcp.write(buf),
            Transport::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(tcp) => tcp.flush(),
            Transport::Tls(tls) => tls.flush(),
        }
    }
}

/// The TLS settings of `wss://` connections: the HTTP client's roots, the ring provider.
pub(crate) fn tls_config(options: &Options) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for der in options.ca.iter().flat_map(|ca| ca.der()) {
        // reqwest accepted the same certificates when the option was set.
        let _ = roots.add(der.clone());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// What a connection attempt needs.
pub(crate) struct Dial<'a> {
    pub(crate) options: &'a Options,
    /// Built on the first `wss://` connection.
    pub(crate) tls: &'a mut Option<Arc<ClientConfig>>,
    pub(crate) max_frame_bytes: usize,
}

/// Connects to `url` (the endpoint with its ticket) and completes the WebSocket handshake
/// within `options[timeout]`. The error text never holds the URL (its ticket is a credential).
pub(crate) fn open(url: &Url, dial: Dial<'_>) -> Result<WebSocket<Transport>, String> {
    let options = dial.options;
    let host = url
        .host_str()
        .ok_or("the endpoint has no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url
        .port_or_known_default()
        .ok_or("the endpoint has no port")?;
    let tcp = match &options.proxy {
        Some(proxy) => tunnel::through(proxy, &host, port, options.connect_timeout),
        None => tunnel::direct(&host, port, options.connect_timeout),
    }
    .map_err(|e| format!("cannot connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let io = |e: io::Error| format!("cannot connect: {e}");
    // The TLS and WebSocket handshakes share `options[timeout]` per step.
    tcp.set_read_timeout(Some(options.timeout)).map_err(io)?;
    tcp.set_write_timeout(Some(options.timeout)).map_err(io)?;
    let transport = if url.scheme() == "wss" {
        let config = match dial.tls {
            Some(config) => Arc::clone(config),
            None => {
                let config = tls_config(options)?;
                *dial.tls = Some(Arc::clone(&config));
                config
            }
        };
        let name =
            ServerName::try_from(host.clone()).map_err(|_| "the endpoint's host is not valid")?;
        let connection =
            ClientConnection::new(config, name).map_err(|e| format!("cannot set up TLS: {e}"))?;
        Transport::Tls(Box::new(StreamOwned::new(connection, tcp)))
    } else {
        Transport::Plain(tcp)
    };
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|_| "the endpoint is not a valid WebSocket URL")?;
    if let Ok(agent) = HeaderValue::from_str(&options.user_agent) {
        request.headers_mut().insert("user-agent", agent);
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(dial.max_frame_bytes))
        .max_frame_size(Some(dial.max_frame_bytes));
    match tungstenite::client::client_with_config(request, transport, Some(config)) {
        Ok((socket, _response)) => Ok(socket),
        Err(HandshakeError::Interrupted(_)) => Err(format!(
            "the handshake did not finish within {:.3} s",
            options.timeout.as_secs_f64()
        )),
        Err(HandshakeError::Failure(tungstenite::Error::Http(response))) => Err(format!(
            "the gateway refused the connection (HTTP {}): the ticket may be used up or expired",
            response.status().as_u16()
        )),
        Err(HandshakeError::Failure(e)) => Err(format!("the handshake failed: {e}")),
    }
}

/// A pause that reads as "no time at all" to a socket timeout (zero means "block forever").
pub(crate) fn at_least_a_moment(wait: Duration) -> Duration {
    wait.max(Duration::from_millis(1))
}
