//! A user's message to the app's robot as DingTalk's Stream mode delivers it (the `data` of a
//! CALLBACK frame on `/v1.0/im/bot/messages/get`), with the field names of DingTalk's
//! "receive message" page and its Stream protocol page's example: `msgId`, `conversationId`,
//! `conversationType` ("1" 1:1, "2" group), `senderStaffId`, `senderNick`, `senderId`,
//! `chatbotUserId`, `robotCode`, `isInAtList`, `atUsers`, `text.content`, `msgtype`,
//! `createAt`, `sessionWebhook`, `sessionWebhookExpiredTime`.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{json, Map, Value};

use crate::push::CORP_ID;

/// What a user said, and where.
#[derive(Debug, Clone)]
pub struct Said {
    /// The robot's app (its key is the robot's code).
    pub app: String,
    pub user: String,
    pub nick: String,
    pub text: String,
    /// The group (`openConversationId`, title), or `None` for the 1:1 chat.
    pub group: Option<(String, String)>,
    /// Users the message mentions besides the robot (groups only).
    pub at: Vec<String>,
}

/// The session webhook handed out with the message.
#[derive(Debug, Clone)]
pub struct Reply {
    pub url: String,
    /// When it stops taking messages, in milliseconds since the epoch.
    pub expires_at: u64,
}

/// A DingTalk id (`$:LWCP_v1:$...`) for `who`: stable for the same input, opaque, never the
/// userid itself (as DingTalk's, which differ from staff ids).
pub fn dingtalk_id(who: &str) -> String {
    let mut hasher = DefaultHasher::new();
    who.hash(&mut hasher);
    format!("$:LWCP_v1:${:016x}", hasher.finish())
}

/// The robot's own DingTalk id.
pub fn chatbot_user_id(app: &str) -> String {
    dingtalk_id(&format!("robot/{app}"))
}

/// The `data` of the bot message: `said` as message `msg_id` of conversation `chat_id` (the
/// group's id for a group), created at `now` (ms), answerable through `reply`. In a group the
/// robot was mentioned (DingTalk delivers only those), so the text starts where the mention
/// was cut out: with a space.
pub fn bot_message(
    said: &Said,
    msg_id: &str,
    chat_id: &str,
    now: u64,
    reply: &Reply,
) -> Map<String, Value> {
    let chatbot = chatbot_user_id(&said.app);
    let (kind, content, at_users) = match &said.group {
        None => ("1", said.text.clone(), Vec::new()),
        Some(_) => {
            let mentioned = said
                .at
                .iter()
                .map(|user| json!({"dingtalkId": dingtalk_id(user), "staffId": user}));
            let robot = json!({ "dingtalkId": chatbot });
            let at_users = std::iter::once(robot).chain(mentioned).collect();
            ("2", format!(" {}", said.text), at_users)
        }
    };
    let mut data = json!({
        "msgId": msg_id,
        "conversationId": chat_id,
        "conversationType": kind,
        "senderStaffId": said.user,
        "senderNick": said.nick,
        "senderId": dingtalk_id(&said.user),
        "senderCorpId": CORP_ID,
        "chatbotUserId": chatbot,
        "chatbotCorpId": CORP_ID,
        "robotCode": said.app,
        "isAdmin": false,
        "isInAtList": said.group.is_some(),
        "atUsers": at_users,
        "text": {"content": content},
        "msgtype": "text",
        "createAt": now,
        "sessionWebhook": reply.url,
        "sessionWebhookExpiredTime": reply.expires_at,
    });
    if let Some((_, title)) = &said.group {
        data["conversationTitle"] = json!(title);
    }
    match data {
        Value::Object(data) => data,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(group: Option<(String, String)>) -> Said {
        Said {
            app: "k".into(),
            user: "ann".into(),
            nick: "Ann".into(),
            text: "hello".into(),
            group,
            at: vec!["bob".into()],
        }
    }

    fn reply() -> Reply {
        Reply {
            url: "http://h/robot/sendBySession?session=s".into(),
            expires_at: 9,
        }
    }

    #[test]
    fn a_1_1_message_is_as_said_and_mentions_nobody() {
        let data = bot_message(&said(None), "m1", "cid1", 5, &reply());
        assert_eq!(data["conversationType"], "1");
        assert_eq!(data["text"], json!({"content": "hello"}));
        assert_eq!(
            (&data["isInAtList"], &data["atUsers"]),
            (&json!(false), &json!([]))
        );
        assert_eq!(data["sessionWebhookExpiredTime"], 9);
        assert!(data.get("conversationTitle").is_none());
        assert_ne!(data["senderId"], "ann");
    }

    #[test]
    fn a_group_message_mentions_the_robot_and_starts_with_a_space() {
        let data = bot_message(
            &said(Some(("cidG".into(), "ops".into()))),
            "m2",
            "cidG",
            5,
            &reply(),
        );
        assert_eq!(data["conversationType"], "2");
        assert_eq!(data["text"]["content"], " hello");
        assert_eq!(data["isInAtList"], true);
        assert_eq!(data["atUsers"][0]["dingtalkId"], data["chatbotUserId"]);
        assert_eq!(data["atUsers"][1]["staffId"], "bob");
        assert_eq!(data["conversationTitle"], "ops");
    }
}
