//! A reply to a bot message, in the conversation it came from. Which way it goes is decided in
//! one place ([`routes`]): through the message's session webhook while it has not expired (no
//! token), else through the app robot (to the writer for a 1:1 chat, to the group for a group).
//! Each way is a channel that converts the one message shape.
//!
//! A reply is a create: never resent after a failure that may have reached DingTalk. Only a
//! session webhook's definite refusal (DingTalk answered that the session is unknown or
//! expired: nothing was delivered) hands the reply on to the robot.

use serde::de::IgnoredAny;
use serde_json::Value;

use super::channel::Channel;
use super::robot::{Bot, RobotTo, UsersSent};
use super::session::SessionChannel;
use super::shape::{Body, Message};
use crate::api::conversation::{Conversation, Place};
use crate::budget::Budget;
use crate::error::{ApiError, Code, Error, ErrorClass, Result};
use crate::exec::ApiRequest;
use crate::time::now_ms;

/// A session webhook this close to its end is not used: the reply could arrive after it.
pub const SESSION_MARGIN_MS: i64 = 5_000;

/// The way a reply went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyRoute {
    /// The bot message's session webhook.
    SessionWebhook,
    /// The app robot: to the writer (a 1:1 chat) or to the group.
    Robot,
}

/// One way to send a reply, its request ready.
struct Prepared {
    route: ReplyRoute,
    request: ApiRequest,
    /// For a 1:1 chat through the robot: the writer, who must be reached.
    user: Option<String>,
}

/// The ways a reply to `conversation` may go at `now_ms`, in order of preference: the session
/// webhook while it lives (and lies under `base_url`), then the robot.
fn routes(conversation: &Conversation, base_url: &str, now_ms: i64) -> Vec<ReplyRoute> {
    let live = conversation.session.as_ref().is_some_and(|session| {
        let in_time = session
            .expires_at_ms
            .is_none_or(|end| now_ms.saturating_add(SESSION_MARGIN_MS) < end);
        in_time && SessionChannel::under(base_url, &session.url).is_some()
    });
    if live {
        vec![ReplyRoute::SessionWebhook, ReplyRoute::Robot]
    } else {
        vec![ReplyRoute::Robot]
    }
}

/// `message` as it goes over `route`. Through a group's session webhook, every user its `at`
/// names is named in its text too (`@userid`), which is how DingTalk shows a mention; a 1:1
/// chat has nobody else to mention, and the robot carries no mention: there `at` is dropped.
fn fitted(message: &Message, place: &Place, route: ReplyRoute) -> Message {
    let mut fitted = message.clone();
    let mentions = match (&message.at, place, route) {
        (Some(at), Place::Group(_), ReplyRoute::SessionWebhook) => at,
        _ => {
            fitted.at = None;
            return fitted;
        }
    };
    let text = match &mut fitted.body {
        Body::Text { content } => content,
        Body::Markdown { text, .. } => text,
        _ => return fitted,
    };
    let missing: Vec<String> = mentions
        .user_ids
        .iter()
        .chain(&mentions.mobiles)
        .map(|id| format!("@{id}"))
        .filter(|mention| !text.contains(mention.as_str()))
        .collect();
    if !missing.is_empty() {
        *text = format!("{} {text}", missing.join(" "));
    }
    fitted
}

/// Whether a session webhook's failure proves nothing was delivered: DingTalk answered that
/// the session is unknown or expired.
fn session_refused(error: &Error) -> bool {
    matches!(error, Error::Api(api) if api.class == ErrorClass::BadCredentials)
}

