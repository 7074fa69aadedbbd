//! A bot message's session webhook (`sessionWebhook`, `.../robot/sendBySession?session=...`):
//! it takes a message in a group webhook's shape into the conversation the bot message came
//! from, with no token, until it expires. Its answers are a webhook's (`errcode`, `errmsg`).
//!
//! The URL is a credential of its own for as long as it lives: its query is never shown in an
//! error or a log record. And it is only ever sent to the host of the client's oapi calls
//! (`base_url`), where DingTalk serves it: a URL elsewhere in an event is not used.

use reqwest::Url;

use super::channel::Channel;
use super::shape::Message;
use super::webhook::{check_webhook_shaped, wire};
use crate::dialect::Family;
use crate::error::Result;
use crate::exec::{ApiRequest, Repeat};

const CHANNEL: &str = "a session webhook";

/// The session webhook of one bot message, as a path under `base_url` and its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionChannel {
    path: String,
    query: Vec<(String, String)>,
}

impl SessionChannel {
    /// The channel of session webhook `url` when it lies under `base_url` (same scheme, host
    /// and port, below its path); `None` otherwise.
    pub(crate) fn under(base_url: &str, url: &str) -> Option<SessionChannel> {
        let (base, url) = (Url::parse(base_url).ok()?, Url::parse(url).ok()?);
        let same_origin = base.scheme() == url.scheme()
            && base.host_str() == url.host_str()
            && base.port_or_known_default() == url.port_or_known_default();
        let plain = url.username().is_empty() && url.password().is_none();
        if !same_origin || !plain || url.fragment().is_some() {
            return None;
        }
        let path = url
            .path()
            .strip_prefix(base.path().trim_end_matches('/'))
            .filter(|rest| rest.starts_with('/') && rest.len() > 1)?;
        let query = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Some(SessionChannel {
            path: path.to_owned(),
            query,
        })
    }
}

impl Channel<()> for SessionChannel {
    fn check(&self, message: &Message) -> Result<()> {
        check_webhook_shaped(message, CHANNEL)
    }

    fn request(&self, _to: &(), message: &Message) -> Result<ApiRequest> {
        let hidden = self.query.iter().map(|(_, v)| v.clone()).collect();
        // A create: never resent once it may have reached DingTalk.
        Ok(ApiRequest::post(
            Family::Webhook,
            self.path.clone(),
            &wire(message),
            Repeat::Unsafe,
        )?
        .query(self.query.clone())
        .without_token()
        .hiding(hidden))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_url_under_the_base_url_is_used() {
        let channel = SessionChannel::under(
            "https://oapi.dingtalk.com",
            "https://oapi.dingtalk.com/robot/sendBySession?session=abc%2B1",
        )
        .unwrap();
        assert_eq!(channel.path, "/robot/sendBySession");
        assert_eq!(channel.query, [("session".to_owned(), "abc+1".to_owned())]);
        let under_path = SessionChannel::under(
            "http://127.0.0.1:8080/dingtalk",
            "http://127.0.0.1:8080/dingtalk/robot/sendBySession?session=s",
        );
        assert_eq!(
            under_path.map(|c| c.path).as_deref(),
            Some("/robot/sendBySession")
        );
        for elsewhere in [
            "https://evil.example/robot/sendBySession?session=s",
            "http://oapi.dingtalk.com/robot/sendBySession?session=s",
            "https://oapi.dingtalk.com:8443/robot/sendBySession?session=s",
            "https://u:p@oapi.dingtalk.com/robot/sendBySession?session=s",
            "https://oapi.dingtalk.com/",
            "not a url",
        ] {
            assert_eq!(
                SessionChannel::under("https://oapi.dingtalk.com", elsewhere),
                None,
                "{elsewhere}"
            );
        }
        assert_eq!(
            SessionChannel::under(
                "http://127.0.0.1:8080/dingtalk",
                "http://127.0.0.1:8080/other/robot/sendBySession?session=s"
            ),
            None
        );
    }

    #[test]
    fn its_query_is_hidden_and_it_needs_no_token() {
        let channel = SessionChannel::under(
            "https://oapi.dingtalk.com",
            "https://oapi.dingtalk.com/robot/sendBySession?session=tok",
        )
        .unwrap();
        let request = channel.prepare(&(), &Message::text("hi")).unwrap();
        assert!(!request.with_token);
        assert_eq!(request.hidden, ["tok"]);
        assert_eq!(request.repeat, Repeat::Unsafe);
        assert_eq!(request.path, "/robot/sendBySession");
    }
}
