//! Room under `memory_limit` for an answer about to become PHP values.
//!
//! An answer is decoded in Rust, outside PHP's memory accounting, and then copied into PHP
//! arrays and strings. Its size comes from the server, so the copy is checked against what
//! `memory_limit` leaves before it starts: an answer that does not fit is a
//! `TransportException` the caller can catch, not a fatal error in the middle of the copy (and
//! on a PHP that lets one allocation go past `memory_limit` and stops the process past twice
//! that, not a killed worker). The estimates below round up, for every PHP version since 8.1.

use ext_php_rs::zend::ProcessGlobals;

extern "C" {
    /// Memory the engine has taken from the system (`real_usage`), which `memory_limit` caps.
    fn zend_memory_usage(real_usage: bool) -> usize;
}

/// Kept free besides the estimate: the engine takes memory from the system in 2 MiB chunks.
const CHUNK: usize = 2 << 20;

/// Bytes an array of `count` elements takes at most: the `zend_array` and a table of a power of
/// two slots (at least 8) of `slot` bytes each.
fn table(count: usize, slot: usize) -> usize {
    let slots = count
        .max(8)
        .checked_next_power_of_two()
        .unwrap_or(usize::MAX);
    slots.saturating_mul(slot).saturating_add(56)
}

/// Bytes a list (keys 0, 1, 2, ...) of `count` elements takes at most: a 32-byte bucket per
/// slot (PHP 8.2 and later need only the 16-byte value).
pub fn list(count: usize) -> usize {
    table(count, 32)
}

/// Bytes a map of `count` elements takes at most: a 32-byte bucket and two 4-byte hash entries
/// per slot.
pub fn map(count: usize) -> usize {
    table(count, 40)
}

/// Bytes a string of `len` bytes takes at most: the 24-byte header, the bytes and a NUL,
/// rounded up to the allocator's size classes (never more than a quarter above).
pub fn string(len: usize) -> usize {
    len.saturating_add(len / 4).saturating_add(32)
}

/// An answer that does not fit under `memory_limit` (thrown as a `TransportException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    /// Bytes of PHP memory the answer needs, about.
    pub needed: usize,
    /// Bytes `memory_limit` leaves.
    pub left: usize,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the answer is too large for memory_limit: it needs about {} MiB of PHP memory, {} MiB \
             are left",
            self.needed.div_ceil(1 << 20),
            self.left >> 20
        )
    }
}

/// Fails unless `bytes` more fit under `memory_limit`.
pub fn reserve(bytes: usize) -> Result<(), TooLarge> {
    let limit = ProcessGlobals::get().memory_limit;
    let Ok(limit) = usize::try_from(limit) else {
        return Ok(()); // -1: no limit
    };
    // SAFETY: reads the engine's counters; no precondition.
    let used = unsafe { zend_memory_usage(true) };
    if used.saturating_add(bytes).saturating_add(CHUNK) <= limit {
        return Ok(());
    }
    Err(TooLarge {
        needed: bytes,
        left: limit.saturating_sub(used),
    })
}
