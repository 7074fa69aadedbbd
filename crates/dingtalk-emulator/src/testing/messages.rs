//! The control calls of the message channels: the inbox, webhook robots, groups, read marks
//! and flow control.

use serde_json::{json, Value};

use super::{list, query, Control};

/// A group webhook robot made by [`Control::create_webhook`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRobot {
    /// Its name in the inbox (`webhook` of each entry).
    pub name: String,
    /// The robot's token, the `access_token` of its URL.
    pub access_token: String,
    /// Its signing secret (`SEC...`), when it has one.
    pub secret: Option<String>,
    /// `<endpoint>/robot/send?access_token=...`, as DingTalk shows a robot's webhook.
    pub url: String,
}

impl Control {
    /// Creates a group webhook robot (`POST /_emulator/webhooks`) from
    /// `{"secret"?: true|"SEC...", "keywords"?: [...], "name"?: "..."}`.
    #[track_caller]
    pub fn create_webhook(&self, spec: &Value) -> WebhookRobot {
        let body = spec.to_string();
        let answer = self.ok("POST", "/_emulator/webhooks", Some(body.as_bytes()));
        let text = |key: &str| answer[key].as_str().unwrap_or_default().to_owned();
        WebhookRobot {
            name: text("name"),
            access_token: text("access_token"),
            secret: answer["secret"].as_str().map(str::to_owned),
            url: text("url"),
        }
    }

    /// Every webhook robot: settings, `url`, `delivered`, `throttled`, `muted`.
    #[track_caller]
    pub fn webhooks(&self) -> Vec<Value> {
        list(self.ok("GET", "/_emulator/webhooks", None), "webhooks")
    }

    /// Creates a group the app robot is in (`POST /_emulator/conversations`); its
    /// `openConversationId`.
    #[track_caller]
    pub fn create_conversation(&self, title: &str, members: &[&str]) -> String {
        let body = json!({ "title": title, "members": members }).to_string();
        let answer = self.ok("POST", "/_emulator/conversations", Some(body.as_bytes()));
        answer["openConversationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Every message delivered, oldest first.
    #[track_caller]
    pub fn messages(&self) -> Vec<Value> {
        self.messages_where(&[])
    }

    /// The messages the filters select: `("user", ...)`, `("conversation", ...)`,
    /// `("webhook", name)`, `("channel", "work_notice"|"webhook"|"robot"|"session_webhook")`.
    #[track_caller]
    pub fn messages_where(&self, filters: &[(&str, &str)]) -> Vec<Value> {
        let filters: Vec<String> = filters
            .iter()
            .map(|(name, value)| query(name, value))
            .collect();
        let target = format!("/_emulator/messages?{}", filters.join("&"));
        list(self.ok("GET", &target, None), "messages")
    }

    /// The recipients of these inbox entries read them now.
    #[track_caller]
    pub fn mark_read(&self, ids: &[u64]) {
        let body = json!({ "ids": ids }).to_string();
        let answer = self.ok("POST", "/_emulator/messages/read", Some(body.as_bytes()));
        assert_eq!(answer["unknown"], json!([]), "unknown inbox ids");
    }

    /// From now on the app robot's 1:1 messages to these users are flow-controlled.
    #[track_caller]
    pub fn flow_control(&self, users: &[&str]) {
        let body = json!({ "users": users }).to_string();
        self.ok(
            "POST",
            "/_emulator/robot/flow-controlled",
            Some(body.as_bytes()),
        );
    }
}
