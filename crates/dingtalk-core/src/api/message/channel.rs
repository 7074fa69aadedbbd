//! A channel: one way DingTalk carries a message (a work notification, a group webhook, the
//! app robot). Each checks what it cannot carry and writes its own wire request from the one
//! [`Message`]; so the rules are written once per message type (`parse.rs`) and once per
//! channel, never per pair.

use super::shape::Message;
use crate::error::{Error, Result};
use crate::exec::ApiRequest;

/// The name of the message argument of every send, for errors (`message[text][content]`).
pub(crate) const MESSAGE: &str = "message";

/// One way DingTalk carries a message to recipients `To` (users, a group, the robot's group).
pub(crate) trait Channel<To: ?Sized> {
    /// Refuses what this channel cannot carry, naming the field (`message[at]`).
    fn check(&self, message: &Message) -> Result<()>;

    /// The request that sends a checked `message` to `to`.
    fn request(&self, to: &To, message: &Message) -> Result<ApiRequest>;

    /// The request, after the check: nothing is sent for a message the channel refuses.
    fn prepare(&self, to: &To, message: &Message) -> Result<ApiRequest> {
        self.check(message)?;
        self.request(to, message)
    }
}

/// Refuses a message whose `msgtype` is not one of `carried` by `channel` ("a work notification").
pub(crate) fn carried_types(message: &Message, carried: &[&str], channel: &str) -> Result<()> {
    let msgtype = message.body.msgtype();
    if carried.contains(&msgtype) {
        return Ok(());
    }
    Err(Error::invalid(
        format!("{MESSAGE}[msgtype]"),
        format!(
            "is \"{msgtype}\", which {channel} cannot carry (it carries {})",
            carried.join(", ")
        ),
    ))
}

/// Refuses mentions (`at`), which only a group webhook carries.
pub(crate) fn no_mentions(message: &Message, channel: &str) -> Result<()> {
    match message.at {
        None => Ok(()),
        Some(_) => Err(Error::invalid(
            format!("{MESSAGE}[at]"),
            format!("cannot be sent by {channel}: only a group webhook carries mentions"),
        )),
    }
}

/// Refuses a message whose wire form `encoded` is over `max` bytes, DingTalk's limit for
/// `channel`.
pub(crate) fn at_most_bytes(encoded: &[u8], max: usize, channel: &str) -> Result<()> {
    if encoded.len() <= max {
        return Ok(());
    }
    Err(Error::invalid(
        MESSAGE,
        format!(
            "is too long for {channel}: {} bytes as sent, DingTalk takes at most {max}",
            encoded.len()
        ),
    ))
}

/// A list of ids of at most `max` (and at least one when `required`), none empty: `userIds`.
pub(crate) fn ids(name: &str, ids: &[String], max: usize, required: bool) -> Result<()> {
    if required && ids.is_empty() {
        return Err(Error::invalid(name, "must not be empty"));
    }
    if ids.len() > max {
        return Err(Error::invalid(
            name,
            format!(
                "must hold at most {max} ids (DingTalk's limit per call), {} given",
                ids.len()
            ),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        crate::validate::require(&format!("{name}[{i}]"), id)?;
    }
    Ok(())
}
