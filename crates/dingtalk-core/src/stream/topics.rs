//! What a worker subscribes to: DingTalk's events (`EVENT` `*`) and callbacks (`CALLBACK` on a
//! topic path: bot messages, card callbacks, any other). Topics are data: a frame carries its
//! kind and topic, the worker checks it against its subscriptions and acknowledges it in the
//! shape its kind asks for (`frame.rs`).

use serde_json::{json, Value};

use crate::error::{Error, Result};

/// The topic of the messages users send to the app's robot.
pub const BOT_MESSAGES: &str = "/v1.0/im/bot/messages/get";
/// The topic of a card's callbacks (a user pressed a button of a card created with the
/// `STREAM` callback type).
pub const CARD_CALLBACKS: &str = "/v1.0/card/instances/callback";

/// The longest callback topic accepted (DingTalk's are about 30 bytes).
const MAX_TOPIC_BYTES: usize = 256;

/// The two kinds of message a gateway delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `EVENT`: acknowledged `SUCCESS` or `LATER` (then delivered again).
    Event,
    /// `CALLBACK`: answered with a `response`.
    Callback,
}

/// One subscription.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every event the app subscribed to in the developer console (`EVENT` `*`).
    Events,
    /// The callbacks of one topic path (`CALLBACK`).
    Callback(String),
}

impl Topic {
    /// The topic of `word`: `events`, `bot`, `card`, or a callback topic's path (starting with
    /// `/`); an error naming `name` (`options[topics]`) for anything else.
    pub fn parse(word: &str, name: &str) -> Result<Topic> {
        match word {
            "events" => Ok(Topic::Events),
            "bot" => Ok(Topic::Callback(BOT_MESSAGES.to_owned())),
            "card" => Ok(Topic::Callback(CARD_CALLBACKS.to_owned())),
            path if path.starts_with('/') => {
                let printable = path.bytes().all(|b| b.is_ascii_graphic());
                if path.len() > MAX_TOPIC_BYTES || !printable {
                    return Err(Error::invalid(
                        name,
                        format!(
                            "a callback topic must be a path of at most {MAX_TOPIC_BYTES} printable ASCII characters"
                        ),
                    ));
                }
                Ok(Topic::Callback(path.to_owned()))
            }
            other => Err(Error::invalid(
                name,
                format!(
                    "must name topics: \"events\", \"bot\", \"card\" or a callback topic's path starting with /; \"{other}\" given"
                ),
            )),
        }
    }

    /// The subscription as the ticket request lists it.
    pub(crate) fn subscription(&self) -> Value {
        match self {
            Topic::Events => json!({"type": "EVENT", "topic": "*"}),
            Topic::Callback(path) => json!({"type": "CALLBACK", "topic": path}),
        }
    }

    /// Whether a frame of `kind` on `topic` is one this subscription asked for (an event's
    /// frame names its own topic, `*` or another: every event is covered by `Events`).
    pub(crate) fn covers(&self, kind: Kind, topic: &str) -> bool {
        match self {
            Topic::Events => kind == Kind::Event,
            Topic::Callback(path) => kind == Kind::Callback && path == topic,
        }
    }
}

/// The `type` a delivery of `kind` on `topic` reaches the handler with, when the frame names
/// none of its own (events name theirs: `todo_task_update`, ...).
pub(crate) fn callback_type(topic: &str) -> &str {
    match topic {
        BOT_MESSAGES => "bot_message",
        CARD_CALLBACKS => "card_callback",
        path => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_paths_name_topics() {
        let name = "options[topics]";
        assert_eq!(Topic::parse("events", name).unwrap(), Topic::Events);
        assert_eq!(
            Topic::parse("bot", name).unwrap(),
            Topic::Callback(BOT_MESSAGES.into())
        );
        assert_eq!(
            Topic::parse("/v1.0/graph/api/invoke", name).unwrap(),
            Topic::Callback("/v1.0/graph/api/invoke".into())
        );
        for bad in ["", "bots", "EVENT", "/with space", "*"] {
            let error = Topic::parse(bad, name).unwrap_err();
            assert!(error.to_string().contains(name), "{bad}: {error}");
        }
        assert!(Topic::parse(&format!("/{}", "a".repeat(300)), name).is_err());
        assert!(Topic::Events.covers(Kind::Event, "*"));
        assert!(!Topic::Events.covers(Kind::Callback, BOT_MESSAGES));
        let card = Topic::parse("card", name).unwrap();
        assert!(card.covers(Kind::Callback, CARD_CALLBACKS));
        assert!(!card.covers(Kind::Callback, BOT_MESSAGES));
        assert_eq!(callback_type(BOT_MESSAGES), "bot_message");
        assert_eq!(callback_type("/x"), "/x");
    }
}
