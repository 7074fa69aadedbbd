//! The file store's directory, and the only way its files are opened: nothing but a regular
//! file of this process's user, readable by it alone, is ever read or written there.
//!
//! - The directory is created `0700` when missing. One that exists must belong to this
//!   process's (effective) user and be writable by nobody else (no group or world write bit):
//!   another user who can write there could read the next token written or plant one of their
//!   own, which this process would then send. Such a directory is refused, like a store that
//!   is down.
//! - Files are opened relative to the directory as opened and checked (`openat`), so the
//!   directory cannot be swapped for another between the check and the use; without following
//!   a symbolic link (`O_NOFOLLOW`) and without blocking (`O_NONBLOCK`: a FIFO or a device
//!   would otherwise block the open itself). What was opened is then checked (`fstat`): a
//!   regular file, of this user, with no permission for anyone else (created `0600`).

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Write permission for the group or the world.
const WRITABLE_BY_OTHERS: u32 = 0o022;
/// Any permission for the group or the world.
const ANY_FOR_OTHERS: u32 = 0o077;

/// How a file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// Reading an existing file.
    Read,
    /// Reading and writing, created `0600` if missing.
    Write,
}

/// The store's directory, open and checked.
pub(super) struct Dir(File);

/// The effective user of this process.
fn this_user() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// A refusal: a file or directory that is not safe to use.
fn refused(what: String) -> io::Error {
    io::Error::new(ErrorKind::PermissionDenied, what)
}

impl Dir {
    /// Opens `path` (made `0700` if missing) and checks it is this user's alone to write.
    pub(super) fn open(path: &Path) -> io::Result<Dir> {
        let open = || {
            OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
                .open(path)
        };
        let dir = match open() {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(path)?;
                open()?
            }
            other => other?,
        };
        let meta = dir.metadata()?;
        let user = this_user();
        if meta.uid() != user {
            return Err(refused(format!(
                "the directory belongs to uid {}, not to this process's user (uid {user})",
                meta.uid()
            )));
        }
        let mode = meta.permissions().mode() & 0o7777;
        if mode & WRITABLE_BY_OTHERS != 0 {
            return Err(refused(format!(
                "the directory is writable by other users (mode {mode:04o})"
            )));
        }
        Ok(Dir(dir))
    }

    /// Opens the file `name` of the directory; `None` when reading one that does not exist.
    pub(super) fn file(&self, name: &str, access: Access) -> io::Result<Option<File>> {
        let c_name = CString::new(name).map_err(|_| io::Error::from(ErrorKind::InvalidInput))?;
        let mut flags = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;
        flags |= match access {
            Access::Read => libc::O_RDONLY,
            Access::Write => libc::O_RDWR | libc::O_CREAT,
        };
        // SAFETY: a valid directory descriptor (owned by `self`) and a NUL-terminated name;
        // the mode is the variadic argument O_CREAT needs.
        let fd = unsafe {
            libc::openat(
                self.0.as_raw_fd(),
                c_name.as_ptr(),
                flags,
                0o600 as libc::c_uint,
            )
        };
        if fd < 0 {
            let error = io::Error::last_os_error();
            if access == Access::Read && error.kind() == ErrorKind::NotFound {
                return Ok(None);
            }
            return Err(error);
        }
        // SAFETY: `fd` was just opened and is owned by nobody else.
        let file = unsafe { File::from_raw_fd(fd) };
        let meta = file.metadata()?;
        if !meta.file_type().is_file() {
            return Err(refused(format!("{name} is not a regular file")));
        }
        if meta.uid() != this_user() {
            return Err(refused(format!(
                "{name} belongs to uid {}, not to this process's user",
                meta.uid()
            )));
        }
        if meta.permissions().mode() & ANY_FOR_OTHERS != 0 {
            return Err(refused(format!(
                "{name} is open to other users (mode {:04o})",
                meta.permissions().mode() & 0o7777
            )));
        }
        Ok(Some(file))
    }

    /// Removes `name` if it is still `file` (the caller holds its `flock`, which every writer
    /// takes first: nobody else can remove or replace it meanwhile).
    pub(super) fn remove(&self, name: &str, file: &File) -> io::Result<()> {
        let Some(current) = self.file(name, Access::Read)? else {
            return Ok(());
        };
        let (a, b) = (current.metadata()?, file.metadata()?);
        if (a.dev(), a.ino()) != (b.dev(), b.ino()) {
            return Ok(());
        }
        let c_name = CString::new(name).map_err(|_| io::Error::from(ErrorKind::InvalidInput))?;
        // SAFETY: a valid directory descriptor and a NUL-terminated name.
        if unsafe { libc::unlinkat(self.0.as_raw_fd(), c_name.as_ptr(), 0) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The names in the directory at `path` (this one, unless it was swapped since: each name
    /// is then opened through this one, checked, like any other).
    pub(super) fn names(path: &Path) -> io::Result<Vec<String>> {
        Ok(std::fs::read_dir(path)?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect())
    }
}

/// Whether `file` was removed from its directory since it was opened (a sweep removed it
/// between the open and the `flock`): then it must be opened again.
pub(super) fn removed(file: &File) -> io::Result<bool> {
    Ok(file.metadata()?.nlink() == 0)
}