/// The error of a 1:1 reply that DingTalk accepted but did not deliver to the writer.
fn not_delivered(user: &str, sent: &UsersSent, path: &str) -> Option<Error> {
    let (list, class, why) = if sent.flow_controlled_user_ids.iter().any(|u| u == user) {
        (
            "flowControlledStaffIdList",
            ErrorClass::Throttled,
            "they got too many messages lately; send again later",
        )
    } else if sent.invalid_user_ids.iter().any(|u| u == user) {
        (
            "invalidStaffIdList",
            ErrorClass::Final,
            "DingTalk does not know them, or the robot may not message them",
        )
    } else {
        return None;
    };
    Some(Error::from(ApiError {
        path: path.to_owned(),
        http_status: 200,
        code: Code::Text(list.to_owned()),
        message: format!("the reply did not reach {user}: {why}"),
        request_id: None,
        sub_code: None,
        sub_msg: None,
        required_scopes: Vec::new(),
        hint: None,
        class,
    }))
}

impl Bot {
    /// Answers the bot message `event` (as a Stream worker's handler got it) with `message`, in
    /// its conversation; returns the way it went. Nothing is sent for a message that no way
    /// open to this conversation carries.
    pub fn reply(&self, event: &Value, message: &Message) -> Result<ReplyRoute> {
        let conversation = Conversation::of_event(event)?;
        let base_url = &self.exec.options().base_url;
        let mut refusal = None;
        let mut ways = Vec::new();
        for route in routes(&conversation, base_url, now_ms()) {
            let fitted = fitted(message, &conversation.place, route);
            match self.prepare(&conversation, route, &fitted) {
                Ok(prepared) => ways.push(prepared),
                Err(error) => {
                    refusal.get_or_insert(error);
                }
            }
        }
        let budget = self.exec.budget();
        let mut ways = ways.into_iter();
        let Some(first) = ways.next() else {
            return Err(refusal.unwrap_or_else(|| Error::invalid("message", "cannot be sent")));
        };
        match self.send(&first, &budget) {
            Err(error) if first.route == ReplyRoute::SessionWebhook && session_refused(&error) => {
                match ways.next() {
                    Some(robot) => self.send(&robot, &budget),
                    None => Err(error),
                }
            }
            sent => sent,
        }
    }

    /// The request of a reply over `route`, after its channel's check.
    fn prepare(
        &self,
        conversation: &Conversation,
        route: ReplyRoute,
        message: &Message,
    ) -> Result<Prepared> {
        let (request, user) = match (route, &conversation.place) {
            (ReplyRoute::SessionWebhook, _) => {
                let url = conversation.session.as_ref().map(|s| s.url.as_str());
                let channel = url
                    .and_then(|url| SessionChannel::under(&self.exec.options().base_url, url))
                    .ok_or_else(|| {
                        Error::invalid("event[data][sessionWebhook]", "is not usable")
                    })?;
                (channel.prepare(&(), message)?, None)
            }
            (ReplyRoute::Robot, Place::OneToOne) => {
                let user = conversation.sender_for("a reply through the robot")?;
                let users = [user.to_owned()];
                let request = self.channel().prepare(&RobotTo::Users(&users), message)?;
                (request, Some(user.to_owned()))
            }
            (ReplyRoute::Robot, Place::Group(group)) => (
                self.channel().prepare(&RobotTo::Group(group), message)?,
                None,
            ),
        };
        Ok(Prepared {
            route,
            request,
            user,
        })
    }

