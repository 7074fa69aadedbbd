//! `token_store = "file:///dir"`: every process of this host, through files in one directory.
//!
//! Per app (its store key `K`): `K.token` holds the token and its validity window as JSON,
//! read under a shared `flock` and rewritten under an exclusive one; `K.lock` is the fetch
//! lock, an exclusive `flock` held while one process fetches (the kernel drops it when the
//! holder dies, so a dead holder blocks nobody); `K.<hash of the API>.rate` holds the rate
//! limit's number, read and rewritten under an exclusive `flock`, on the host's clock.
//!
//! The directory is created `0700` when missing, files `0600`; no path is followed through a
//! symbolic link at its last step (`O_NOFOLLOW`), so a link planted in a shared directory
//! cannot redirect a write.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    Held, RateRule, RateStore, Reservation, StoreError, StoreResult, StoredToken, TokenStore,
};
use crate::time::now_us;

/// The largest file read: a token file is about a hundred bytes.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// A token file, as written.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    token: String,
    issued_at_ms: i64,
    expires_at_ms: i64,
}

pub(crate) struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub(crate) fn new(dir: &Path) -> Self {
        FileStore {
            dir: dir.to_owned(),
        }
    }

    fn fail(&self, what: &str, error: &std::io::Error) -> StoreError {
        StoreError(format!(
            "file store {}: {what}: {error}",
            self.dir.display()
        ))
    }

    /// Creates the directory (`0700`) if it is missing.
    fn ensure_dir(&self) -> StoreResult<()> {
        if self.dir.is_dir() {
            return Ok(());
        }
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.dir)
            .map_err(|e| self.fail("cannot create the directory", &e))
    }

    /// Opens `name` for reading and writing, created `0600` if missing.
    fn open_rw(&self, name: &str) -> StoreResult<File> {
        self.ensure_dir()?;
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true);
        no_follow(&mut options);
        options
            .open(self.dir.join(name))
            .map_err(|e| self.fail(&format!("cannot open {name}"), &e))
    }

    /// Opens `name` for reading; `None` when it does not exist.
    fn open_read(&self, name: &str) -> StoreResult<Option<File>> {
        let mut options = OpenOptions::new();
        options.read(true);
        no_follow(&mut options);
        match options.open(self.dir.join(name)) {
            Ok(file) => Ok(Some(file)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.fail(&format!("cannot open {name}"), &e)),
        }
    }

    fn read_all(&self, file: &mut File, name: &str) -> StoreResult<Vec<u8>> {
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.take(MAX_FILE_BYTES).read_to_end(&mut bytes))
            .map_err(|e| self.fail(&format!("cannot read {name}"), &e))?;
        Ok(bytes)
    }

    fn rewrite(&self, file: &mut File, name: &str, bytes: &[u8]) -> StoreResult<()> {
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(bytes))
            .map_err(|e| self.fail(&format!("cannot write {name}"), &e))
    }

    fn flock(
        &self,
        file: &File,
        exclusive: bool,
        timeout: Duration,
        name: &str,
    ) -> StoreResult<()> {
        lock_within(file, exclusive, timeout)
            .map_err(|e| self.fail(&format!("cannot lock {name}"), &e))
    }
}

/// Refuses to follow a symbolic link at the last step of the path.
fn no_follow(options: &mut OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW | libc::O_CLOEXEC);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
}

/// `flock` without blocking: `Ok(false)` when another open file holds it.
#[cfg(unix)]
fn try_flock(file: &File, exclusive: bool) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    let kind = if exclusive {
        libc::LOCK_EX
    } else {
        libc::LOCK_SH
    };
    loop {
        // SAFETY: a valid open descriptor, owned by `file` for the duration of the call.
        if unsafe { libc::flock(file.as_raw_fd(), kind | libc::LOCK_NB) } == 0 {
            return Ok(true);
        }
        let error = std::io::Error::last_os_error();
        match error.kind() {
            ErrorKind::WouldBlock => return Ok(false),
            ErrorKind::Interrupted => continue,
            _ => return Err(error),
        }
    }
}

#[cfg(not(unix))]
fn try_flock(_: &File, _: bool) -> std::io::Result<bool> {
    Err(std::io::Error::new(
        ErrorKind::Unsupported,
        "file stores need flock",
    ))
}

