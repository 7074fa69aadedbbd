//! The app's robot (企业内部机器人, v1.0): messages to people one by one, or to a group the robot
//! is in. Its wire format names a template (`msgKey`: `sampleText`, `sampleMarkdown`, ...) and
//! its parameters as a JSON *string* (`msgParam`).

use std::sync::Arc;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::channel::{at_most_bytes, carried_types, ids, no_mentions, Channel, MESSAGE};
use super::shape::{Body, Buttons, Message};
use crate::api::card::{Card, CardOptions, CardTo};
use crate::dialect::{missing, Family};
use crate::error::{Error, Result};
use crate::exec::{ApiRequest, Executor, Repeat};
use crate::validate::require;

const TO_USERS: &str = "/v1.0/robot/oToMessages/batchSend";
const TO_GROUP: &str = "/v1.0/robot/groupMessages/send";
const RECALL_USERS: &str = "/v1.0/robot/otoMessages/batchRecall";
const RECALL_GROUP: &str = "/v1.0/robot/groupMessages/recall";
const READ_STATUS: &str = "/v1.0/robot/oToMessages/readStatus";

/// Most users of one send to users (DingTalk's limit).
pub const MAX_ROBOT_USERS: usize = 20;
/// The longest `msgParam`, in bytes (DingTalk's limit for a group message).
pub const MAX_ROBOT_PARAM_BYTES: usize = 15_000;

/// The types the app robot carries.
const CARRIED: [&str; 5] = ["text", "markdown", "link", "action_card", "image"];
/// Most buttons of an action card one under another (`sampleActionCard2` .. `5`).
const MAX_VERTICAL_BUTTONS: usize = 5;

const CHANNEL: &str = "the app robot";

/// Whom the app robot sends to.
pub(crate) enum RobotTo<'a> {
    /// People, one by one (at most 20).
    Users(&'a [String]),
    /// A group the robot is in, by its `openConversationId`.
    Group(&'a str),
}

/// The app-robot channel of one robot.
pub(crate) struct RobotChannel<'a> {
    pub(super) robot_code: &'a str,
}

impl Channel<RobotTo<'_>> for RobotChannel<'_> {
    fn check(&self, message: &Message) -> Result<()> {
        no_mentions(message, CHANNEL)?;
        carried_types(message, &CARRIED, CHANNEL)?;
        let (_, params) = template(&message.body)?;
        at_most_bytes(
            params.to_string().as_bytes(),
            MAX_ROBOT_PARAM_BYTES,
            CHANNEL,
        )
    }

    fn request(&self, to: &RobotTo<'_>, message: &Message) -> Result<ApiRequest> {
        let (key, params) = template(&message.body)?;
        let mut body = json!({
            "robotCode": self.robot_code,
            "msgKey": key,
            // A JSON string inside the JSON body, as DingTalk wants it.
            "msgParam": params.to_string(),
        });
        let path = match to {
            RobotTo::Users(users) => {
                body["userIds"] = json!(users);
                TO_USERS
            }
            RobotTo::Group(conversation) => {
                body["openConversationId"] = json!(conversation);
                TO_GROUP
            }
        };
        // A create: never resent once it may have reached DingTalk.
        ApiRequest::post(Family::V1, path, &body, Repeat::Unsafe)
    }
}

