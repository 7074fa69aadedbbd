//! Extra CA certificates (`ca_file`), read and checked once per process and file.
//!
//! Apps build a client per web request; re-reading and parsing the PEM each time showed up in
//! profiles. A file is read again only when its modification time or size changed.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::SystemTime;

use crate::error::{Error, Result};

/// A checked PEM bundle. Equal and hashed by identity: one read of one file.
#[derive(Clone)]
pub(crate) struct CaBundle(Arc<Loaded>);

struct Loaded {
    path: String,
    stamp: (Option<SystemTime>, u64),
    certificates: Vec<reqwest::Certificate>,
}

impl CaBundle {
    /// The certificates, parsed when the file was read.
    pub(crate) fn certificates(&self) -> &[reqwest::Certificate] {
        &self.0.certificates
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

static LOADED: LazyLock<Mutex<HashMap<String, CaBundle>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The bundle in `path`, from the process-wide cache when the file did not change.
pub(crate) fn load(path: &str) -> Result<CaBundle> {
    const NAME: &str = "options[ca_file]";
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::invalid(NAME, format!("cannot be read: {path}: {e}")))?;
    let stamp = (meta.modified().ok(), meta.len());
    // The map only holds finished entries, so a poisoned lock still guards valid data.
    let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(bundle) = loaded.get(path).filter(|b| b.0.stamp == stamp) {
        return Ok(bundle.clone());
    }
    let pem = std::fs::read(path)
        .map_err(|e| Error::invalid(NAME, format!("cannot be read: {path}: {e}")))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .ok()
        .filter(|certs| !certs.is_empty())
        .ok_or_else(|| Error::invalid(NAME, format!("holds no PEM certificate: {path}")))?;
    let bundle = CaBundle(Arc::new(Loaded {
        path: path.to_owned(),
        stamp,
        certificates,
    }));
    loaded.insert(path.to_owned(), bundle.clone());
    Ok(bundle)
}
