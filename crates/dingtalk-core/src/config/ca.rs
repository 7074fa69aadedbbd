//! Extra CA certificates (`ca_file`), read and checked once per process and file.
//!
//! Apps build a client per web request; re-reading and parsing the PEM each time showed up in
//! profiles. A file is read again only when its modification time or size changed.
//!
//! Only a regular file of at most [`MAX_CA_FILE_BYTES`] is read: a FIFO would block the
//! constructor until someone writes to it, and `/dev/zero` would be read until memory ran out.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::SystemTime;

use rustls::pki_types::pem::PemObject;

use crate::error::{Error, Result};

/// A checked PEM bundle. Equal and hashed by identity: one read of one file.
#[derive(Clone)]
pub(crate) struct CaBundle(Arc<Loaded>);

struct Loaded {
    path: String,
    stamp: (Option<SystemTime>, u64),
    certificates: Vec<reqwest::Certificate>,
    /// The same certificates as DER, for the TLS this crate speaks itself (Stream mode's
    /// WebSocket, `rediss://`).
    der: Vec<rustls::pki_types::CertificateDer<'static>>,
}

impl CaBundle {
    /// The certificates, parsed when the file was read.
    pub(crate) fn certificates(&self) -> &[reqwest::Certificate] {
        &self.0.certificates
    }

    /// The certificates as DER.
    pub(crate) fn der(&self) -> &[rustls::pki_types::CertificateDer<'static>] {
        &self.0.der
    }
}

impl PartialEq for CaBundle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for CaBundle {}

impl Hash for CaBundle {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.0).hash(state);
    }
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CaBundle").field(&self.0.path).finish()
    }
}

/// The largest `ca_file` read: a bundle of every public root is about 200 KiB.
const MAX_CA_FILE_BYTES: u64 = 4 << 20;

const NAME: &str = "options[ca_file]";

/// Reads a regular file of at most [`MAX_CA_FILE_BYTES`], without blocking on anything else.
fn read_regular_file(path: &str) -> Result<Vec<u8>> {
    let unreadable =
        |e: std::io::Error| Error::invalid(NAME, format!("cannot be read: {path}: {e}"));
    let not_regular = || Error::invalid(NAME, format!("is not a regular file: {path}"));
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    // Opening a FIFO for reading waits for a writer; non-blocking, it returns at once, and the
    // check on the opened file below refuses it. A regular file reads the same either way.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut open, libc::O_NONBLOCK);
    let file = open.open(path).map_err(unreadable)?;
    // Checked on the opened file, so the path cannot be swapped between the check and the read.
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > MAX_CA_FILE_BYTES {
        return Err(too_large(path));
    }
    let mut pem = Vec::new();
    file.take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(unreadable)?;
    if pem.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(too_large(path)); // it grew while being read
    }
    Ok(pem)
}

fn too_large(path: &str) -> Error {
    Error::invalid(
        NAME,
        format!("is larger than {MAX_CA_FILE_BYTES} bytes: {path}"),
    )
}

static LOADED: LazyLock<Mutex<HashMap<String, CaBundle>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The bundle in `path`, from the process-wide cache when the file did not change.
pub(crate) fn load(path: &str) -> Result<CaBundle> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::invalid(NAME, format!("cannot be read: {path}: {e}")))?;
    if !meta.is_file() {
        return Err(Error::invalid(
            NAME,
            format!("is not a regular file: {path}"),
        ));
    }
    let stamp = (meta.modified().ok(), meta.len());
    // The map only holds finished entries, so a poisoned lock still guards valid data.
    let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(bundle) = loaded.get(path).filter(|b| b.0.stamp == stamp) {
        return Ok(bundle.clone());
    }
    let pem = read_regular_file(path)?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .ok()
        .filter(|certs| !certs.is_empty())
        .ok_or_else(|| Error::invalid(NAME, format!("holds no PEM certificate: {path}")))?;
    // reqwest accepted every certificate, so this reads the same ones.
    let der = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
        .filter_map(std::result::Result::ok)
        .collect();
    let bundle = CaBundle(Arc::new(Loaded {
        path: path.to_owned(),
        stamp,
        certificates,
        der,
    }));
    loaded.insert(path.to_owned(), bundle.clone());
    Ok(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &str) -> String {
        match load(path) {
            Err(Error::InvalidArgument { name, reason }) if name == NAME => reason,
            Err(other) => panic!("{path}: expected InvalidArgument, got {other:?}"),
            Ok(_) => panic!("{path}: accepted"),
        }
    }

    #[test]
    fn only_regular_files_are_read() {
        assert!(refused("/dev/zero").contains("not a regular file"));
        assert!(refused("/tmp").contains("not a regular file"));
        assert!(refused("/nonexistent.pem").contains("cannot be read"));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = std::env::temp_dir().join(format!("dingtalk-ca-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("ca.pem");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        // Straight to the read, past the path check: the opened file is checked too.
        let error = read_regular_file(fifo.to_str().unwrap()).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_huge_file_is_refused_unread() {
        let path =
            std::env::temp_dir().join(format!("dingtalk-ca-huge-{}.pem", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_CA_FILE_BYTES + 1).unwrap(); // sparse: no disk used
        let reason = refused(path.to_str().unwrap());
        std::fs::remove_file(&path).unwrap();
        assert!(reason.contains("larger than"), "{reason}");
    }
}