/// The `msgKey` and `msgParam` of a body the robot carries.
fn template(body: &Body) -> Result<(String, Value)> {
    Ok(match body {
        Body::Text { content } => ("sampleText".into(), json!({ "content": content })),
        Body::Markdown { title, text } => (
            "sampleMarkdown".into(),
            json!({ "title": title, "text": text }),
        ),
        Body::Link {
            title,
            text,
            message_url,
            pic_url,
        } => (
            "sampleLink".into(),
            json!({ "title": title, "text": text, "messageUrl": message_url, "picUrl": pic_url }),
        ),
        // The robot takes a picture's media_id where its template says photoURL.
        Body::Image { media_id } => ("sampleImageMsg".into(), json!({ "photoURL": media_id })),
        Body::ActionCard(card) => {
            let mut params = Map::new();
            params.insert("title".into(), card.title.clone().into());
            params.insert("text".into(), card.markdown.clone().into());
            let key = match &card.buttons {
                Buttons::Single(button) => {
                    params.insert("singleTitle".into(), button.title.clone().into());
                    params.insert("singleURL".into(), button.url.clone().into());
                    "sampleActionCard".to_owned()
                }
                Buttons::List {
                    horizontal: true,
                    buttons,
                } if buttons.len() == 2 => {
                    for (i, button) in buttons.iter().enumerate() {
                        params.insert(format!("buttonTitle{}", i + 1), button.title.clone().into());
                        params.insert(format!("buttonUrl{}", i + 1), button.url.clone().into());
                    }
                    "sampleActionCard6".to_owned()
                }
                Buttons::List {
                    horizontal: false,
                    buttons,
                } if (2..=MAX_VERTICAL_BUTTONS).contains(&buttons.len()) => {
                    for (i, button) in buttons.iter().enumerate() {
                        params.insert(format!("actionTitle{}", i + 1), button.title.clone().into());
                        params.insert(format!("actionURL{}", i + 1), button.url.clone().into());
                    }
                    format!("sampleActionCard{}", buttons.len())
                }
                Buttons::List { .. } => {
                    return Err(Error::invalid(
                        format!("{MESSAGE}[action_card][btn_json_list]"),
                        format!(
                            "cannot be sent by {CHANNEL}: it carries 2 to \
                             {MAX_VERTICAL_BUTTONS} buttons one under another \
                             (btn_orientation \"0\") or 2 side by side (\"1\"); one button is \
                             single_title and single_url"
                        ),
                    ))
                }
            };
            (key, Value::Object(params))
        }
        // Refused by the check before: what the robot cannot carry never gets here.
        other => {
            return Err(Error::invalid(
                format!("{MESSAGE}[msgtype]"),
                format!("is \"{}\", which {CHANNEL} cannot carry", other.msgtype()),
            ))
        }
    })
}

/// What a send to users reached: DingTalk's key of the send, and the users it did not reach.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UsersSent {
    /// The key of the send (recall it, read its status).
    #[serde(rename = "processQueryKey")]
    pub process_query_key: String,
    /// Users DingTalk does not know (or the robot may not message): not sent to.
    #[serde(rename = "invalidStaffIdList", default)]
    pub invalid_user_ids: Vec<String>,
    /// Users who received too many messages lately: not sent to; try them again later.
    #[serde(rename = "flowControlledStaffIdList", default)]
    pub flow_controlled_user_ids: Vec<String>,
}

/// An answer that names the send.
#[derive(Deserialize)]
struct GroupSent {
    #[serde(rename = "processQueryKey")]
    process_query_key: Option<String>,
}

/// The app robot of one app, sending as one robot code.
#[derive(Clone)]
pub struct Bot {
    pub(super) exec: Arc<Executor>,
    pub(super) robot_code: String,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("robot_code", &self.robot_code)
            .finish_non_exhaustive()
    }
}

impl Bot {
    /// The robot `robot_code`; by default the app's own (an internal app's robot code is its
    /// app key).
    pub(crate) fn new(exec: Arc<Executor>, robot_code: Option<&str>) -> Result<Self> {
        let robot_code = match robot_code {
            Some(code) => {
                require("robotCode", code)?;
                code.to_owned()
            }
            None => exec.app_key().to_owned(),
        };
        Ok(Bot { exec, robot_code })
    }

    /// The robot code the messages are sent as.
    pub fn robot_code(&self) -> &str {
        &self.robot_code
    }

