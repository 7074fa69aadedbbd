//! A group's webhook robot (自定义机器人): `POST /robot/send?access_token=...` with the
//! webhook's own JSON (camelCase `actionCard` with `btns`), mentions in `at`, a signature for a
//! robot with a secret. No app is involved: no key, no token to fetch.
//!
//! DingTalk takes 20 messages a minute per robot, answers `130101` past that and mutes the
//! robot for 10 minutes. So the sends are spaced under `per_minute` by the same rate limit as
//! `rate_limit`, shared through the `token_store` under a hash of the robot's token.

use std::sync::Arc;

use serde::de::IgnoredAny;
use serde_json::{Map, Value};

use super::channel::{at_most_bytes, carried_types, Channel};
use super::shape::{Body, CardSpelling, Message};
use crate::config::Options;
use crate::dialect::webhook::Robot;
use crate::dialect::Family;
use crate::error::{Error, Result};
use crate::exec::{ApiRequest, Executor, Repeat};
use crate::observe::{Observe, Observer};

/// DingTalk's limit: messages a minute per robot.
pub const DEFAULT_PER_MINUTE: i64 = 20;
/// The highest `per_minute` (far above DingTalk's; an emulator or a gateway may allow more).
pub const MAX_PER_MINUTE: i64 = 60_000;
/// The longest message, in bytes of its JSON (DingTalk's limit).
pub const MAX_WEBHOOK_BYTES: usize = 20_000;

/// The types a webhook carries.
const CARRIED: [&str; 4] = ["text", "markdown", "link", "action_card"];
const CHANNEL: &str = "a group webhook";
/// How the URL argument is named in errors (never quoted: it holds the token).
const URL: &str = "url";

/// The webhook channel of one robot: the path of its URL.
pub(crate) struct WebhookChannel {
    path: String,
}

impl Channel<()> for WebhookChannel {
    fn check(&self, message: &Message) -> Result<()> {
        check_webhook_shaped(message, CHANNEL)
    }

    fn request(&self, _to: &(), message: &Message) -> Result<ApiRequest> {
        // A create: never resent once it may have reached DingTalk.
        ApiRequest::post(
            Family::Webhook,
            self.path.clone(),
            &wire(message),
            Repeat::Unsafe,
        )
    }
}

/// Refuses what a webhook-shaped `channel` (a group webhook, a session webhook) cannot carry.
pub(crate) fn check_webhook_shaped(message: &Message, channel: &str) -> Result<()> {
    carried_types(message, &CARRIED, channel)?;
    let body = serde_json::to_vec(&wire(message)).unwrap_or_default();
    at_most_bytes(&body, MAX_WEBHOOK_BYTES, channel)
}

/// A group webhook's names of an action card's fields.
const WEBHOOK_CARD: CardSpelling = CardSpelling {
    text: "text",
    single_title: "singleTitle",
    single_url: "singleURL",
    orientation: "btnOrientation",
    buttons: "btns",
    button_url: "actionURL",
};

/// The webhook's JSON of a message (a session webhook's too).
pub(crate) fn wire(message: &Message) -> Value {
    let (msgtype, content) = match &message.body {
        Body::ActionCard(card) => ("actionCard", card.spelled(&WEBHOOK_CARD)),
        // Text, markdown and link are the one shape's own.
        other => {
            let shape = other.to_json();
            (other.msgtype(), shape[other.msgtype()].clone())
        }
    };
    let mut wire = Map::new();
    wire.insert("msgtype".into(), msgtype.into());
    wire.insert(msgtype.into(), content);
    if let Some(at) = &message.at {
        wire.insert("at".into(), at.to_json());
    }
    Value::Object(wire)
}

/// A webhook URL taken apart: the URL without its query (the executor's base), its path, and
/// the robot's token.
fn split_url(url: &str) -> Result<(String, String, String)> {
    let shape = "must be the robot's webhook URL as DingTalk shows it \
                 (https://oapi.dingtalk.com/robot/send?access_token=...)";
    let parsed = reqwest::Url::parse(url).map_err(|_| Error::invalid(URL, shape))?;
    let credentials = !parsed.username().is_empty() || parsed.password().is_some();
    if !matches!(parsed.scheme(), "http" | "https")
        || !parsed.has_host()
        || credentials
        || parsed.fragment().is_some()
    {
        return Err(Error::invalid(URL, shape));
    }
    let mut token = None;
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "access_token" if token.is_none() && !value.is_empty() => {
                token = Some(value.into_owned());
            }
            "access_token" => {
                return Err(Error::invalid(URL, format!("{shape}: one access_token")))
            }
            _ => {
                return Err(Error::invalid(
                    URL,
                    format!("{shape}: it may hold no query parameter but access_token"),
                ))
            }
        }
    }
    let token =
        token.ok_or_else(|| Error::invalid(URL, format!("{shape}: it has no access_token")))?;
    let origin = parsed.origin().ascii_serialization();
    Ok((origin, parsed.path().to_owned(), token))
}

/// A group's webhook robot.
pub struct Webhook {
    exec: Executor,
    channel: WebhookChannel,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook").finish_non_exhaustive()
    }
}

impl Webhook {
    /// The robot of webhook `url`, signing with `secret` when it has one ("加签"), sending
    /// within the transport `options` (timeout, proxy, CAs, `token_store`, ...) at most
    /// `per_minute` messages a minute. Checks the arguments; sends nothing.
    pub fn new(url: &str, secret: Option<&str>, options: Options, per_minute: i64) -> Result<Self> {
        Webhook::observed(url, secret, options, per_minute, None)
    }

