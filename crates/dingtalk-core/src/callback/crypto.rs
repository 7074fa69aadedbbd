//! DingTalk's message envelope: AES-256-CBC over
//! `16 random bytes | 4-byte big-endian length | message | receiveId | PKCS#7 padding to 32`,
//! with the key from the 43-character aesKey and the IV its first 16 bytes, base64-encoded.
//!
//! The padding is to **32**-byte blocks, not AES's 16: PHP's default openssl padding cannot undo
//! it, and a 16-byte unpadder leaves pad bytes behind.

use aes::Aes256;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

use super::error::{quoted, CallbackError};

/// Length of an aesKey as DingTalk's console hands it out.
pub(crate) const AES_KEY_CHARS: usize = 43;
/// DingTalk's PKCS#7 block: the pad length is 1..=32.
const PAD_BLOCK: usize = 32;
/// The random prefix.
pub(crate) const RANDOM_LEN: usize = 16;
/// Random prefix and length field.
const HEADER_LEN: usize = RANDOM_LEN + 4;
/// AES's block size: a ciphertext is a whole number of these.
const AES_BLOCK: usize = 16;

/// Real aesKeys end in a character whose low bits are not zero (43 characters carry 258 bits
/// for 256): a strict decoder refuses them, so trailing bits are allowed. Padding is accepted
/// whether present or not, as DingTalk's own libraries do.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// What is sent: standard base64 with padding.
const STRICT: GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The AES key. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub(crate) struct AesKey([u8; 32]);

impl std::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AesKey(..)")
    }
}

impl AesKey {
    /// The key of a 43-character aesKey: `base64_decode(aesKey . "=")`.
    pub(crate) fn from_aes_key(aes_key: &str) -> Result<AesKey, CallbackError> {
        let invalid = |reason: String| CallbackError::InvalidArgument {
            name: "aesKey",
            reason,
        };
        let chars = aes_key.chars().count();
        if chars != AES_KEY_CHARS {
            return Err(invalid(format!(
                "must be {AES_KEY_CHARS} characters (the EncodingAESKey of the app's event \
                 subscription), {chars} given"
            )));
        }
        if let Some(bad) = aes_key
            .chars()
            .position(|c| !(c.is_ascii_alphanumeric() || c == '+' || c == '/'))
        {
            // The position only: the key is a secret, not even one character of it is shown.
            return Err(invalid(format!(
                "must be base64 characters (A-Z, a-z, 0-9, +, /); character {} is not",
                bad + 1
            )));
        }
        let bytes = LENIENT
            .decode(format!("{aes_key}="))
            .map_err(|_| invalid("is not valid base64".to_owned()))?;
        let key = <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| invalid("does not decode to 32 bytes".to_owned()))?;
        Ok(AesKey(key))
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.0[..16]);
        iv
    }

    /// Encrypts `message` for `receive_id` behind `random`; returns the base64 ciphertext.
    pub(crate) fn seal(
        &self,
        random: &[u8; RANDOM_LEN],
        message: &[u8],
        receive_id: &[u8],
    ) -> Result<String, CallbackError> {
        let length = u32::try_from(message.len()).map_err(|_| CallbackError::InvalidArgument {
            name: "plaintext",
            reason: "must be shorter than 4 GiB".to_owned(),
        })?;
        let mut text = Vec::with_capacity(HEADER_LEN + message.len() + receive_id.len() + 32);
        text.extend_from_slice(random);
        text.extend_from_slice(&length.to_be_bytes());
        text.extend_from_slice(message);
        text.extend_from_slice(receive_id);
        pad(&mut text);
        Ok(self.encrypt_blocks(text))
    }

    /// AES-256-CBC of a padded text (a multiple of 32 bytes), base64-encoded.
    pub(crate) fn encrypt_blocks(&self, mut text: Vec<u8>) -> String {
        let len = text.len();
        let encryptor = cbc::Encryptor::<Aes256>::new(&self.0.into(), &self.iv().into());
        match encryptor.encrypt_padded_mut::<NoPadding>(&mut text, len) {
            Ok(sealed) => STRICT.encode(sealed),
            // Unreachable: `pad` made the length a multiple of the block size.
            Err(_) => String::new(),
        }
    }

    /// Decrypts a base64 ciphertext; returns `(message, receiveId)`.
    pub(crate) fn unseal(&self, encrypt: &[u8]) -> Result<(Vec<u8>, Vec<u8>), CallbackError> {
        let mut buffer = LENIENT
            .decode(encrypt)
            .map_err(|e| CallbackError::InvalidBase64(e.to_string()))?;
        let len = buffer.len();
        if len == 0 || len % AES_BLOCK != 0 {
            return Err(CallbackError::CiphertextLength(len));
        }
        let decryptor = cbc::Decryptor::<Aes256>::new(&self.0.into(), &self.iv().into());
        let plain = decryptor
            .decrypt_padded_mut::<NoPadding>(&mut buffer)
            .map_err(|_| CallbackError::CiphertextLength(len))?;
        let text = unpad(plain)?;
        if text.len() < HEADER_LEN {
            return Err(CallbackError::TooShort(text.len()));
        }
        let (header, rest) = text.split_at(HEADER_LEN);
        let declared = u32::from_be_bytes([header[16], header[17], header[18], header[19]]);
        let message_len = usize::try_from(declared)
            .ok()
            .filter(|&n| n <= rest.len())
            .ok_or(CallbackError::LengthPastEnd {
                declared,
                available: rest.len(),
            })?;
        let (message, receive_id) = rest.split_at(message_len);
        Ok((message.to_vec(), receive_id.to_vec()))
    }
}

