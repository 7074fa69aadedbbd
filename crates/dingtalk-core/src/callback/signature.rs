//! DingTalk's push signature: lowercase hex SHA-1 of token, timestamp, nonce and ciphertext,
//! sorted **byte-wise** and concatenated. Byte-wise matters: PHP's `sort()` orders numeric
//! strings by value (`"99"` before `"123456"`), which gives another digest.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// The signature of the four strings.
pub(crate) fn sign(token: &[u8], timestamp: &[u8], nonce: &[u8], encrypt: &[u8]) -> String {
    let mut parts = [token, timestamp, nonce, encrypt];
    parts.sort_unstable();
    let mut sha = Sha1::new();
    for part in parts {
        sha.update(part);
    }
    let digest = sha.finalize();
    let mut hex = String::with_capacity(40);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether `given` is the signature of the four strings, compared in constant time so that a
/// forger learns nothing from how long a refusal took.
pub(crate) fn verify(
    given: &[u8],
    token: &[u8],
    timestamp: &[u8],
    nonce: &[u8],
    encrypt: &[u8],
) -> bool {
    let expected = sign(token, timestamp, nonce, encrypt);
    // A length mismatch ends early; the length of a SHA-1 hex digest is no secret.
    bool::from(expected.as_bytes().ct_eq(given))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_vector() {
        // DingTalk's docs ("配置事件推送方式", HTTP push FAQ).
        let encrypt = b"YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA==";
        assert_eq!(
            sign(b"123456", b"1614767836", b"A7Co0cJLMzIDtMMI", encrypt),
            "9a95a004dd16f5c307e849b994173f76aa26e5eb"
        );
    }

    #[test]
    fn sorts_byte_wise_not_numerically() {
        // Byte-wise: "123456" < "1614767836" < "99". By value, "99" would come first.
        let bytewise = {
            let mut sha = Sha1::new();
            sha.update(b"1234561614767836" as &[u8]);
            sha.update(b"99");
            sha.update(b"abc");
            sha.finalize()
        };
        let hex: String = bytewise.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sign(b"123456", b"1614767836", b"99", b"abc"), hex);
        // The order of the arguments does not matter, only their bytes.
        assert_eq!(sign(b"abc", b"99", b"1614767836", b"123456"), hex);
    }

    #[test]
    fn verify_accepts_only_the_exact_lowercase_digest() {
        let good = sign(b"t", b"1", b"n", b"e");
        assert!(verify(good.as_bytes(), b"t", b"1", b"n", b"e"));
        assert!(!verify(
            good.to_uppercase().as_bytes(),
            b"t",
            b"1",
            b"n",
            b"e"
        ));
        assert!(!verify(&good.as_bytes()[..39], b"t", b"1", b"n", b"e"));
        assert!(!verify(b"", b"t", b"1", b"n", b"e"));
        assert!(!verify(good.as_bytes(), b"t", b"2", b"n", b"e"));
    }
}
