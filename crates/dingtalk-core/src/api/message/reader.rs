//! The reader of one object of a caller's message: its known keys, and each field as a text, an
//! id, a link DingTalk can open or a voice message's length, named by its path in errors
//! (`message[link][messageUrl]`).

use serde_json::Value;

use crate::api::fields::{entries, id, string, text, type_name};
use crate::error::{Error, Result};

/// The schemes a link of a message may use: the web's, and DingTalk's own (`dingtalk://` opens
/// a page inside DingTalk, e.g. in its side panel).
const URL_SCHEMES: [&str; 3] = ["http", "https", "dingtalk"];

/// The longest voice message, in seconds (DingTalk's limit: under a minute).
pub const MAX_VOICE_SECONDS: i64 = 60;

/// No limit of its own: the channel's size limit on the whole message applies.
const ANY_LENGTH: usize = usize::MAX;

/// The fields of one object of the message, by key, named `name[key]` in errors.
pub(crate) struct Fields<'v> {
    name: String,
    pub(crate) given: Vec<(&'v str, &'v Value)>,
}

impl<'v> Fields<'v> {
    pub(crate) fn read(name: &str, value: &'v Value, known: &[&str]) -> Result<Self> {
        Ok(Fields {
            name: name.to_owned(),
            given: entries(name, value, known)?,
        })
    }

    pub(crate) fn name(&self, key: &str) -> String {
        format!("{}[{key}]", self.name)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'v Value> {
        self.given.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    pub(crate) fn required(&self, key: &str) -> Result<&'v Value> {
        self.get(key)
            .ok_or_else(|| Error::invalid(self.name(key), "is required"))
    }

    /// A text that must not be empty.
    pub(crate) fn text(&self, key: &str) -> Result<String> {
        text(&self.name(key), self.required(key)?, ANY_LENGTH, false)
    }

    /// An id (a `media_id`) that must not be empty.
    pub(crate) fn id(&self, key: &str) -> Result<String> {
        id(&self.name(key), self.required(key)?)
    }

    pub(crate) fn url(&self, key: &str) -> Result<String> {
        link(&self.name(key), self.required(key)?)
    }

    /// A link that may be left out or "" (none).
    pub(crate) fn optional_url(&self, key: &str) -> Result<String> {
        match self.get(key) {
            Some(Value::String(s)) if s.is_empty() => Ok(String::new()),
            Some(value) => link(&self.name(key), value),
            None => Ok(String::new()),
        }
    }

    /// Seconds of a voice message, an int or a numeric string, 1 to 60.
    pub(crate) fn duration(&self, key: &str) -> Result<String> {
        let name = self.name(key);
        let value = self.required(key)?;
        let seconds = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        };
        match seconds {
            Some(s) if (1..=MAX_VOICE_SECONDS).contains(&s) => Ok(s.to_string()),
            _ => Err(Error::invalid(
                name,
                format!(
                    "must be the length in seconds, 1 to {MAX_VOICE_SECONDS} (an int or its \
                     digits), {} given",
                    shown(value)
                ),
            )),
        }
    }
}

/// A value quoted in a message (short, and never a secret: message fields are not).
pub(crate) fn shown(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() <= 20 => format!("\"{s}\""),
        other => type_name(other).to_owned(),
    }
}

/// A link DingTalk can open: `http(s)://` with a host, or `dingtalk://`.
pub(crate) fn link(name: &str, value: &Value) -> Result<String> {
    let url = string(name, value)?;
    let parsed = reqwest::Url::parse(&url).ok();
    let scheme = parsed.as_ref().map(reqwest::Url::scheme);
    let web = matches!(scheme, Some("http" | "https"));
    let usable = parsed
        .as_ref()
        .is_some_and(|u| URL_SCHEMES.contains(&u.scheme()) && (!web || u.has_host()));
    if !usable {
        return Err(Error::invalid(
            name,
            format!(
                "must be a link DingTalk can open: an absolute {} URL",
                URL_SCHEMES.join(", ")
            ),
        ));
    }
    Ok(url)
}
