//! The one message shape: what a caller writes, as the types it is read into once
//! ([`Message::from_json`], in `parse.rs`), and back as the array the builders return.
//!
//! The shape is the one DingTalk's work notifications use (and, but for the action card, its
//! group webhooks): `['msgtype' => 'text', 'text' => ['content' => ...]]`. Each channel turns a
//! [`Message`] into its own wire format and refuses what it cannot carry.

use serde_json::{json, Map, Value};

/// A message: what it shows, and whom it mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub(crate) body: Body,
    /// `at`: only a group webhook carries mentions.
    pub(crate) at: Option<Mentions>,
}

/// What a message shows, one variant per `msgtype`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    Text {
        content: String,
    },
    Markdown {
        title: String,
        text: String,
    },
    Link {
        title: String,
        text: String,
        message_url: String,
        /// "" for none.
        pic_url: String,
    },
    ActionCard(ActionCard),
    /// A work notification's OA card, checked and sent as written.
    Oa(Map<String, Value>),
    Image {
        media_id: String,
    },
    File {
        media_id: String,
    },
    Voice {
        media_id: String,
        /// Seconds, 1 to 60, as DingTalk's text.
        duration: String,
    },
}

/// An action card: a markdown text under a title, and one button or several.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActionCard {
    pub(crate) title: String,
    pub(crate) markdown: String,
    pub(crate) buttons: Buttons,
}

/// The buttons of an action card.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Buttons {
    /// `single_title` + `single_url`: the whole card opens one link.
    Single(Button),
    /// `btn_json_list`, side by side (`btn_orientation` "1") or one under another ("0").
    List {
        horizontal: bool,
        buttons: Vec<Button>,
    },
}

/// A button: its title and the link it opens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Button {
    pub(crate) title: String,
    pub(crate) url: String,
}

/// `at` of a webhook message: whom it mentions.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Mentions {
    pub(crate) user_ids: Vec<String>,
    pub(crate) mobiles: Vec<String>,
    pub(crate) all: bool,
}

impl Body {
    /// The `msgtype`.
    pub(crate) fn msgtype(&self) -> &'static str {
        match self {
            Body::Text { .. } => "text",
            Body::Markdown { .. } => "markdown",
            Body::Link { .. } => "link",
            Body::ActionCard(_) => "action_card",
            Body::Oa(_) => "oa",
            Body::Image { .. } => "image",
            Body::File { .. } => "file",
            Body::Voice { .. } => "voice",
        }
    }

    /// The content under the `msgtype` key, in the one shape.
    fn content(&self) -> Value {
        match self {
            Body::Text { content } => json!({ "content": content }),
            Body::Markdown { title, text } => json!({ "title": title, "text": text }),
            Body::Link {
                title,
                text,
                message_url,
                pic_url,
            } => json!({
                "title": title, "text": text, "messageUrl": message_url, "picUrl": pic_url,
            }),
            Body::ActionCard(card) => card.spelled(&ONE_SHAPE),
            Body::Oa(oa) => Value::Object(oa.clone()),
            Body::Image { media_id } | Body::File { media_id } => json!({ "media_id": media_id }),
            Body::Voice { media_id, duration } => {
                json!({ "media_id": media_id, "duration": duration })
            }
        }
    }

    /// The body in the one shape: `{"msgtype": ..., <msgtype>: {...}}` (a work notification's
    /// `msg`).
    pub(crate) fn to_json(&self) -> Value {
        let mut shape = Map::new();
        shape.insert("msgtype".into(), self.msgtype().into());
        shape.insert(self.msgtype().into(), self.content());
        Value::Object(shape)
    }
}

/// How a wire format names the fields of an action card: the one shape's, or a group webhook's
/// camelCase ones.
pub(crate) struct CardSpelling {
    pub(crate) text: &'static str,
    pub(crate) single_title: &'static str,
    pub(crate) single_url: &'static str,
    pub(crate) orientation: &'static str,
    pub(crate) buttons: &'static str,
    pub(crate) button_url: &'static str,
}

/// The one shape's (a work notification's) names.
const ONE_SHAPE: CardSpelling = CardSpelling {
    text: "markdown",
    single_title: "single_title",
    single_url: "single_url",
    orientation: "btn_orientation",
    buttons: "btn_json_list",
    button_url: "action_url",
};

impl ActionCard {
    /// The card with its fields named as `names` says, in the one shape's order.
    pub(crate) fn spelled(&self, names: &CardSpelling) -> Value {
        let mut card = Map::new();
        card.insert("title".into(), self.title.clone().into());
        card.insert(names.text.into(), self.markdown.clone().into());
        match &self.buttons {
            Buttons::Single(button) => {
                card.insert(names.single_title.into(), button.title.clone().into());
                card.insert(names.single_url.into(), button.url.clone().into());
            }
            Buttons::List {
                horizontal,
                buttons,
            } => {
                let orientation = if *horizontal { "1" } else { "0" };
                card.insert(names.orientation.into(), orientation.into());
                let list = buttons
                    .iter()
                    .map(|b| json!({ "title": b.title, names.button_url: b.url }))
                    .collect();
                card.insert(names.buttons.into(), Value::Array(list));
            }
        }
        Value::Object(card)
    }
}

impl Mentions {
    /// `at` as DingTalk's webhook takes it (and the one shape writes it).
    pub(crate) fn to_json(&self) -> Value {
        json!({ "atUserIds": self.user_ids, "atMobiles": self.mobiles, "isAtAll": self.all })
    }
}

impl Message {
    /// A text message.
    pub fn text(content: &str) -> Message {
        Message::of(Body::Text {
            content: content.to_owned(),
        })
    }

    /// A markdown message: `title` shows in the conversation list, `text` in the chat.
    pub fn markdown(title: &str, text: &str) -> Message {
        Message::of(Body::Markdown {
            title: title.to_owned(),
            text: text.to_owned(),
        })
    }

    /// A link: a card with a title, a text and a picture (`pic_url` "" for none) that opens
    /// `message_url`.
    pub fn link(title: &str, text: &str, message_url: &str, pic_url: &str) -> Message {
        Message::of(Body::Link {
            title: title.to_owned(),
            text: text.to_owned(),
            message_url: message_url.to_owned(),
            pic_url: pic_url.to_owned(),
        })
    }

    /// An action card with one button.
    pub fn action_card(
        title: &str,
        markdown: &str,
        button_title: &str,
        button_url: &str,
    ) -> Message {
        Message::of(Body::ActionCard(ActionCard {
            title: title.to_owned(),
            markdown: markdown.to_owned(),
            buttons: Buttons::Single(Button {
                title: button_title.to_owned(),
                url: button_url.to_owned(),
            }),
        }))
    }

    fn of(body: Body) -> Message {
        Message { body, at: None }
    }

    /// The message in the one shape, as a caller writes it (what the builders return).
    pub fn to_json(&self) -> Value {
        let mut shape = self.body.to_json();
        if let (Some(at), Value::Object(map)) = (&self.at, &mut shape) {
            map.insert("at".into(), at.to_json());
        }
        shape
    }
}
