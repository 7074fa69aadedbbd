//! `DingTalk\Callback`: DingTalk's HTTP push, opened and answered. The crypto is the core's; this
//! file converts the query array, the body and the results.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use std::borrow::Cow;

use dingtalk_core::callback::{Param, PushQuery, Sealed};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use crate::exceptions::OrThrow;
use crate::php::args::{ArrayArg, PhpStr};
use crate::php::json::{answer_array, new_array};
use crate::php::value::{Key, PhpValue};

/// One app's event subscription: its token, aesKey and receiveId.
#[php_class]
#[php(name = "DingTalk\\Callback")]
#[php(flags = ClassFlags::Final)]
pub struct Callback {
    core: dingtalk_core::Callback,
}

/// A query value as the signature sees it: a string's bytes, an int in decimal (what PHP would
/// make of it), or the type name of anything else.
type QueryValue<'a> = Result<Cow<'a, [u8]>, &'a str>;

fn query_value(value: &PhpValue) -> QueryValue<'_> {
    match value {
        PhpValue::Str(bytes) => Ok(Cow::Borrowed(bytes)),
        PhpValue::Int(i) => Ok(Cow::Owned(i.to_string().into_bytes())),
        other => Err(other.type_name()),
    }
}

fn sealed_array(sealed: Sealed) -> PhpResult<ZBox<ZendHashTable>> {
    let mut array = new_array(4);
    array.insert("msg_signature", sealed.msg_signature)?;
    array.insert("timeStamp", sealed.time_stamp)?;
    array.insert("nonce", sealed.nonce)?;
    array.insert("encrypt", sealed.encrypt)?;
    Ok(array)
}

#[php_impl]
impl Callback {
    /// `new Callback(string $token, string $aesKey, string $receiveId)`.
    pub fn __construct(token: PhpStr, aesKey: PhpStr, receiveId: PhpStr) -> PhpResult<Self> {
        let token = token.arg("token")?;
        let aesKey = aesKey.arg("aesKey")?;
        let receiveId = receiveId.arg("receiveId")?;
        dingtalk_core::Callback::new(token, aesKey, receiveId)
            .map(|core| Callback { core })
            .or_throw()
    }

    /// Verifies and decrypts a push; returns its event as an array.
    pub fn open(&self, query: ArrayArg, body: PhpStr) -> PhpResult<ZBox<ZendHashTable>> {
        let query = query.copy("query")?;
        let values: Vec<(&str, QueryValue<'_>)> = query
            .0
            .iter()
            .filter_map(|(key, value)| match key {
                Key::Str(name) => Some((name.as_str(), query_value(value))),
                Key::Int(_) | Key::NonUtf8(_) => None,
            })
            .collect();
        let query = PushQuery::from_lookup(|name| {
            let (_, value) = values.iter().find(|(key, _)| *key == name)?;
            Some(match value {
                Ok(bytes) => Param::Text(bytes),
                Err(kind) => Param::NotText(kind),
            })
        });
        let event = self.core.open(&query, body.bytes()).or_throw()?;
        Ok(answer_array(&serde_json::Value::Object(event))?)
    }

    /// The answer to a push, to send back as JSON.
    #[php(defaults(plaintext = "\"success\""))]
    pub fn reply(&self, plaintext: PhpStr) -> PhpResult<ZBox<ZendHashTable>> {
        let plaintext = plaintext.arg("plaintext")?;
        let sealed = self.core.reply(plaintext).or_throw()?;
        sealed_array(sealed)
    }

    /// `$plaintext` sealed with the caller's timestamp and nonce.
    pub fn encrypt(
        &self,
        plaintext: PhpStr,
        timestamp: PhpStr,
        nonce: PhpStr,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let plaintext = plaintext.arg("plaintext")?;
        let timestamp = timestamp.arg("timestamp")?;
        let nonce = nonce.arg("nonce")?;
        let sealed = self.core.encrypt(plaintext, timestamp, nonce).or_throw()?;
        sealed_array(sealed)
    }
}
