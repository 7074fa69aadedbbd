//! What can go wrong when opening or sealing a push. Every variant names the problem; none holds
//! the token or the aesKey (a variant may hold text found in a push, shown escaped and shortened).

/// A refused argument, or a push that cannot be trusted or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The caller's own argument was refused (a bad aesKey, an empty token). Not about a push.
    #[error("{name} {reason}")]
    InvalidArgument {
        /// The argument's name (`aesKey`, `timestamp`).
        name: &'static str,
        /// What is wrong with it, phrased to follow the name.
        reason: String,
    },
    /// The query lacks a parameter; names it and its alternative spelling.
    #[error("the query has no {0}")]
    MissingParameter(&'static str),
    /// A query parameter is not a string (e.g. `nonce[]=x` makes PHP see an array).
    #[error("the query parameter {name} is {kind}, not a string")]
    ParameterNotText {
        /// The parameter's name as found in the query.
        name: &'static str,
        /// What it is instead (the caller's type name).
        kind: String,
    },
    /// The body is not JSON at all.
    #[error("the body is not JSON ({0}); DingTalk sends {{\"encrypt\": \"...\"}}")]
    BodyNotJson(String),
    /// The body is JSON, but not an object with a string `encrypt`.
    #[error("the body is not {{\"encrypt\": \"...\"}}: {0}")]
    BodyWithoutEncrypt(&'static str),
    /// The signature does not match the token, timestamp, nonce and ciphertext.
    #[error(
        "the signature does not match: the token differs from the one configured at DingTalk, \
         or the request was altered"
    )]
    SignatureMismatch,
    /// `encrypt` is not base64.
    #[error("encrypt is not valid base64 ({0})")]
    InvalidBase64(String),
    /// The ciphertext cannot be AES-CBC output.
    #[error("the ciphertext is {0} bytes, not a non-zero multiple of 16 (the AES block size)")]
    CiphertextLength(usize),
    /// The last byte, the PKCS#7 pad length, is not 1..=32.
    #[error("the padding byte {0} is out of 1..32: the aesKey is probably wrong")]
    PadOutOfRange(u8),
    /// The pad bytes are not all equal to the pad length.
    #[error("the last {0} bytes are not all {0} (PKCS#7 padding): the aesKey is probably wrong")]
    PadMismatch(u8),
    /// The decrypted text cannot hold its 16 random bytes and 4-byte length.
    #[error(
        "the decrypted text is {0} bytes, shorter than its header (16 random bytes and a 4-byte \
         length): the aesKey is probably wrong"
    )]
    TooShort(usize),
    /// The length field points past the end of the decrypted text.
    #[error(
        "the length field says {declared} bytes but only {available} follow: the aesKey is \
         probably wrong"
    )]
    LengthPastEnd {
        /// The message length the text declares.
        declared: u32,
        /// The bytes after the header.
        available: usize,
    },
    /// The message names another receiver.
    #[error(
        "the message is for receiveId {found}, not {expected} (an app configured in the developer \
         console receives with its app key, not the corpId; a third-party app with its suiteKey)"
    )]
    ReceiveIdMismatch {
        /// The receiveId found in the message, quoted and escaped, at most 100 characters.
        found: String,
        /// The receiveId configured, quoted.
        expected: String,
    },
    /// The decrypted message is not a JSON object (DingTalk's events always are).
    #[error("the decrypted message is not a JSON object: {0}")]
    NotAnEvent(String),
    /// The system's random source failed.
    #[error("the system's random source failed: {0}")]
    NoRandomness(String),
}

/// `text` quoted and escaped as Rust debug-formats it, cut at `max` characters.
pub(crate) fn quoted(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut shown: String = text.chars().take(max).collect();
    let cut = shown.len() < text.len();
    shown = format!("{shown:?}");
    if cut {
        shown.push('…');
    }
    shown
}
