//! Tokens, record ids and request ids.
//!
//! Each id mixes a per-process counter with keys drawn from the OS (through std's
//! `RandomState`), so ids look random, cannot be guessed across runs, and cost no
//! system call per request.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Ids {
    /// Keyed hashes: unpredictable without the keys.
    hashers: [RandomState; 2],
    /// Offset for the bijective mix, so the counter's start is not visible either.
    offset: u64,
    next: AtomicU64,
}

/// SplitMix64's finaliser: a bijection on u64, so distinct inputs give distinct outputs.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Ids {
    pub fn new() -> Self {
        let hashers = [RandomState::new(), RandomState::new()];
        let offset = hashers[0].hash_one(u64::MAX);
        Ids {
            hashers,
            offset,
            next: AtomicU64::new(0),
        }
    }

    fn draw(&self) -> u64 {
        // Never reset (not even by /_emulator/reset), so ids stay unique for the process.
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// A number below `n` (0 when `n` is 0), unpredictable: a random choice among `n`.
    pub fn below(&self, n: usize) -> usize {
        let Ok(n) = u64::try_from(n) else { return 0 };
        if n == 0 {
            return 0;
        }
        let drawn = self.hashers[0].hash_one(!self.draw());
        usize::try_from(drawn % n).unwrap_or(0)
    }

    /// 32 hex characters, unpredictable.
    pub fn token(&self) -> String {
        let n = self.draw();
        let a = self.hashers[0].hash_one(n);
        let b = self.hashers[1].hash_one(n);
        format!("{a:016x}{b:016x}")
    }

    /// 32 hex characters; the first half is a bijection of the counter, so ids never repeat.
    pub fn record_id(&self) -> String {
        let n = self.draw();
        let unique = mix(n.wrapping_add(self.offset));
        let noise = self.hashers[1].hash_one(n);
        format!("{unique:016x}{noise:016x}")
    }

    /// An opaque page cursor for a position: 24 hex characters, the position hidden
    /// by a keyed xor and followed by a keyed check, so a made-up or damaged cursor
    /// is refused rather than read as some other position.
    pub fn cursor(&self, position: u64) -> String {
        let hidden = position ^ self.offset;
        format!("{hidden:016x}{:08x}", self.cursor_check(position))
    }

    /// The position behind a cursor made by [`Ids::cursor`], or `None`.
    pub fn cursor_position(&self, cursor: &str) -> Option<u64> {
        if cursor.len() != 24 || !cursor.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let position = u64::from_str_radix(cursor.get(..16)?, 16).ok()? ^ self.offset;
        let check = u32::from_str_radix(cursor.get(16..)?, 16).ok()?;
        (check == self.cursor_check(position)).then_some(position)
    }

    fn cursor_check(&self, position: u64) -> u32 {
        // The low half of a keyed hash: enough that guessing one is hopeless in a test.
        (self.hashers[0].hash_one(position) & u64::from(u32::MAX)) as u32
    }

    /// 16 hex characters, distinct for the process's first 2^64 answers.
    pub fn request_id(&self) -> String {
        let n = self.draw();
        format!("{:016x}", mix(n.wrapping_add(self.offset)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_distinct_and_hex() {
        let ids = Ids::new();
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let r = ids.record_id();
            assert_eq!(r.len(), 32);
            assert!(r.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(seen.insert(r));
        }
        assert_eq!(ids.token().len(), 32);
        for position in [0, 1, 42, u64::MAX] {
            let cursor = ids.cursor(position);
            assert_eq!(cursor.len(), 24);
            assert_eq!(ids.cursor_position(&cursor), Some(position));
        }
        let cursor = ids.cursor(7);
        let damaged = format!("{}0", &cursor[..23]);
        if damaged != cursor {
            assert_eq!(ids.cursor_position(&damaged), None);
        }
        for bad in [
            "",
            "0",
            "15",
            "zzzzzzzzzzzzzzzzzzzzzzzz",
            "+00000000000000000000000",
        ] {
            assert_eq!(ids.cursor_position(bad), None, "{bad}");
        }
        // Another emulator's cursors mean nothing here.
        assert_eq!(ids.cursor_position(&Ids::new().cursor(7)), None);
        assert_eq!(ids.request_id().len(), 16);
    }
}
