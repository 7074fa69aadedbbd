//! [`Callback`]: opens DingTalk's HTTP pushes and seals the answers.
//!
//! Opening checks, in this order, and stops at the first failure: the query has a signature,
//! timestamp and nonce; the body is `{"encrypt": "..."}`; the signature matches (before anything
//! is decrypted); the ciphertext decodes, unpads and frames; the receiveId is the configured
//! one; the message is a JSON object.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::crypto::{check_receive_id, AesKey, RANDOM_LEN};
use super::error::CallbackError;
use super::random::alphanumeric;
use super::signature::{sign, verify};

/// One value of a push's query string, as the caller's language holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param<'a> {
    /// A string (its bytes: the signature covers bytes, whatever their encoding).
    Text(&'a [u8]),
    /// Something else, by its type name (PHP makes an array of `nonce[]=x`).
    NotText(&'a str),
}

/// The query parameters of a push. DingTalk has spelled them two ways over the years
/// (`signature` / `msg_signature`, `timestamp` / `timeStamp`): either is taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushQuery<'a> {
    signature: Option<(&'static str, Param<'a>)>,
    timestamp: Option<(&'static str, Param<'a>)>,
    nonce: Option<(&'static str, Param<'a>)>,
}

const SIGNATURE_NAMES: [&str; 2] = ["msg_signature", "signature"];
const TIMESTAMP_NAMES: [&str; 2] = ["timestamp", "timeStamp"];
const NONCE_NAMES: [&str; 1] = ["nonce"];

impl<'a> PushQuery<'a> {
    /// The query, reading each parameter through `get` (by name; `None` when absent).
    pub fn from_lookup(get: impl Fn(&str) -> Option<Param<'a>>) -> Self {
        let find = |names: &[&'static str]| {
            names
                .iter()
                .find_map(|&name| get(name).map(|value| (name, value)))
        };
        PushQuery {
            signature: find(&SIGNATURE_NAMES),
            timestamp: find(&TIMESTAMP_NAMES),
            nonce: find(&NONCE_NAMES),
        }
    }

    /// The query from `(name, value)` pairs, all strings; the first of a repeated name wins.
    pub fn from_pairs(pairs: &[(&str, &'a str)]) -> Self {
        Self::from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| Param::Text(value.as_bytes()))
        })
    }
}

fn text<'a>(
    param: Option<(&'static str, Param<'a>)>,
    missing: &'static str,
) -> Result<&'a [u8], CallbackError> {
    match param {
        None => Err(CallbackError::MissingParameter(missing)),
        Some((_, Param::Text(bytes))) => Ok(bytes),
        Some((name, Param::NotText(kind))) => Err(CallbackError::ParameterNotText {
            name,
            kind: kind.to_owned(),
        }),
    }
}

/// The `encrypt` of a push's body.
fn encrypt_of(body: &[u8]) -> Result<String, CallbackError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| CallbackError::BodyNotJson(e.to_string()))?;
    let Value::Object(mut object) = value else {
        return Err(CallbackError::BodyWithoutEncrypt("it is not a JSON object"));
    };
    match object.remove("encrypt") {
        Some(Value::String(encrypt)) => Ok(encrypt),
        None => Err(CallbackError::BodyWithoutEncrypt("it has no encrypt field")),
        Some(_) => Err(CallbackError::BodyWithoutEncrypt(
            "its encrypt field is not a string",
        )),
    }
}

/// A sealed answer (or any sealed message): DingTalk's four fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Signature of token, timestamp, nonce and `encrypt`.
    pub msg_signature: String,
    /// The timestamp signed (milliseconds since the epoch for a reply).
    pub time_stamp: String,
    /// The nonce signed.
    pub nonce: String,
    /// The base64 ciphertext.
    pub encrypt: String,
}

/// The crypto of one app's event subscription: its token, aesKey and receiveId. `Debug` shows
/// the receiveId only.
#[derive(Clone)]
pub struct Callback {
    token: String,
    key: AesKey,
    receive_id: String,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("receive_id", &self.receive_id)
            .finish_non_exhaustive()
    }
}

