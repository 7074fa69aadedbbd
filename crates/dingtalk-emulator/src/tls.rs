//! A self-signed certificate made at start, and the TLS acceptor that serves it.
//!
//! The ring provider is passed to rustls explicitly rather than installed as the
//! process default, so nothing depends on (or panics over) which provider another
//! crate in the process picked.

use std::io;
use std::sync::Arc;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

pub struct TlsIdentity {
    /// The certificate, PEM: what a client must trust.
    pub cert_pem: String,
    pub acceptor: TlsAcceptor,
}

fn other(error: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("tls setup: {error}"))
}

/// A certificate for 127.0.0.1, ::1 and localhost.
pub fn self_signed() -> io::Result<TlsIdentity> {
    let names = ["127.0.0.1", "::1", "localhost"].map(String::from).to_vec();
    let certified = rcgen::generate_simple_self_signed(names).map_err(other)?;
    let cert_pem = certified.cert.pem();
    let cert_der = certified.cert.der().clone();
    let key_der =
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(other)?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .map_err(other)?;
    // Only HTTP/1.1 is served.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsIdentity {
        cert_pem,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}
