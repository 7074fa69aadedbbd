//! `token_store = "file:///dir"`: every process of this host, through files in one directory.
//!
//! Per app (its store key `K`): `K.token` holds the token and its validity window as JSON,
//! read under a shared `flock` and rewritten under an exclusive one; `K.lock` is the fetch
//! lock, an exclusive `flock` held while one process fetches (the kernel drops it when the
//! holder dies, so a dead holder blocks nobody); `K.<hash of the API>.rate` holds the rate
//! limit's number, read and rewritten under an exclusive `flock`, on the host's clock;
//! `K.<hash of a key>.mark` a mark ([`marks`]).
//!
//! What is opened there, and the directory itself, is checked first ([`dir`]): a directory
//! another user owns or can write, or a file that is not a regular file of this user's, is
//! refused. Rate files whose moment passed, and marks whose end passed, are removed now and then
//! ([`sweep`]), so the directory does not grow with the APIs called or the messages marked.

mod dir;
mod marks;
mod sweep;

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    Held, RateRule, RateStore, Reservation, StoreError, StoreResult, StoredToken, TokenStore,
};
use crate::deadline::Deadline;
use crate::time::now_us;
use dir::{Access, Dir};

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
    /// Wall-clock ms before which this process does not sweep the directory again.
    next_sweep_ms: AtomicI64,
}

impl FileStore {
    pub(crate) fn new(dir: &Path) -> Self {
        FileStore {
            dir: dir.to_owned(),
            next_sweep_ms: AtomicI64::new(0),
        }
    }

    fn fail(&self, what: &str, error: &std::io::Error) -> StoreError {
        StoreError(format!(
            "file store {}: {what}: {error}",
            self.dir.display()
        ))
    }

    /// The directory, opened and checked (made if missing).
    fn open_dir(&self) -> StoreResult<Dir> {
        Dir::open(&self.dir).map_err(|e| self.fail("refused or unusable", &e))
    }

    /// Opens `name` for reading and writing (created `0600` if missing), with its `flock`,
    /// by `deadline`. A file removed by a sweep while this one waited for its lock is opened
    /// again.
    fn open_locked(
        &self,
        dir: &Dir,
        name: &str,
        exclusive: bool,
        deadline: Deadline,
    ) -> StoreResult<File> {
        loop {
            let file = self.open(dir, name, Access::Write)?.ok_or_else(|| {
                self.fail(&format!("cannot open {name}"), &ErrorKind::NotFound.into())
            })?;
            self.flock(&file, exclusive, deadline, name)?;
            let gone = dir::removed(&file).map_err(|e| self.fail(name, &e))?;
            if !gone {
                return Ok(file);
            }
            if deadline.passed() {
                return Err(self.fail(name, &ErrorKind::TimedOut.into()));
            }
        }
    }

    fn open(&self, dir: &Dir, name: &str, access: Access) -> StoreResult<Option<File>> {
        dir.file(name, access)
            .map_err(|e| self.fail(&format!("cannot open {name}"), &e))
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
        deadline: Deadline,
        name: &str,
    ) -> StoreResult<()> {
        lock_by(file, exclusive, deadline)
            .map_err(|e| self.fail(&format!("cannot lock {name}"), &e))
    }
}

/// `flock` without blocking: `Ok(false)` when another open file holds it.
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

/// `flock`, waiting for another holder until `deadline` (such a lock is held only for a read
/// or a write of a few bytes). Released when the file is closed.
fn lock_by(file: &File, exclusive: bool, deadline: Deadline) -> std::io::Result<()> {
    let mut pause = Duration::from_micros(200);
    while !try_flock(file, exclusive)? {
        if deadline.passed() {
            return Err(std::io::Error::new(
                ErrorKind::TimedOut,
                "held by another process for too long",
            ));
        }
        std::thread::sleep(pause.min(deadline.left()));
        pause = (pause * 2).min(Duration::from_millis(5));
    }
    Ok(())
}

fn token_file(app: &str) -> String {
    format!("{app}.token")
}

/// The suffix of rate files, which sweeps look for.
const RATE_SUFFIX: &str = ".rate";

/// The rate file of (`app`, `api`): the API (method and path template) is hashed, since it may
/// hold any character.
fn rate_file(app: &str, api: &str) -> String {
    let api_hash = crate::hex::lower(&Sha256::digest(api.as_bytes())[..8]);
    format!("{app}.{api_hash}{RATE_SUFFIX}")
}

/// The number a rate file holds (`None`: none, or not a number).
fn rate_number(bytes: &[u8]) -> Option<i64> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| text.trim().parse::<i64>().ok())
}

/// The suffix of mark files, which sweeps look for.
const MARK_SUFFIX: &str = ".mark";

/// The end (ms) and value a mark file holds, if it holds one.
fn mark(bytes: &[u8]) -> Option<(i64, String)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (end, value) = text.split_once(' ')?;
    Some((end.parse().ok()?, value.to_owned()))
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

    fn get(&self, app: &str, deadline: Deadline) -> StoreResult<Option<StoredToken>> {
        let name = token_file(app);
        let dir = self.open_dir()?;
        let Some(mut file) = self.open(&dir, &name, Access::Read)? else {
            return Ok(None);
        };
        self.flock(&file, false, deadline, &name)?;
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

    fn put(&self, app: &str, token: &StoredToken, deadline: Deadline) -> StoreResult<()> {
        let name = token_file(app);
        let dir = self.open_dir()?;
        let mut file = self.open_locked(&dir, &name, true, deadline)?;
        let json = serde_json::to_vec(&TokenFile {
            token: token.token.clone(),
            issued_at_ms: token.issued_at_ms,
            expires_at_ms: token.expires_at_ms,
        })
        .map_err(|e| StoreError(format!("file store: cannot encode the token: {e}")))?;
        self.rewrite(&mut file, &name, &json)
    }

    fn remove_if(&self, app: &str, token: &str, deadline: Deadline) -> StoreResult<bool> {
        let name = token_file(app);
        let dir = self.open_dir()?;
        // Opened for writing only when there is a file to empty.
        if self.open(&dir, &name, Access::Read)?.is_none() {
            return Ok(false);
        }
        let mut file = self.open_locked(&dir, &name, true, deadline)?;
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
        _deadline: Deadline,
    ) -> StoreResult<Option<Box<dyn Held>>> {
        let name = format!("{app}.lock");
        let dir = self.open_dir()?;
        let file = self
            .open(&dir, &name, Access::Write)?
            .ok_or_else(|| self.fail(&name, &ErrorKind::NotFound.into()))?;
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
        deadline: Deadline,
    ) -> StoreResult<Reservation> {
        let name = rate_file(app, api);
        let dir = self.open_dir()?;
        let mut file = self.open_locked(&dir, &name, true, deadline)?;
        let bytes = self.read_all(&mut file, &name)?;
        // The host's clock, which every process here shares.
        let now = now_us();
        let (reservation, next) = rule.apply(rate_number(&bytes), now);
        if let Some(next) = next {
            self.rewrite(&mut file, &name, next.to_string().as_bytes())?;
        }
        drop(file);
        sweep::now_and_then(self, &dir, now, deadline);
        Ok(reservation)
    }
}
