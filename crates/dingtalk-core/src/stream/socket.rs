//! Opening the WebSocket: TCP (directly or through `options[proxy]`), TLS for `wss://` with
//! the roots the HTTP client trusts (the public ones and `options[ca_file]`), then the
//! handshake, all by one deadline. Frames are then read on the caller's thread.

use std::io::ErrorKind;
use std::sync::Arc;

use reqwest::Url;
use rustls::ClientConfig;
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::http::HeaderValue;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::WebSocket;

use super::tunnel;
use crate::config::Options;
use crate::deadline::Deadline;
use crate::net::{self, tls, Transport};

/// The TLS settings of `wss://` connections: the HTTP client's roots.
fn tls_config(options: &Options) -> Result<Arc<ClientConfig>, String> {
    let extra = options.ca.as_ref().map(|ca| ca.der()).unwrap_or_default();
    tls::client_config(tls::public_roots_and(extra))
}

/// Why a handshake failed when the gateway was too slow.
const LATE: &str = "the gateway did not finish the handshake in time";

/// What a connection attempt needs.
pub(crate) struct Dial<'a> {
    pub(crate) options: &'a Options,
    /// Built on the first `wss://` connection.
    pub(crate) tls: &'a mut Option<Arc<ClientConfig>>,
    pub(crate) max_frame_bytes: usize,
}

/// Connects to `url` (the endpoint with its ticket) and completes the WebSocket handshake by
/// `deadline`, each read and write of it included. The error text never holds the URL (its
/// ticket is a credential).
pub(crate) fn open(
    url: &Url,
    dial: Dial<'_>,
    deadline: Deadline,
) -> Result<WebSocket<Transport>, String> {
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
        Some(proxy) => tunnel::through(proxy, &host, port, options.connect_timeout, deadline),
        None => net::connect(&host, port, options.connect_timeout, deadline),
    }
    .map_err(|e| format!("cannot connect: {e}"))?;
    let transport = if url.scheme() == "wss" {
        let config = match dial.tls {
            Some(config) => Arc::clone(config),
            None => {
                let config = tls_config(options)?;
                *dial.tls = Some(Arc::clone(&config));
                config
            }
        };
        Transport::tls(tcp, config, &host)?
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
        // A read or write that ran into the deadline.
        Err(HandshakeError::Interrupted(_)) => Err(LATE.to_owned()),
        Err(HandshakeError::Failure(tungstenite::Error::Io(e)))
            if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) =>
        {
            Err(LATE.to_owned())
        }
        Err(HandshakeError::Failure(tungstenite::Error::Http(response))) => Err(format!(
            "the gateway refused the connection (HTTP {}): the ticket may be used up or expired",
            response.status().as_u16()
        )),
        Err(HandshakeError::Failure(e)) => Err(format!("the handshake failed: {e}")),
    }
}
