//! What a connection subscribed to, and the topic of each message: DingTalk pushes a
//! connection only the topics its ticket registered (`EVENT` `*` for every event, `CALLBACK`
//! with a topic path for each kind of callback).

use serde::Serialize;
use serde_json::{json, Map, Value};

/// The CALLBACK topic of the messages users send to the app's robot.
pub const BOT_MESSAGES: &str = "/v1.0/im/bot/messages/get";
/// The CALLBACK topic of the actions users take on interactive cards.
pub const CARD_CALLBACKS: &str = "/v1.0/card/instances/callback";

/// The topic of one message the gateway pushes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// An `EVENT` frame (topic `*`).
    Event,
    /// A `CALLBACK` frame of this topic path.
    Callback(String),
}

impl Topic {
    /// The frame's `headers.topic`.
    pub fn path(&self) -> &str {
        match self {
            Topic::Event => "*",
            Topic::Callback(path) => path,
        }
    }
}

/// One `{"type", "topic"}` of a ticket's `subscriptions`, as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    #[serde(rename = "type")]
    pub kind: String,
    pub topic: String,
}

/// The subscriptions of a ticket, and so of the connection it opens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscriptions {
    list: Vec<Subscription>,
}

impl Subscriptions {
    /// Reads `subscriptions` of the ticket request's body: absent is none; otherwise a list of
    /// `{"type": "EVENT"|"CALLBACK"|"SYSTEM", "topic": "..."}`, or why it is not.
    pub fn from_request(object: &Map<String, Value>) -> Result<Subscriptions, String> {
        let Some(subscriptions) = object.get("subscriptions") else {
            return Ok(Subscriptions::default());
        };
        let Some(items) = subscriptions.as_array() else {
            return Err("subscriptions must be a list".to_owned());
        };
        let mut list = Vec::with_capacity(items.len());
        for (at, item) in items.iter().enumerate() {
            let kind = item.get("type").and_then(Value::as_str);
            let topic = item.get("topic").and_then(Value::as_str);
            match (kind, topic) {
                (Some(kind @ ("EVENT" | "CALLBACK" | "SYSTEM")), Some(topic)) => {
                    list.push(Subscription {
                        kind: kind.to_owned(),
                        topic: topic.to_owned(),
                    });
                }
                _ => {
                    return Err(format!(
                        "subscriptions[{at}] must be {}",
                        json!({"type": "EVENT|CALLBACK|SYSTEM", "topic": "..."})
                    ))
                }
            }
        }
        Ok(Subscriptions { list })
    }

    /// Whether messages of `topic` are pushed to this connection: events for `EVENT` `*`
    /// (DingTalk takes no other event topic), a callback for `CALLBACK` with its exact path.
    pub fn wants(&self, topic: &Topic) -> bool {
        self.list.iter().any(|s| match topic {
            Topic::Event => s.kind == "EVENT" && s.topic == "*",
            Topic::Callback(path) => s.kind == "CALLBACK" && s.topic == *path,
        })
    }

    pub fn list(&self) -> &[Subscription] {
        &self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<Subscriptions, String> {
        Subscriptions::from_request(body.as_object().unwrap())
    }

    #[test]
    fn events_need_the_star_and_callbacks_their_exact_topic() {
        let subs = parse(json!({"subscriptions": [
            {"type": "CALLBACK", "topic": BOT_MESSAGES},
            {"type": "EVENT", "topic": "user_add_org"},
        ]}))
        .unwrap();
        assert!(subs.wants(&Topic::Callback(BOT_MESSAGES.to_owned())));
        assert!(!subs.wants(&Topic::Callback(CARD_CALLBACKS.to_owned())));
        assert!(!subs.wants(&Topic::Event));
        let events = parse(json!({"subscriptions": [{"type": "EVENT", "topic": "*"}]})).unwrap();
        assert!(events.wants(&Topic::Event));
        assert!(!events.wants(&Topic::Callback(BOT_MESSAGES.to_owned())));
    }

    #[test]
    fn none_given_is_none_wanted_and_a_bad_list_is_refused() {
        let none = parse(json!({})).unwrap();
        assert!(!none.wants(&Topic::Event));
        assert!(parse(json!({"subscriptions": {}})).is_err());
        let error =
            parse(json!({"subscriptions": [{"type": "EVENT", "topic": "*"}, {"type": "X"}]}))
                .unwrap_err();
        assert!(error.starts_with("subscriptions[1]"), "{error}");
    }
}