/// Appends DingTalk's PKCS#7 padding: 1..=32 bytes, each the count, up to a multiple of 32 (a
/// text that fills whole blocks gets a whole block of 32s).
pub(crate) fn pad(text: &mut Vec<u8>) {
    let pad = PAD_BLOCK - text.len() % PAD_BLOCK;
    // `pad` is 1..=32, so it fits a byte.
    text.resize(text.len() + pad, u8::try_from(pad).unwrap_or(32));
}

/// Strips DingTalk's PKCS#7 padding (1..=32 bytes, all equal to their count).
fn unpad(text: &[u8]) -> Result<&[u8], CallbackError> {
    let Some(&last) = text.last() else {
        return Err(CallbackError::CiphertextLength(0));
    };
    let pad = usize::from(last);
    if pad == 0 || pad > PAD_BLOCK || pad > text.len() {
        return Err(CallbackError::PadOutOfRange(last));
    }
    let (body, padding) = text.split_at(text.len() - pad);
    if padding.iter().any(|&b| b != last) {
        return Err(CallbackError::PadMismatch(last));
    }
    Ok(body)
}

/// The receiveId check, with a message that shows what was found.
pub(crate) fn check_receive_id(found: &[u8], expected: &str) -> Result<(), CallbackError> {
    if found == expected.as_bytes() {
        return Ok(());
    }
    Err(CallbackError::ReceiveIdMismatch {
        found: quoted(found, 100),
        expected: quoted(expected.as_bytes(), 100),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The raw AES vector of DingTalk's official crypto library (its Rust file's tests): this
    /// 50-byte text, padded with 14 bytes of 14, encrypts to this base64.
    const LIB_KEY: &str = "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij";
    const LIB_TEXT: &[u8] = b"5p7b4jXMWUshiBCosucc111esssuite4xxxxxxxxxxxxxxx221";
    const LIB_CIPHER: &str =
        "DwCJ9BMxu4r+VTe9TD+AWc1yfxqs7d2YgepFe4XruMgh1+6pTjCCq4nqAM6StRcafOx5a1OfwmX3ckSBifatlA==";

    #[test]
    fn keys_with_nonzero_trailing_bits_are_accepted() {
        // 'j' (35 = 0b100011) and '3' (55 = 0b110111) end in bits a strict decoder refuses.
        for key in [LIB_KEY, "1234567890123456789012345678901234567890123"] {
            assert!(STRICT.decode(format!("{key}=")).is_err(), "{key}");
            assert!(AesKey::from_aes_key(key).is_ok(), "{key}");
        }
    }

    #[test]
    fn bad_keys_are_refused_without_showing_them() {
        for (key, why) in [
            ("", "43 characters"),
            ("abc", "43 characters"),
            (&"a".repeat(44), "43 characters"),
            (&format!("{}=", "a".repeat(42)), "character 43"),
            (&format!("{}-", "a".repeat(42)), "character 43"),
            (&format!("é{}", "a".repeat(42)), "character 1"),
        ] {
            let error = AesKey::from_aes_key(key).expect_err(key).to_string();
            assert!(error.contains(why), "{key}: {error}");
            assert!(error.starts_with("aesKey "), "{error}");
            if key.len() > 3 {
                assert!(!error.contains(&key[..8]), "{error}");
            }
        }
    }

    #[test]
    fn the_library_aes_vector_encrypts_and_decrypts() {
        let key = AesKey::from_aes_key(LIB_KEY).unwrap();
        let mut text = LIB_TEXT.to_vec();
        pad(&mut text);
        assert_eq!(text.len(), 64);
        assert_eq!(text[50..], [14; 14]);
        assert_eq!(key.encrypt_blocks(text), LIB_CIPHER);
        // Read as a push, the text's length field ("succ" = 0x73756363) points past the end.
        assert_eq!(
            key.unseal(LIB_CIPHER.as_bytes()),
            Err(CallbackError::LengthPastEnd {
                declared: 0x7375_6363,
                available: LIB_TEXT.len() - 20,
            })
        );
    }

    #[test]
    fn seal_pads_to_32_byte_blocks() {
        let key = AesKey::from_aes_key(LIB_KEY).unwrap();
        for len in 0..100 {
            let message = vec![b'm'; len];
            let sealed = key.seal(&[7; 16], &message, b"rid").unwrap();
            let raw = STRICT.decode(&sealed).unwrap();
            assert_eq!(raw.len() % 32, 0, "{len}");
            // A whole extra block when the text fills its blocks exactly.
            assert!(raw.len() > 20 + len + 3, "{len}");
            assert!(raw.len() <= 20 + len + 3 + 32, "{len}");
            assert_eq!(
                key.unseal(sealed.as_bytes()).unwrap(),
                (message, b"rid".to_vec())
            );
        }
    }

    #[test]
    fn unpad_checks_range_and_bytes() {
        assert_eq!(unpad(&[1, 2, 3, 1]), Ok(&[1u8, 2, 3][..]));
        assert_eq!(unpad(&[5; 32]), Ok(&[5u8; 27][..]));
        assert_eq!(unpad(&[32; 32]), Ok(&[][..]));
        assert_eq!(unpad(&[9, 0]), Err(CallbackError::PadOutOfRange(0)));
        assert_eq!(unpad(&[33; 64]), Err(CallbackError::PadOutOfRange(33)));
        assert_eq!(unpad(&[3, 3]), Err(CallbackError::PadOutOfRange(3)));
        assert_eq!(unpad(&[1, 2, 3, 3]), Err(CallbackError::PadMismatch(3)));
    }
}
