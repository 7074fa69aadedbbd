//! The conversation a bot message came from, read from the event a Stream worker gave its
//! handler (`['type' => 'bot_message', ..., 'data' => [...]]`, DingTalk's fields in `data`):
//! who wrote, where (the writer's 1:1 chat with the robot, or a group), and the session webhook
//! that answers into it until it expires. A reply and a card both start here.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The name of the event argument, for errors (`event[data][conversationType]`).
pub(crate) const EVENT: &str = "event";

/// Where a bot message was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// The writer's 1:1 chat with the robot (`conversationType` "1").
    OneToOne,
    /// A group (`conversationType` "2"), by its `openConversationId` (the message's
    /// `conversationId`).
    Group(String),
}

/// A bot message's session webhook: a URL that takes webhook-shaped messages into the
/// conversation, without a token, until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionWebhook {
    pub(crate) url: String,
    /// `sessionWebhookExpiredTime`, milliseconds since the epoch; `None` when the message
    /// gave none.
    pub(crate) expires_at_ms: Option<i64>,
}

/// What a reply needs of a bot message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conversation {
    pub(crate) place: Place,
    /// `senderStaffId`: the writer's userid. DingTalk leaves it out for someone outside the
    /// organisation, whom only the session webhook can answer.
    pub(crate) sender: Option<String>,
    pub(crate) session: Option<SessionWebhook>,
}

/// The name of field `key` of the event's data, for errors.
fn field(key: &str) -> String {
    format!("{EVENT}[data][{key}]")
}

/// A string field of `data`: `None` when absent, null or empty.
fn text<'d>(data: &'d Map<String, Value>, key: &str) -> Result<Option<&'d str>> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(Error::invalid(field(key), "must be a string")),
    }
}

impl Conversation {
    /// The conversation of `event`, a bot message as a Stream worker's handler got it.
    pub(crate) fn of_event(event: &Value) -> Result<Conversation> {
        let data = event_data(event)?;
        let place = match text(data, "conversationType")? {
            Some("1") => Place::OneToOne,
            Some("2") => {
                let id = text(data, "conversationId")?.ok_or_else(|| {
                    Error::invalid(field("conversationId"), "is required for a group message")
                })?;
                Place::Group(id.to_owned())
            }
            _ => {
                return Err(Error::invalid(
                    field("conversationType"),
                    "must be \"1\" (a 1:1 chat) or \"2\" (a group), as DingTalk sends it",
                ))
            }
        };
        let expires_at_ms = match data.get("sessionWebhookExpiredTime") {
            None | Some(Value::Null) => None,
            Some(Value::Number(ms)) => Some(ms.as_i64().ok_or_else(|| {
                Error::invalid(
                    field("sessionWebhookExpiredTime"),
                    "must be milliseconds since the epoch",
                )
            })?),
            Some(_) => {
                return Err(Error::invalid(
                    field("sessionWebhookExpiredTime"),
                    "must be an int (milliseconds since the epoch)",
                ))
            }
        };
        let session = text(data, "sessionWebhook")?.map(|url| SessionWebhook {
            url: url.to_owned(),
            expires_at_ms,
        });
        Ok(Conversation {
            place,
            sender: text(data, "senderStaffId")?.map(str::to_owned),
            session,
        })
    }

    /// The writer's userid, needed to answer a 1:1 chat through the robot API or to deliver a
    /// card to it.
    pub(crate) fn sender_for(&self, what: &str) -> Result<&str> {
        self.sender.as_deref().ok_or_else(|| {
            Error::invalid(
                field("senderStaffId"),
                format!(
                    "is missing (the writer is outside the organisation), so {what} cannot \
                     reach them"
                ),
            )
        })
    }
}

/// The `data` of `event`, after checking that it is a bot message.
fn event_data(event: &Value) -> Result<&Map<String, Value>> {
    let Value::Object(event) = event else {
        return Err(Error::invalid(
            EVENT,
            "must be the event a Stream handler was given",
        ));
    };
    match event.get("type") {
        None | Some(Value::Null) => {}
        Some(Value::String(kind)) if kind == "bot_message" => {}
        Some(Value::String(kind)) => {
            return Err(Error::invalid(
                format!("{EVENT}[type]"),
                format!("is \"{kind}\": only a bot message (\"bot_message\") has a conversation"),
            ))
        }
        Some(_) => return Err(Error::invalid(format!("{EVENT}[type]"), "must be a string")),
    }
    match event.get("data") {
        Some(Value::Object(data)) => Ok(data),
        _ => Err(Error::invalid(
            format!("{EVENT}[data]"),
            "must hold the bot message's fields: pass the whole event the handler was given",
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn refused(event: Value) -> String {
        match Conversation::of_event(&event) {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn a_group_message_and_a_1_1_message() {
        let group = json!({"type": "bot_message", "data": {
            "conversationType": "2", "conversationId": "cidG", "senderStaffId": "ann",
            "sessionWebhook": "https://h/robot/sendBySession?session=s",
            "sessionWebhookExpiredTime": 1_700_000_000_000_i64}});
        let conversation = Conversation::of_event(&group).unwrap();
        assert_eq!(conversation.place, Place::Group("cidG".into()));
        assert_eq!(conversation.sender.as_deref(), Some("ann"));
        assert_eq!(
            conversation.session,
            Some(SessionWebhook {
                url: "https://h/robot/sendBySession?session=s".into(),
                expires_at_ms: Some(1_700_000_000_000)
            })
        );
        let outsider = json!({"data": {"conversationType": "1"}});
        let conversation = Conversation::of_event(&outsider).unwrap();
        assert_eq!(conversation.place, Place::OneToOne);
        assert_eq!(conversation.session, None);
        let Err(Error::InvalidArgument { name, reason }) = conversation.sender_for("a reply")
        else {
            panic!("expected InvalidArgument")
        };
        assert_eq!(name, "event[data][senderStaffId]");
        assert!(reason.contains("a reply"), "{reason}");
    }

    #[test]
    fn what_is_not_a_bot_message_is_named() {
        assert_eq!(refused(json!("x")), "event");
        assert_eq!(
            refused(json!({"type": "todo_task_update", "data": {}})),
            "event[type]"
        );
        assert_eq!(refused(json!({"type": "bot_message"})), "event[data]");
        assert_eq!(
            refused(json!({"data": {"conversationType": 1}})),
            "event[data][conversationType]"
        );
        assert_eq!(
            refused(json!({"data": {"conversationType": "2"}})),
            "event[data][conversationId]"
        );
        assert_eq!(
            refused(json!({"data": {"conversationType": "1", "sessionWebhookExpiredTime": "9"}})),
            "event[data][sessionWebhookExpiredTime]"
        );
    }
}
