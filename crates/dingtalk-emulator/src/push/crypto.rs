//! DingTalk's push crypto, written for the emulator on its own (it shares no code with the
//! client's, so that each checks the other): AES-256-CBC chained by hand over the raw block
//! cipher, PKCS#7 padding to 32 bytes, the frame `random(16) | length (u32, big-endian) |
//! message | receiveId`, and a SHA-1 signature over token, timestamp, nonce and ciphertext
//! sorted byte-wise.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::Aes256;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::{Digest, Sha1};

const BLOCK: usize = 16;
const PAD_TO: usize = 32;

/// One subscription's secrets: token, AES key, receiveId.
#[derive(Clone)]
pub struct PushCrypto {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

/// A sealed message: the query's signature and the body's ciphertext.
pub struct Sealed {
    pub signature: String,
    pub encrypt: String,
}

/// The value of one base64 character, `None` for anything else.
fn sextet(c: u8) -> Option<u32> {
    let value = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

/// The 32-byte key of a 43-character aesKey: its 258 bits, the last two dropped whatever they
/// are (DingTalk's keys often end in non-zero ones).
pub fn aes_key_bytes(aes_key: &str) -> Result<[u8; 32], String> {
    if aes_key.len() != 43 {
        return Err(format!(
            "the push aesKey must be 43 base64 characters, not {}",
            aes_key.chars().count()
        ));
    }
    let mut key = [0u8; 32];
    let (mut acc, mut bits, mut out) = (0u32, 0u32, 0usize);
    for &c in aes_key.as_bytes() {
        let value =
            sextet(c).ok_or("the push aesKey must be base64 characters (A-Z a-z 0-9 + /)")?;
        acc = (acc << 6) | value;
        bits += 6;
        if bits >= 8 && out < key.len() {
            bits -= 8;
            key[out] = u8::try_from((acc >> bits) & 0xff).unwrap_or(0);
            out += 1;
        }
        acc &= (1 << bits) - 1;
    }
    Ok(key)
}

/// Hex SHA-1 of the four parts sorted byte-wise.
pub fn signature(parts: [&[u8]; 4]) -> String {
    let mut sorted = parts;
    sorted.sort();
    let digest = Sha1::digest(sorted.concat());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl PushCrypto {
    pub fn new(token: &str, aes_key: &str, receive_id: &str) -> Result<PushCrypto, String> {
        Ok(PushCrypto {
            token: token.to_owned(),
            key: aes_key_bytes(aes_key)?,
            receive_id: receive_id.to_owned(),
        })
    }

    pub fn receive_id(&self) -> &str {
        &self.receive_id
    }

    fn iv(&self) -> [u8; BLOCK] {
        let mut iv = [0u8; BLOCK];
        iv.copy_from_slice(&self.key[..BLOCK]);
        iv
    }

    /// Seals `message` behind `random`, signed with `timestamp` and `nonce`.
    pub fn seal(&self, message: &[u8], random: &[u8; 16], timestamp: &str, nonce: &str) -> Sealed {
        let mut text = random.to_vec();
        text.extend_from_slice(
            &u32::try_from(message.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        text.extend_from_slice(message);
        text.extend_from_slice(self.receive_id.as_bytes());
        let pad = PAD_TO - text.len() % PAD_TO;
        text.extend(std::iter::repeat_n(u8::try_from(pad).unwrap_or(0), pad));

        let cipher = Aes256::new(GenericArray::from_slice(&self.key));
        let mut previous = self.iv();
        for chunk in text.chunks_exact_mut(BLOCK) {
            for (byte, prev) in chunk.iter_mut().zip(previous) {
                *byte ^= prev;
            }
            cipher.encrypt_block(GenericArray::from_mut_slice(chunk));
            previous.copy_from_slice(chunk);
        }
        let encrypt = STANDARD.encode(&text);
        let signature = signature([
            self.token.as_bytes(),
            timestamp.as_bytes(),
            nonce.as_bytes(),
            encrypt.as_bytes(),
        ]);
        Sealed { signature, encrypt }
    }

    /// Checks and decrypts an answer; the message inside, or why it cannot be trusted.
    pub fn open(
        &self,
        signature_given: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<Vec<u8>, String> {
        let expected = signature([
            self.token.as_bytes(),
            timestamp.as_bytes(),
            nonce.as_bytes(),
            encrypt.as_bytes(),
        ]);
        if expected != signature_given {
            return Err("msg_signature does not match the push token".to_owned());
        }
        let mut text = STANDARD
            .decode(encrypt)
            .map_err(|e| format!("encrypt is not base64: {e}"))?;
        if text.is_empty() || text.len() % PAD_TO != 0 {
            return Err(format!(
                "encrypt is {} bytes, not a multiple of 32",
                text.len()
            ));
        }
        let cipher = Aes256::new(GenericArray::from_slice(&self.key));
        let mut previous = self.iv();
        for chunk in text.chunks_exact_mut(BLOCK) {
            let mut this = [0u8; BLOCK];
            this.copy_from_slice(chunk);
            cipher.decrypt_block(GenericArray::from_mut_slice(chunk));
            for (byte, prev) in chunk.iter_mut().zip(previous) {
                *byte ^= prev;
            }
            previous = this;
        }
        let pad = usize::from(text[text.len() - 1]);
        if !(1..=PAD_TO).contains(&pad)
            || text[text.len() - pad..]
                .iter()
                .any(|&b| usize::from(b) != pad)
        {
            return Err("bad padding (wrong aesKey?)".to_owned());
        }
        text.truncate(text.len() - pad);
        if text.len() < 20 {
            return Err("decrypted text too short (wrong aesKey?)".to_owned());
        }
        let length = u32::from_be_bytes([text[16], text[17], text[18], text[19]]);
        let end = usize::try_from(length)
            .ok()
            .and_then(|n| n.checked_add(20))
            .filter(|&end| end <= text.len())
            .ok_or("length field past the end (wrong aesKey?)")?;
        if &text[end..] != self.receive_id.as_bytes() {
            return Err(format!(
                "the answer is for receiveId {:?}, not {:?}",
                String::from_utf8_lossy(&text[end..]),
                self.receive_id
            ));
        }
        Ok(text[20..end].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // DingTalk's docs ("配置事件推送方式", HTTP push FAQ): a reply that decrypts to "success".
    const TOKEN: &str = "123456";
    const AES_KEY: &str = "1234567890123456789012345678901234567890123";
    const RECEIVE_ID: &str = "dingsnotzck6pm5veliw";
    const SIGNATURE: &str = "9a95a004dd16f5c307e849b994173f76aa26e5eb";
    const TIMESTAMP: &str = "1614767836";
    const NONCE: &str = "A7Co0cJLMzIDtMMI";
    const ENCRYPT: &str =
        "YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA==";

    fn crypto() -> PushCrypto {
        PushCrypto::new(TOKEN, AES_KEY, RECEIVE_ID).unwrap()
    }

    #[test]
    fn the_docs_vector_opens_and_seals_byte_for_byte() {
        assert_eq!(
            crypto().open(SIGNATURE, TIMESTAMP, NONCE, ENCRYPT).unwrap(),
            b"success"
        );
        // Its random prefix, found by decrypting it, reproduces it exactly.
        let sealed = crypto().seal(b"success", b"dICkEDLj0eb6yAbc", TIMESTAMP, NONCE);
        assert_eq!(
            (sealed.signature.as_str(), sealed.encrypt.as_str()),
            (SIGNATURE, ENCRYPT)
        );
    }

    #[test]
    fn the_library_check_url_vector_seals_byte_for_byte() {
        // DingTalk's crypto library, DingCallbackCrypto3.py demo; the key ends in non-zero bits.
        let crypto = PushCrypto::new(
            "mryue",
            "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7",
            "ding6ccabc44d2c8d38b",
        )
        .unwrap();
        let sealed = crypto.seal(
            br#"{"EventType":"check_url"}"#,
            b"l7Y3EcX2CU5w8av3",
            "1608001896814",
            "WL4PK6yA",
        );
        assert_eq!(sealed.signature, "03044561471240d4a14bb09372dfcfd4fd0e40cb");
        assert_eq!(sealed.encrypt, "0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3");
    }

    #[test]
    fn answers_that_cannot_be_trusted_are_refused() {
        let c = crypto();
        assert!(c
            .open(SIGNATURE, "1614767837", NONCE, ENCRYPT)
            .unwrap_err()
            .contains("signature"));
        let other = PushCrypto::new(TOKEN, AES_KEY, "dingcorpid").unwrap();
        let error = other
            .open(SIGNATURE, TIMESTAMP, NONCE, ENCRYPT)
            .unwrap_err();
        assert!(error.contains("dingsnotzck6pm5veliw"), "{error}");
        let wrong_key = PushCrypto::new(TOKEN, &"A".repeat(43), RECEIVE_ID).unwrap();
        assert!(wrong_key
            .open(SIGNATURE, TIMESTAMP, NONCE, ENCRYPT)
            .is_err());
        let garbage = "AAAA";
        let sig = signature([TOKEN.as_bytes(), b"1", b"n", garbage.as_bytes()]);
        assert!(c
            .open(&sig, "1", "n", garbage)
            .unwrap_err()
            .contains("multiple of 32"));
    }

    #[test]
    fn keys_are_checked() {
        assert!(aes_key_bytes("short").is_err());
        assert!(aes_key_bytes(&format!("{}=", "a".repeat(42))).is_err());
        assert_eq!(aes_key_bytes(&"A".repeat(43)).unwrap(), [0; 32]);
    }
}
