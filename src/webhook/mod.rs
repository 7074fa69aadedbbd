//! `DingTalk\Webhook`: a group's webhook robot (自定义机器人). No app, no token: the robot's
//! URL, its signing secret, and the transport options of a `Client`.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use dingtalk_core::DEFAULT_PER_MINUTE;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;

use crate::client::config::transport_options;
use crate::log::{self, Log};
use crate::message_arg;
use crate::php::args::{ArrayArg, PhpStr};

/// The keys of `$options` besides the transport options.
const OWN_OPTIONS: [&str; 2] = ["per_minute", log::OPTION];

/// A group's webhook robot. Its URL and secret are never shown.
#[php_class]
#[php(name = "DingTalk\\Webhook")]
#[php(flags = ClassFlags::Final)]
pub struct Webhook {
    core: dingtalk_core::Webhook,
    /// `options[logger]`.
    log: Log,
}

#[php_impl]
impl Webhook {
    /// `new Webhook(string $url, ?string $secret = null, array $options = [])`.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn __construct(url: PhpStr, secret: Option<PhpStr>, options: ArrayArg) -> PhpResult<Self> {
        let url = url.arg("url")?;
        let secret = PhpStr::optional(secret.as_ref(), "secret")?;
        let mut per_minute = DEFAULT_PER_MINUTE;
        let transport =
            transport_options(&options.copy("options")?, &OWN_OPTIONS, |key, value| {
                // The logger is an object: read from the argument itself, below.
                if key == "per_minute" {
                    per_minute = value.int("options[per_minute]")?;
                }
                Ok(())
            })?;
        let log = Log::of(options.entry(log::OPTION), "options[logger]")?;
        let observer = log.observer();
        let core = dingtalk_core::Webhook::observed(url, secret, transport, per_minute, observer);
        Ok(Webhook {
            core: log.result(core)?,
            log,
        })
    }

    /// Sends `$message` to the robot's group, in its slot of the robot's rate limit.
    pub fn send(&self, message: ArrayArg) -> PhpResult<()> {
        let message = message_arg::message(&message)?;
        self.log.result(self.core.send(&message))
    }
}
