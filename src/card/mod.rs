//! `DingTalk\Card`: an interactive card a `Bot` created and delivered, streamed into and
//! updated. Made only by `Bot::card()`.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use serde_json::Value;

use crate::log::Log;
use crate::php::args::{ArrayArg, PhpStr};
use crate::php::json::{answer_array, object_to_json};

/// A card this app's robot delivered. Its streaming runs on a thread of its own (see the
/// core's `coalesce.rs`), whose log records reach the logger at the card's next call.
#[php_class]
#[php(name = "DingTalk\\Card")]
#[php(flags = ClassFlags::Final)]
pub struct Card {
    core: dingtalk_core::Card,
    log: Log,
}

impl Card {
    pub(crate) fn of(core: dingtalk_core::Card, log: Log) -> Self {
        Card { core, log }
    }
}

/// `$data` (a card's variables) as JSON.
pub(crate) fn card_data(data: &ArrayArg) -> PhpResult<Value> {
    Ok(object_to_json(&data.copy("data")?, "data")?)
}

#[php_impl]
impl Card {
    /// Private: a card is made by `Bot::card()` (`new` is PHP's own "call to private" error).
    #[php(vis = "private")]
    pub fn __construct() -> PhpResult<Self> {
        Err("a DingTalk\\Card is made by DingTalk\\Bot::card()".into())
    }

    /// The card's `outTrackId`, made by this client.
    pub fn out_track_id(&self) -> String {
        self.core.out_track_id().to_owned()
    }

    /// DingTalk's `deliverResults`: per space, whether the card got there.
    pub fn deliveries(&self) -> PhpResult<ZBox<ZendHashTable>> {
        Ok(answer_array(&Value::Array(
            self.core.deliveries().to_vec(),
        ))?)
    }

    /// Streams `$content` (the whole text of field `$key` so far) into the card, coalesced;
    /// the final update returns once sent.
    #[php(defaults(r#final = false))]
    pub fn stream(&self, key: PhpStr, content: PhpStr, r#final: bool) -> PhpResult<()> {
        let key = key.arg("key")?;
        let content = content.arg("content")?;
        self.log.result(self.core.stream(key, content, r#final))
    }

    /// Sets fields of the card; the others keep their values.
    pub fn update(&self, data: ArrayArg) -> PhpResult<()> {
        let data = card_data(&data)?;
        self.log.result(self.core.update(&data))
    }
}