    /// [`Webhook::new`], telling `observer` what its sends do on the way (see
    /// [`crate::observe`]); `None`: nobody, at no cost.
    pub fn observed(
        url: &str,
        secret: Option<&str>,
        options: Options,
        per_minute: i64,
        observer: Option<Arc<dyn Observer>>,
    ) -> Result<Self> {
        let (origin, path, access_token) = split_url(url)?;
        if let Some(secret) = secret {
            let printable = secret.bytes().all(|b| b.is_ascii_graphic());
            if secret.is_empty() || !printable {
                return Err(Error::invalid(
                    "secret",
                    "must be the robot's signing secret as DingTalk shows it (SEC...)",
                ));
            }
        }
        let per_minute = u32::try_from(per_minute)
            .ok()
            .filter(|n| (1..=MAX_PER_MINUTE).contains(&i64::from(*n)))
            .ok_or_else(|| {
                Error::invalid(
                    "options[per_minute]",
                    format!(
                        "must be a number of messages a minute from 1 to {MAX_PER_MINUTE} \
                         (DingTalk allows {DEFAULT_PER_MINUTE}), {per_minute} given"
                    ),
                )
            })?;
        let options = options
            .base_url(&origin)
            .map_err(|_| Error::invalid(URL, "must be an http or https URL"))?;
        let robot = Robot {
            access_token,
            secret: secret.map(str::to_owned),
        };
        Ok(Webhook {
            exec: Executor::for_robot(robot, options, per_minute, Observe::new(observer)),
            channel: WebhookChannel { path },
        })
    }

    /// Sends `message` to the robot's group, in its slot of the robot's rate limit. Never
    /// resent after a failure that may have reached DingTalk.
    pub fn send(&self, message: &Message) -> Result<()> {
        let request = self.channel.prepare(&(), message)?;
        let _: IgnoredAny = self.exec.execute(&request, &self.exec.budget())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api::message::channel::MESSAGE;

    fn message(value: Value) -> Message {
        Message::from_json(MESSAGE, &value).unwrap()
    }

    #[test]
    fn the_url_is_taken_apart_and_never_quoted() {
        let (origin, path, token) =
            split_url("https://oapi.dingtalk.com/robot/send?access_token=tok%2B1").unwrap();
        assert_eq!(
            (origin.as_str(), path.as_str(), token.as_str()),
            ("https://oapi.dingtalk.com", "/robot/send", "tok+1")
        );
        for bad in [
            "ftp://x/robot/send?access_token=secret-tok",
            "https://oapi.dingtalk.com/robot/send",
            "https://oapi.dingtalk.com/robot/send?access_token=",
            "https://oapi.dingtalk.com/robot/send?access_token=secret-tok&sign=x",
            "https://u:p@oapi.dingtalk.com/robot/send?access_token=secret-tok",
            "not a url secret-tok",
        ] {
            let error = split_url(bad).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidArgument { name, .. } if name == "url"),
                "{bad}: {error:?}"
            );
            assert!(!error.to_string().contains("secret-tok"), "{error}");
        }
    }

    #[test]
    fn action_cards_take_the_webhooks_camel_case() {
        let card = message(json!({"msgtype": "action_card", "action_card": {
            "title": "t", "markdown": "m", "btn_orientation": 1,
            "btn_json_list": [{"title": "a", "action_url": "https://a"}]},
            "at": {"atUserIds": ["u1"]}}));
        assert_eq!(
            wire(&card),
            json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "m",
                   "btnOrientation": "1", "btns": [{"title": "a", "actionURL": "https://a"}]},
                   "at": {"atUserIds": ["u1"], "atMobiles": [], "isAtAll": false}})
        );
        let link = message(
            json!({"msgtype": "link", "link": {"title": "t", "text": "x",
            "messageUrl": "https://m"}}),
        );
        assert_eq!(
            wire(&link),
            json!({"msgtype": "link", "link": {"title": "t", "text": "x",
                   "messageUrl": "https://m", "picUrl": ""}})
        );
    }

    #[test]
    fn what_a_webhook_cannot_carry_is_refused() {
        let channel = WebhookChannel {
            path: "/robot/send".into(),
        };
        let image = message(json!({"msgtype": "image", "image": {"media_id": "m"}}));
        assert!(matches!(channel.check(&image),
            Err(Error::InvalidArgument { name, .. }) if name == "message[msgtype]"));
        let long = message(json!({"msgtype": "text", "text": {"content": "x".repeat(20_000)}}));
        assert!(matches!(channel.check(&long),
            Err(Error::InvalidArgument { name, .. }) if name == "message"));
    }

    #[test]
    fn per_minute_is_checked() {
        let url = "http://127.0.0.1:9/robot/send?access_token=t";
        for bad in [0, -1, MAX_PER_MINUTE + 1] {
            let error = Webhook::new(url, None, Options::default(), bad).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidArgument { name, .. } if name == "options[per_minute]"),
                "{error:?}"
            );
        }
        let error = Webhook::new(url, Some(""), Options::default(), 20).unwrap_err();
        assert!(matches!(&error, Error::InvalidArgument { name, .. } if name == "secret"));
        assert!(Webhook::new(url, Some("SECx"), Options::default(), 20).is_ok());
    }
}
