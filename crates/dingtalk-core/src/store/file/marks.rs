//! The marks of a file store: `K.<hash of the key>.mark` holds `<end in ms> <value>`, read and
//! rewritten under an exclusive `flock`, on the host's clock; removed when released, and by the
//! sweeps once its end passed.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::dir::Access;
use super::{mark, sweep, FileStore, MARK_SUFFIX};
use crate::deadline::Deadline;
use crate::store::{MarkStore, StoreResult};
use crate::time::{millis, now_ms, now_us};

/// The mark file of (`app`, `key`): the key is hashed, since it may hold any character.
fn mark_file(app: &str, key: &str) -> String {
    let hash = crate::hex::lower(&Sha256::digest(key.as_bytes())[..16]);
    format!("{app}.{hash}{MARK_SUFFIX}")
}

/// The value of a mark whose end is still to come at `now` (ms).
fn live(bytes: &[u8], now: i64) -> Option<String> {
    mark(bytes)
        .filter(|(end, _)| *end > now)
        .map(|(_, value)| value)
}

fn contents(value: &str, ttl: Duration) -> String {
    format!("{} {value}", now_ms().saturating_add(millis(ttl)))
}

impl MarkStore for FileStore {
    fn put_if_absent(
        &self,
        app: &str,
        key: &str,
        value: &str,
        ttl: Duration,
        deadline: Deadline,
    ) -> StoreResult<Option<String>> {
        let name = mark_file(app, key);
        let dir = self.open_dir()?;
        let mut file = self.open_locked(&dir, &name, true, deadline)?;
        let bytes = self.read_all(&mut file, &name)?;
        if let Some(held) = live(&bytes, now_ms()) {
            return Ok(Some(held));
        }
        self.rewrite(&mut file, &name, contents(value, ttl).as_bytes())?;
        drop(file);
        sweep::now_and_then(self, &dir, now_us(), deadline);
        Ok(None)
    }

    fn replace_if(
        &self,
        app: &str,
        key: &str,
        expected: &str,
        value: Option<&str>,
        ttl: Duration,
        deadline: Deadline,
    ) -> StoreResult<bool> {
        let name = mark_file(app, key);
        let dir = self.open_dir()?;
        // Opened for writing only when there is a mark.
        if self.open(&dir, &name, Access::Read)?.is_none() {
            return Ok(false);
        }
        let mut file = self.open_locked(&dir, &name, true, deadline)?;
        let bytes = self.read_all(&mut file, &name)?;
        if live(&bytes, now_ms()).is_none_or(|held| held != expected) {
            return Ok(false);
        }
        match value {
            Some(value) => self.rewrite(&mut file, &name, contents(value, ttl).as_bytes())?,
            None => dir
                .remove(&name, &file)
                .map_err(|e| self.fail(&format!("cannot remove {name}"), &e))?,
        }
        Ok(true)
    }
}
