//! DingTalk's HTTP push ("event subscription" over HTTP): verify and decrypt what DingTalk POSTs
//! to an app's URL, and seal the `success` it expects back.
//!
//! - `signature`: the SHA-1 signature over four strings sorted byte-wise, compared in constant
//!   time.
//! - `crypto`: the AES-256-CBC envelope with DingTalk's 32-byte PKCS#7 padding.
//! - `random`: letters and digits for the random prefix and the nonce.
//! - [`Callback`] (`push`): one app's token, aesKey and receiveId; opens pushes, seals answers.
//! - [`CallbackError`]: every way a push can be refused, each naming the problem.

mod crypto;
mod error;
mod push;
mod random;
mod signature;

pub use error::CallbackError;
pub use push::{Callback, Param, PushQuery, Sealed};