    pub(super) fn channel(&self) -> RobotChannel<'_> {
        RobotChannel {
            robot_code: &self.robot_code,
        }
    }

    /// Sends `message` to each of `user_ids` (1 to 20), one by one. What DingTalk reports it
    /// did not reach comes back with the key of the send.
    pub fn send_to_users(&self, user_ids: &[String], message: &Message) -> Result<UsersSent> {
        ids("userIds", user_ids, MAX_ROBOT_USERS, true)?;
        let request = self.channel().prepare(&RobotTo::Users(user_ids), message)?;
        Ok(self.exec.execute(&request, &self.exec.budget())?)
    }

    /// Sends `message` to the group `open_conversation_id`; returns the key of the send.
    pub fn send_to_group(&self, open_conversation_id: &str, message: &Message) -> Result<String> {
        require("openConversationId", open_conversation_id)?;
        let request = self
            .channel()
            .prepare(&RobotTo::Group(open_conversation_id), message)?;
        let answer: GroupSent = self.exec.execute(&request, &self.exec.budget())?;
        answer
            .process_query_key
            .ok_or_else(|| missing(TO_GROUP, "processQueryKey"))
    }

    /// Creates an interactive card of template `template_id` with `data` (its variables) and
    /// delivers it `to` the conversation of a bot message or to an open space, with the
    /// `STREAM` callback type: a user's press on its buttons reaches the app's Stream workers.
    pub fn card(
        &self,
        to: CardTo<'_>,
        template_id: &str,
        data: &Value,
        options: CardOptions,
    ) -> Result<Card> {
        let exec = Arc::clone(&self.exec);
        Card::create(exec, &self.robot_code, to, template_id, data, options)
    }

    /// Takes sends back: those to users, or with `open_conversation_id` those to that group.
    /// DingTalk's answer: `successResult` (the keys recalled) and `failedResult` (key =>
    /// reason).
    pub fn recall(
        &self,
        process_query_keys: &[String],
        open_conversation_id: Option<&str>,
    ) -> Result<Map<String, Value>> {
        ids("processQueryKeys", process_query_keys, usize::MAX, true)?;
        #[derive(Serialize)]
        struct RecallBody<'a> {
            #[serde(rename = "robotCode")]
            robot_code: &'a str,
            #[serde(rename = "processQueryKeys")]
            keys: &'a [String],
            #[serde(rename = "openConversationId", skip_serializing_if = "Option::is_none")]
            conversation: Option<&'a str>,
        }
        if let Some(conversation) = open_conversation_id {
            require("openConversationId", conversation)?;
        }
        let body = RecallBody {
            robot_code: &self.robot_code,
            keys: process_query_keys,
            conversation: open_conversation_id,
        };
        let path = if open_conversation_id.is_some() {
            RECALL_GROUP
        } else {
            RECALL_USERS
        };
        let request = ApiRequest::post(Family::V1, path, &body, Repeat::Safe)?;
        Ok(self.exec.execute(&request, &self.exec.budget())?)
    }

    /// Who read a send to users: `sendStatus` and `messageReadInfoList` (`userId`, `name`,
    /// `readStatus`, `readTimestamp`), as DingTalk answers.
    pub fn read_status(&self, process_query_key: &str) -> Result<Map<String, Value>> {
        require("processQueryKey", process_query_key)?;
        let query = vec![
            ("robotCode".to_owned(), self.robot_code.clone()),
            ("processQueryKey".to_owned(), process_query_key.to_owned()),
        ];
        let request =
            ApiRequest::new(Family::V1, Method::GET, READ_STATUS, Repeat::Safe).query(query);
        Ok(self.exec.execute(&request, &self.exec.budget())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(value: Value) -> Message {
        Message::from_json(MESSAGE, &value).unwrap()
    }

    fn refused_name(message: &Message) -> String {
        let channel = RobotChannel { robot_code: "r" };
        match channel.check(message) {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    fn wire(message: &Message, to: &RobotTo<'_>) -> Value {
        let request = RobotChannel { robot_code: "r" }
            .prepare(to, message)
            .unwrap();
        serde_json::from_slice(request.body.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn templates_carry_the_shape_as_a_json_string() {
        let text = message(json!({"msgtype": "text", "text": {"content": "hi"}}));
        let users = ["u1".to_owned()];
        let body = wire(&text, &RobotTo::Users(&users));
        assert_eq!(body["msgKey"], "sampleText");
        assert_eq!(body["msgParam"], r#"{"content":"hi"}"#);
        assert_eq!(body["userIds"], json!(["u1"]));
        assert_eq!(body["robotCode"], "r");
        let card = message(json!({"msgtype": "action_card", "action_card": {
            "title": "t", "markdown": "m", "btn_orientation": "0",
            "btn_json_list": [{"title": "a", "action_url": "https://a"},
                              {"title": "b", "action_url": "https://b"},
                              {"title": "c", "action_url": "https://c"}]}}));
        let body = wire(&card, &RobotTo::Group("cid1"));
        assert_eq!(body["msgKey"], "sampleActionCard3");
        assert_eq!(body["openConversationId"], "cid1");
        let params: Value = serde_json::from_str(body["msgParam"].as_str().unwrap()).unwrap();
        assert_eq!(params["actionTitle3"], "c");
        assert_eq!(params["actionURL1"], "https://a");
        assert_eq!(params["text"], "m");
    }

    #[test]
    fn what_the_robot_cannot_carry_is_refused() {
        let voice = message(json!({"msgtype": "voice", "voice": {"media_id": "m", "duration": 3}}));
        assert_eq!(refused_name(&voice), "message[msgtype]");
        let at =
            message(json!({"msgtype": "text", "text": {"content": "x"}, "at": {"isAtAll": true}}));
        assert_eq!(refused_name(&at), "message[at]");
        let long = message(json!({"msgtype": "text", "text": {"content": "x".repeat(15_000)}}));
        assert_eq!(refused_name(&long), "message");
        let one = message(json!({"msgtype": "action_card", "action_card": {
            "title": "t", "markdown": "m",
            "btn_json_list": [{"title": "a", "action_url": "https://a"}]}}));
        assert_eq!(refused_name(&one), "message[action_card][btn_json_list]");
    }
}
