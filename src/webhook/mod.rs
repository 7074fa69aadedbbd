//! `DingTalk\Webhook`: a group's webhook robot (自定义机器人). No app, no token: the robot's
//! URL, its signing secret, and the transport options of a `Client`.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use dingtalk_core::DEFAULT_PER_MINUTE;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;

use crate::client::config::transport_options;
use crate::exceptions::OrThrow;
use crate::message_arg;
use crate::php::args::{ArrayArg, PhpStr};

/// The keys of `$options` besides the transport options.
const OWN_OPTIONS: [&str; 1] = ["per_minute"];

/// A group's webhook robot. Its URL and secret are never shown.
#[php_class]
#[php(name = "DingTalk\\Webhook")]
#[php(flags = ClassFlags::Final)]
pub struct Webhook {
    core: dingtalk_core::Webhook,
}

#[php_impl]
impl Webhook {
    /// `new Webhook(string $url, ?string $secret = null, array $options = [])`.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn __construct(url: PhpStr, secret: Option<PhpStr>, options: ArrayArg) -> PhpResult<Self> {
        let url = url.arg("url")?;
        let secret = PhpStr::optional(secret.as_ref(), "secret")?;
        let mut per_minute = DEFAULT_PER_MINUTE;
        let options = transport_options(&options.copy("options")?, &OWN_OPTIONS, |_, value| {
            per_minute = value.int("options[per_minute]")?;
            Ok(())
        })?;
        let core = dingtalk_core::Webhook::new(url, secret, options, per_minute).or_throw()?;
        Ok(Webhook { core })
    }

    /// Sends `$message` to the robot's group, in its slot of the robot's rate limit.
    pub fn send(&self, message: ArrayArg) -> PhpResult<()> {
        let message = message_arg::message(&message)?;
        self.core.send(&message).or_throw()
    }
}
