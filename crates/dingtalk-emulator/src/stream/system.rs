//! The SYSTEM frames sent over one connection (`ping`, `disconnect`) that await an answer, and
//! how an answer is judged. A ping is answered by code 200 with the ping's `opaque` in its
//! `data` (DingTalk's protocol page asks for nothing more: the official Python SDK re-encodes
//! the data, spaces and all, so its text differs from what was sent). The official Python SDK
//! answers `disconnect` as well, though DingTalk asks for no answer: that is no stray frame.

use std::collections::HashMap;

use serde_json::Value;

/// A SYSTEM frame sent, by its `messageId`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sent {
    Ping { opaque: String },
    Disconnect,
}

/// What an answer to a SYSTEM frame was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemAnswer {
    /// A ping answered with code 200 and its `opaque`.
    Pong,
    /// A ping answered otherwise.
    BadPong,
    /// The answer to a `disconnect`.
    Disconnect,
}

/// The opaque of a ping's or pong's `data` (JSON text), if it has one.
pub fn opaque(data: &str) -> Option<String> {
    let data: Value = serde_json::from_str(data).ok()?;
    data.get("opaque")?.as_str().map(str::to_owned)
}

#[derive(Debug, Clone, Default)]
pub struct SystemFrames {
    sent: HashMap<String, Sent>,
}

impl SystemFrames {
    /// A ping sent as `message_id` with `opaque` in its data.
    pub fn ping(&mut self, message_id: &str, opaque: &str) {
        let opaque = opaque.to_owned();
        self.sent
            .insert(message_id.to_owned(), Sent::Ping { opaque });
    }

    /// A `disconnect` sent as `message_id`.
    pub fn disconnect(&mut self, message_id: &str) {
        self.sent.insert(message_id.to_owned(), Sent::Disconnect);
    }

    /// Takes the frame `message_id` answers (code `code`, data `data`), if it was a SYSTEM one.
    pub fn answer(
        &mut self,
        message_id: &str,
        code: Option<u64>,
        data: &str,
    ) -> Option<SystemAnswer> {
        match self.sent.remove(message_id)? {
            Sent::Disconnect => Some(SystemAnswer::Disconnect),
            Sent::Ping { opaque: sent } => {
                let same = opaque(data).is_some_and(|got| got == sent);
                Some(if code == Some(200) && same {
                    SystemAnswer::Pong
                } else {
                    SystemAnswer::BadPong
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pong_needs_code_200_and_the_same_opaque_in_any_spelling() {
        let mut frames = SystemFrames::default();
        frames.ping("m1", "abc");
        // Re-encoded with spaces, as the official Python SDK does.
        assert_eq!(
            frames.answer("m1", Some(200), r#"{"opaque": "abc"}"#),
            Some(SystemAnswer::Pong)
        );
        frames.ping("m2", "abc");
        assert_eq!(
            frames.answer("m2", Some(200), r#"{"opaque":"abd"}"#),
            Some(SystemAnswer::BadPong)
        );
        frames.ping("m3", "abc");
        assert_eq!(
            frames.answer("m3", Some(500), r#"{"opaque":"abc"}"#),
            Some(SystemAnswer::BadPong)
        );
        // Each is answered once.
        assert_eq!(frames.answer("m1", Some(200), r#"{"opaque":"abc"}"#), None);
    }

    #[test]
    fn an_answer_to_disconnect_is_known() {
        let mut frames = SystemFrames::default();
        frames.disconnect("d1");
        assert_eq!(
            frames.answer("d1", Some(200), "{}"),
            Some(SystemAnswer::Disconnect)
        );
        assert_eq!(frames.answer("nothing", Some(200), "{}"), None);
    }
}
