//! Where a card goes: an `openSpaceId` (`dtv1.card//IM_ROBOT.<userid>` for a user's chat with
//! the robot, `dtv1.card//IM_GROUP.<openConversationId>` for a group, several joined by `;`)
//! and the deliver model each of its space types needs, with the robot that delivers it.

use serde_json::{json, Map, Value};

use crate::api::conversation::{Conversation, Place};
use crate::error::{Error, Result};

const PREFIX: &str = "dtv1.card//";
const ROBOT_CHAT: &str = "IM_ROBOT";
const GROUP: &str = "IM_GROUP";

/// A checked `openSpaceId`, and which of the two space types it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Space {
    pub(crate) open_space_id: String,
    robot_chat: bool,
    group: bool,
}

impl Space {
    /// The space of the conversation a bot message came from: the writer's chat with the
    /// robot, or the group.
    pub(crate) fn of(conversation: &Conversation) -> Result<Space> {
        Ok(match &conversation.place {
            Place::OneToOne => {
                let user = conversation.sender_for("a card")?;
                Space::parse("event", &format!("{PREFIX}{ROBOT_CHAT}.{user}"))?
            }
            Place::Group(group) => Space::parse("event", &format!("{PREFIX}{GROUP}.{group}"))?,
        })
    }

    /// `open_space_id` as a caller gave it (argument `name`).
    pub(crate) fn parse(name: &str, open_space_id: &str) -> Result<Space> {
        let refused = || {
            Error::invalid(
                name,
                format!(
                    "must be an openSpaceId such as {PREFIX}{ROBOT_CHAT}.<userid> or \
                     {PREFIX}{GROUP}.<openConversationId> (several joined by ';'), \
                     \"{open_space_id}\" given"
                ),
            )
        };
        let parts = open_space_id.strip_prefix(PREFIX).ok_or_else(refused)?;
        let mut space = Space {
            open_space_id: open_space_id.to_owned(),
            robot_chat: false,
            group: false,
        };
        for part in parts.split(';').filter(|p| !p.is_empty()) {
            let (kind, id) = part.split_once('.').ok_or_else(refused)?;
            if id.is_empty() || id.chars().any(char::is_control) {
                return Err(refused());
            }
            match kind.to_ascii_uppercase().as_str() {
                ROBOT_CHAT => space.robot_chat = true,
                GROUP => space.group = true,
                _ => return Err(refused()),
            }
        }
        if !space.robot_chat && !space.group {
            return Err(refused());
        }
        Ok(space)
    }

    /// The deliver models (and space models) of `createAndDeliver`, delivered by `robot_code`.
    pub(crate) fn models(&self, robot_code: &str) -> Map<String, Value> {
        let mut models = Map::new();
        if self.robot_chat {
            models.insert(
                "imRobotOpenDeliverModel".into(),
                json!({"spaceType": ROBOT_CHAT, "robotCode": robot_code}),
            );
            models.insert(
                "imRobotOpenSpaceModel".into(),
                json!({"supportForward": true}),
            );
        }
        if self.group {
            models.insert(
                "imGroupOpenDeliverModel".into(),
                json!({ "robotCode": robot_code }),
            );
            models.insert(
                "imGroupOpenSpaceModel".into(),
                json!({"supportForward": true}),
            );
        }
        models
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_gives_its_space() {
        let chat = Conversation {
            place: Place::OneToOne,
            sender: Some("ann".into()),
            session: None,
        };
        let space = Space::of(&chat).unwrap();
        assert_eq!(space.open_space_id, "dtv1.card//IM_ROBOT.ann");
        let models = space.models("robot1");
        assert_eq!(
            models["imRobotOpenDeliverModel"],
            json!({"spaceType": "IM_ROBOT", "robotCode": "robot1"})
        );
        assert!(!models.contains_key("imGroupOpenDeliverModel"));
        let group = Conversation {
            place: Place::Group("cidG".into()),
            ..chat
        };
        let space = Space::of(&group).unwrap();
        assert_eq!(space.open_space_id, "dtv1.card//IM_GROUP.cidG");
        assert_eq!(
            space.models("r")["imGroupOpenDeliverModel"],
            json!({"robotCode": "r"})
        );
    }

    #[test]
    fn an_open_space_id_is_checked() {
        let both = Space::parse("to", "dtv1.card//im_group.cid1;IM_ROBOT.ann").unwrap();
        assert_eq!(both.models("r").len(), 4);
        for bad in [
            "IM_ROBOT.ann",
            "dtv1.card//",
            "dtv1.card//ONE_BOX.x",
            "dtv1.card//IM_ROBOT.",
            "dtv1.card//IM_ROBOT",
        ] {
            assert!(
                matches!(Space::parse("to", bad), Err(Error::InvalidArgument { name, .. }) if name == "to"),
                "{bad}"
            );
        }
    }
}
