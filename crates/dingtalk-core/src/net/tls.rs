//! TLS over a [`Timed`] connection (rustls with the ring provider, which the HTTP client also
//! uses), and the byte stream a peer is spoken to over: plain or TLS.

use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use super::Timed;
use crate::deadline::Deadline;

/// The certificates a server is checked against: the public roots the HTTP client trusts
/// (`webpki-roots`), and `extra` besides them.
pub(crate) fn public_roots_and(extra: &[CertificateDer<'static>]) -> RootCertStore {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    add(&mut roots, extra);
    roots
}

/// Only `certificates`.
pub(crate) fn only(certificates: &[CertificateDer<'static>]) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    add(&mut roots, certificates);
    roots
}

fn add(roots: &mut RootCertStore, certificates: &[CertificateDer<'static>]) {
    for der in certificates {
        // The HTTP client accepted the same certificates when `ca_file` was set.
        let _ = roots.add(der.clone());
    }
}

/// A client configuration that checks servers against `roots`.
pub(crate) fn client_config(roots: RootCertStore) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The byte stream to a peer.
pub(crate) enum Transport {
    Plain(Timed),
    Tls(Box<StreamOwned<ClientConnection, Timed>>),
}

impl Transport {
    /// TLS to `host` over `tcp` with `config`; the handshake runs with the first read or
    /// write, under the connection's deadline.
    pub(crate) fn tls(tcp: Timed, config: Arc<ClientConfig>, host: &str) -> Result<Self, String> {
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| format!("{host} is not a valid TLS server name"))?;
        let connection =
            ClientConnection::new(config, name).map_err(|e| format!("cannot set up TLS: {e}"))?;
        Ok(Transport::Tls(Box::new(StreamOwned::new(connection, tcp))))
    }

    /// The TCP connection underneath, for [`super::wait`].
    pub(crate) fn tcp(&self) -> &std::net::TcpStream {
        match self {
            Transport::Plain(tcp) => tcp.tcp(),
            Transport::Tls(tls) => tls.sock.tcp(),
        }
    }

    /// Bounds the reads and writes from now on by `deadline`.
    pub(crate) fn set_deadline(&mut self, deadline: Deadline) {
        match self {
            Transport::Plain(tcp) => tcp.set_deadline(deadline),
            Transport::Tls(tls) => tls.sock.set_deadline(deadline),
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
