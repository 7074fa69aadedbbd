//! Random values that must not be guessed or repeat: ids this client makes (a card's
//! `outTrackId`, a streaming update's `guid`) and owner values of shared claims.

/// `bytes` random bytes as lowercase hex, from the system's generator. `None` when it fails
/// (each caller decides whether a weaker value will do).
pub(crate) fn system_hex(bytes: usize) -> Option<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::getrandom(&mut buffer).ok()?;
    Some(crate::hex::lower(&buffer))
}

/// `bytes` random bytes as lowercase hex: the system's generator, or, should it fail, a
/// fast one seeded from the process's state. For ids that only need to be unique.
pub(crate) fn id_hex(bytes: usize) -> String {
    system_hex(bytes).unwrap_or_else(|| {
        let buffer: Vec<u8> = (0..bytes).map(|_| fastrand::u8(..)).collect();
        crate::hex::lower(&buffer)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_of_their_length_and_differ() {
        let (a, b) = (id_hex(16), id_hex(16));
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
        assert_eq!(system_hex(4).map(|h| h.len()), Some(8));
    }
}
