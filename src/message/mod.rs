//! `DingTalk\Message`: the builders of the one message shape, which every channel takes.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use crate::php::args::PhpStr;
use crate::php::json::answer_array;

/// The builders of a message array: nothing to instantiate.
#[php_class]
#[php(name = "DingTalk\\Message")]
#[php(flags = ClassFlags::Final)]
pub struct Message;

/// The array of a core message.
fn array(message: &dingtalk_core::Message) -> PhpResult<ZBox<ZendHashTable>> {
    Ok(answer_array(&message.to_json())?)
}

#[php_impl]
impl Message {
    /// Private: the class only holds the builders (`new` is PHP's own "call to private" error).
    #[php(vis = "private")]
    pub fn __construct() -> Self {
        Message
    }

    /// `['msgtype' => 'text', 'text' => ['content' => $content]]`.
    pub fn text(content: PhpStr) -> PhpResult<ZBox<ZendHashTable>> {
        array(&dingtalk_core::Message::text(content.arg("content")?))
    }

    /// `['msgtype' => 'markdown', 'markdown' => ['title' => ..., 'text' => ...]]`.
    pub fn markdown(title: PhpStr, text: PhpStr) -> PhpResult<ZBox<ZendHashTable>> {
        array(&dingtalk_core::Message::markdown(
            title.arg("title")?,
            text.arg("text")?,
        ))
    }

    /// `['msgtype' => 'link', 'link' => ['title', 'text', 'messageUrl', 'picUrl']]`.
    #[php(defaults(picUrl = "\"\""))]
    pub fn link(
        title: PhpStr,
        text: PhpStr,
        messageUrl: PhpStr,
        picUrl: PhpStr,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        array(&dingtalk_core::Message::link(
            title.arg("title")?,
            text.arg("text")?,
            messageUrl.arg("messageUrl")?,
            picUrl.arg("picUrl")?,
        ))
    }

    /// An action card with one button: `['msgtype' => 'action_card', 'action_card' =>
    /// ['title', 'markdown', 'single_title', 'single_url']]`.
    pub fn action_card(
        title: PhpStr,
        markdown: PhpStr,
        buttonTitle: PhpStr,
        buttonUrl: PhpStr,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        array(&dingtalk_core::Message::action_card(
            title.arg("title")?,
            markdown.arg("markdown")?,
            buttonTitle.arg("buttonTitle")?,
            buttonUrl.arg("buttonUrl")?,
        ))
    }
}