fn required(name: &'static str, value: &str) -> Result<(), CallbackError> {
    if value.is_empty() {
        return Err(CallbackError::InvalidArgument {
            name,
            reason: "must not be empty".to_owned(),
        });
    }
    Ok(())
}

impl Callback {
    /// Checks the three settings of the app's event subscription: the token and the 43-character
    /// aesKey from the console, and the receiveId (the app key for an app configured in the
    /// developer console, the corpId for callbacks registered through the old API, the suiteKey
    /// for a third-party app).
    pub fn new(token: &str, aes_key: &str, receive_id: &str) -> Result<Callback, CallbackError> {
        required("token", token)?;
        let key = AesKey::from_aes_key(aes_key)?;
        required("receiveId", receive_id)?;
        Ok(Callback {
            token: token.to_owned(),
            key,
            receive_id: receive_id.to_owned(),
        })
    }

    /// The receiveId messages must carry.
    pub fn receive_id(&self) -> &str {
        &self.receive_id
    }

    /// Verifies and decrypts a push; returns the message's bytes.
    pub fn decrypt(&self, query: &PushQuery<'_>, body: &[u8]) -> Result<Vec<u8>, CallbackError> {
        let signature = text(query.signature, "msg_signature (or signature)")?;
        let timestamp = text(query.timestamp, "timestamp (or timeStamp)")?;
        let nonce = text(query.nonce, "nonce")?;
        let encrypt = encrypt_of(body)?;
        let token = self.token.as_bytes();
        if !verify(signature, token, timestamp, nonce, encrypt.as_bytes()) {
            return Err(CallbackError::SignatureMismatch);
        }
        let (message, receive_id) = self.key.unseal(encrypt.as_bytes())?;
        check_receive_id(&receive_id, &self.receive_id)?;
        Ok(message)
    }

    /// Verifies and decrypts a push; returns its event, a JSON object.
    pub fn open(
        &self,
        query: &PushQuery<'_>,
        body: &[u8],
    ) -> Result<Map<String, Value>, CallbackError> {
        let message = self.decrypt(query, body)?;
        match serde_json::from_slice::<Value>(&message) {
            Ok(Value::Object(event)) => Ok(event),
            Ok(other) => Err(CallbackError::NotAnEvent(format!(
                "it is {}",
                json_kind(&other)
            ))),
            Err(e) => Err(CallbackError::NotAnEvent(e.to_string())),
        }
    }

    /// The answer to a push: `plaintext` (DingTalk expects `success`) sealed with the current
    /// time in milliseconds and a random 16-character nonce.
    pub fn reply(&self, plaintext: &str) -> Result<Sealed, CallbackError> {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let nonce = alphanumeric::<16>()?;
        self.seal(
            plaintext,
            &millis.to_string(),
            &String::from_utf8_lossy(&nonce),
            &alphanumeric::<RANDOM_LEN>()?,
        )
    }

    /// `plaintext` sealed with the caller's timestamp and nonce (and a random prefix).
    pub fn encrypt(
        &self,
        plaintext: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<Sealed, CallbackError> {
        required("timestamp", timestamp)?;
        required("nonce", nonce)?;
        self.seal(plaintext, timestamp, nonce, &alphanumeric::<RANDOM_LEN>()?)
    }

    /// The one place a message is sealed; `random` is a parameter so tests can fix it.
    fn seal(
        &self,
        plaintext: &str,
        timestamp: &str,
        nonce: &str,
        random: &[u8; RANDOM_LEN],
    ) -> Result<Sealed, CallbackError> {
        let encrypt = self
            .key
            .seal(random, plaintext.as_bytes(), self.receive_id.as_bytes())?;
        let msg_signature = sign(
            self.token.as_bytes(),
            timestamp.as_bytes(),
            nonce.as_bytes(),
            encrypt.as_bytes(),
        );
        Ok(Sealed {
            msg_signature,
            time_stamp: timestamp.to_owned(),
            nonce: nonce.to_owned(),
            encrypt,
        })
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[path = "push_tests.rs"]
mod tests;