/// `flock`, waiting at most `timeout` for another holder (such a lock is held only for a
/// read or a write of a few bytes). Released when the file is closed.
fn lock_within(file: &File, exclusive: bool, timeout: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_micros(200);
    while !try_flock(file, exclusive)? {
        if Instant::now() >= deadline {
            return Err(std::io::Error::new(
                ErrorKind::TimedOut,
                "held by another process for too long",
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    }
    Ok(())
}

fn token_file(app: &str) -> String {
    format!("{app}.token")
}

/// A fetch lock: the open lock file, whose `flock` closing releases.
struct FileHeld(File);

impl Held for FileHeld {
    fn release(self: Box<Self>) -> StoreResult<()> {
        drop(self.0);
        Ok(())
    }
}

impl TokenStore for FileStore {
    fn kind(&self) -> &'static str {
        "file"
    }

    fn get(&self, app: &str, timeout: Duration) -> StoreResult<Option<StoredToken>> {
        let name = token_file(app);
        let Some(mut file) = self.open_read(&name)? else {
            return Ok(None);
        };
        self.flock(&file, false, timeout, &name)?;
        let bytes = self.read_all(&mut file, &name)?;
        // An empty or half-written file (its writer died) holds no token.
        Ok(serde_json::from_slice::<TokenFile>(&bytes)
            .ok()
            .filter(|t| !t.token.is_empty())
            .map(|t| StoredToken {
                token: t.token,
                issued_at_ms: t.issued_at_ms,
                expires_at_ms: t.expires_at_ms,
            }))
    }

    fn put(&self, app: &str, token: &StoredToken, timeout: Duration) -> StoreResult<()> {
        let name = token_file(app);
        let mut file = self.open_rw(&name)?;
        self.flock(&file, true, timeout, &name)?;
        let json = serde_json::to_vec(&TokenFile {
            token: token.token.clone(),
            issued_at_ms: token.issued_at_ms,
            expires_at_ms: token.expires_at_ms,
        })
        .map_err(|e| StoreError(format!("file store: cannot encode the token: {e}")))?;
        self.rewrite(&mut file, &name, &json)
    }

    fn remove_if(&self, app: &str, token: &str, timeout: Duration) -> StoreResult<bool> {
        let name = token_file(app);
        // Opened for writing only when there is a file to empty.
        if self.open_read(&name)?.is_none() {
            return Ok(false);
        }
        let mut file = self.open_rw(&name)?;
        self.flock(&file, true, timeout, &name)?;
        let bytes = self.read_all(&mut file, &name)?;
        let same = serde_json::from_slice::<TokenFile>(&bytes).is_ok_and(|t| t.token == token);
        if same {
            // Emptied, not unlinked: a reader holding the old file would miss a new one.
            self.rewrite(&mut file, &name, b"")?;
        }
        Ok(same)
    }

    fn try_lock(
        &self,
        app: &str,
        _ttl: Duration,
        _timeout: Duration,
    ) -> StoreResult<Option<Box<dyn Held>>> {
        let name = format!("{app}.lock");
        let file = self.open_rw(&name)?;
        match try_flock(&file, true) {
            Ok(true) => Ok(Some(Box::new(FileHeld(file)))),
            Ok(false) => Ok(None),
            Err(e) => Err(self.fail(&format!("cannot lock {name}"), &e)),
        }
    }
}

impl RateStore for FileStore {
    fn reserve(
        &self,
        app: &str,
        api: &str,
        rule: &dyn RateRule,
        timeout: Duration,
    ) -> StoreResult<Reservation> {
        // The API (method and path) is hashed: it may hold any character.
        let api_hash: String = Sha256::digest(api.as_bytes())[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("{app}.{api_hash}.rate");
        let mut file = self.open_rw(&name)?;
        self.flock(&file, true, timeout, &name)?;
        let bytes = self.read_all(&mut file, &name)?;
        let kept = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| text.trim().parse::<i64>().ok());
        // The host's clock, which every process here shares.
        let (reservation, next) = rule.apply(kept, now_us());
        if let Some(next) = next {
            self.rewrite(&mut file, &name, next.to_string().as_bytes())?;
        }
        Ok(reservation)
    }
}
