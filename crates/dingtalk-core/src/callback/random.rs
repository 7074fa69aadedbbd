//! Random letters and digits from the operating system, for the 16-byte prefix of a sealed
//! message and the nonce of a reply. DingTalk's own libraries use letters and digits for both,
//! so a receiver that reads the text as a string (some do) is never confused.

use super::error::CallbackError;

const ALPHANUMERIC: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Bytes at or above this would make `% 62` favour some characters: they are drawn again.
const UNBIASED_BELOW: u8 = 248; // 4 * 62

/// `N` random letters and digits.
pub(crate) fn alphanumeric<const N: usize>() -> Result<[u8; N], CallbackError> {
    let mut out = [0u8; N];
    let mut filled = 0;
    let mut pool = [0u8; 64];
    while filled < N {
        getrandom::getrandom(&mut pool).map_err(|e| CallbackError::NoRandomness(e.to_string()))?;
        for byte in pool.iter().filter(|&&b| b < UNBIASED_BELOW) {
            if filled == N {
                break;
            }
            out[filled] = ALPHANUMERIC[usize::from(byte % 62)];
            filled += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_digits_that_differ() {
        let a = alphanumeric::<16>().unwrap();
        let b = alphanumeric::<16>().unwrap();
        assert!(a.iter().chain(&b).all(u8::is_ascii_alphanumeric));
        assert_ne!(a, b);
    }
}
