//! Removing the rate files whose moment passed (see `RateRule`: such a number means nothing,
//! like a missing one) and the marks whose end passed, so that a directory shared by calls of
//! ever new APIs, and by the messages of Stream workers, stays small. Each process sweeps at
//! most once every [`EVERY`], after a reservation or a new mark, looking at [`AT_MOST`] files
//! within that operation's deadline; a file in use (locked), or not reached, is left for the
//! next sweep.

use std::io::{self, Read};
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::dir::{self, Access, Dir};
use super::{mark, rate_number, try_flock, FileStore, MARK_SUFFIX, MAX_FILE_BYTES, RATE_SUFFIX};
use crate::deadline::Deadline;
use crate::time::{millis, now_ms};

/// How often one process sweeps.
const EVERY: Duration = Duration::from_secs(60);

/// The most files one sweep looks at (a directory left by many APIs is cleared over several
/// sweeps, none of which delays its call for long).
const AT_MOST: usize = 1000;

/// Sweeps `dir` if this process has not for a while. `now_us` is the host's clock.
pub(super) fn now_and_then(store: &FileStore, dir: &Dir, now_us: i64, deadline: Deadline) {
    let now = now_ms();
    let due = store.next_sweep_ms.load(Ordering::Relaxed);
    let next = now.saturating_add(millis(EVERY));
    // One thread of the process sweeps; the others go on.
    if now < due
        || store
            .next_sweep_ms
            .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    let Ok(names) = Dir::names(&store.dir) else {
        return;
    };
    let swept = names
        .iter()
        .filter(|name| name.ends_with(RATE_SUFFIX) || name.ends_with(MARK_SUFFIX));
    for name in swept.take(AT_MOST) {
        if deadline.passed() {
            return;
        }
        // A file that cannot be looked at now is looked at by the next sweep.
        let _ = remove_if_past(dir, name, now_us);
    }
}

/// Whether the rate file or mark `name` holding `bytes` means nothing any more at `now_us`.
fn past(name: &str, bytes: &[u8], now_us: i64) -> bool {
    if name.ends_with(MARK_SUFFIX) {
        return mark(bytes).is_none_or(|(end_ms, _)| end_ms.saturating_mul(1000) <= now_us);
    }
    rate_number(bytes).is_none_or(|moment| moment <= now_us)
}

/// Removes the rate file or mark `name` if it means nothing any more and nobody is using it.
fn remove_if_past(dir: &Dir, name: &str, now_us: i64) -> io::Result<()> {
    let Some(file) = dir.file(name, Access::Read)? else {
        return Ok(());
    };
    if !try_flock(&file, true)? || dir::removed(&file)? {
        return Ok(());
    }
    let mut bytes = Vec::new();
    (&file).take(MAX_FILE_BYTES).read_to_end(&mut bytes)?;
    if past(name, &bytes, now_us) {
        dir.remove(name, &file)?;
    }
    Ok(())
}