    /// Sends a prepared reply within `budget`.
    fn send(&self, prepared: &Prepared, budget: &Budget) -> Result<ReplyRoute> {
        match &prepared.user {
            Some(user) => {
                let sent: UsersSent = self.exec.execute(&prepared.request, budget)?;
                if let Some(error) = not_delivered(user, &sent, &prepared.request.path) {
                    return Err(error);
                }
            }
            None => {
                let _: IgnoredAny = self.exec.execute(&prepared.request, budget)?;
            }
        }
        Ok(prepared.route)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api::conversation::SessionWebhook;

    const BASE: &str = "https://oapi.dingtalk.com";

    fn conversation(place: Place, expires_at_ms: Option<i64>) -> Conversation {
        Conversation {
            place,
            sender: Some("ann".into()),
            session: Some(SessionWebhook {
                url: format!("{BASE}/robot/sendBySession?session=s"),
                expires_at_ms,
            }),
        }
    }

    #[test]
    fn the_session_webhook_while_it_lives_then_the_robot() {
        let live = conversation(Place::OneToOne, Some(100_000));
        assert_eq!(
            routes(&live, BASE, 0),
            [ReplyRoute::SessionWebhook, ReplyRoute::Robot]
        );
        assert_eq!(
            routes(&live, BASE, 100_000 - SESSION_MARGIN_MS),
            [ReplyRoute::Robot],
            "too close to its end"
        );
        let no_end = conversation(Place::OneToOne, None);
        assert_eq!(routes(&no_end, BASE, 0)[0], ReplyRoute::SessionWebhook);
        assert_eq!(
            routes(&live, "https://other.example", 0),
            [ReplyRoute::Robot],
            "never sent to another host"
        );
        let none = Conversation {
            session: None,
            ..live
        };
        assert_eq!(routes(&none, BASE, 0), [ReplyRoute::Robot]);
    }

    fn mentioning(body: Value) -> Message {
        Message::from_json("message", &body).unwrap()
    }

    #[test]
    fn a_group_mention_is_named_in_the_text_and_dropped_where_it_cannot_go() {
        let message = mentioning(json!({"msgtype": "text", "text": {"content": "done"},
                                        "at": {"atUserIds": ["ann", "bob"]}}));
        let group = Place::Group("cid".into());
        let session = fitted(&message, &group, ReplyRoute::SessionWebhook);
        assert_eq!(
            session.body,
            Body::Text {
                content: "@ann @bob done".into()
            }
        );
        assert_eq!(session.at, message.at);
        let robot = fitted(&message, &group, ReplyRoute::Robot);
        assert_eq!((robot.body.clone(), robot.at), (message.body.clone(), None));
        let one_to_one = fitted(&message, &Place::OneToOne, ReplyRoute::SessionWebhook);
        assert_eq!(one_to_one.at, None);
        let named = mentioning(json!({"msgtype": "markdown",
            "markdown": {"title": "t", "text": "hi @ann"}, "at": {"atUserIds": ["ann"]}}));
        let kept = fitted(&named, &group, ReplyRoute::SessionWebhook);
        assert_eq!(kept.body, named.body, "already named: unchanged");
    }

    #[test]
    fn only_a_refused_session_hands_the_reply_on() {
        let refused = Error::from(ApiError {
            path: "/robot/sendBySession".into(),
            http_status: 200,
            code: Code::Number(300_001),
            message: "session is expired".into(),
            request_id: None,
            sub_code: None,
            sub_msg: None,
            required_scopes: Vec::new(),
            hint: None,
            class: ErrorClass::BadCredentials,
        });
        assert!(session_refused(&refused));
        let landed = Error::from(crate::error::TransportError::new(
            "/robot/sendBySession",
            crate::error::TransportErrorKind::Status(502),
            "bad gateway",
        ));
        assert!(!session_refused(&landed));
    }

    #[test]
    fn a_1_1_reply_that_did_not_reach_the_writer_fails() {
        let sent = |flow: &[&str], invalid: &[&str]| UsersSent {
            process_query_key: "k".into(),
            invalid_user_ids: invalid.iter().map(|s| s.to_string()).collect(),
            flow_controlled_user_ids: flow.iter().map(|s| s.to_string()).collect(),
        };
        assert!(not_delivered("ann", &sent(&[], &[]), "/p").is_none());
        let Some(Error::Api(api)) = not_delivered("ann", &sent(&["ann"], &[]), "/p") else {
            panic!("expected an API error")
        };
        assert_eq!(
            (api.code.clone(), api.class),
            (
                Code::Text("flowControlledStaffIdList".into()),
                ErrorClass::Throttled
            )
        );
        let Some(Error::Api(api)) = not_delivered("ann", &sent(&[], &["ann"]), "/p") else {
            panic!("expected an API error")
        };
        assert_eq!(api.class, ErrorClass::Final);
    }
}
