//! Work notifications (工作通知): messages from the app to people, in their "work
//! notifications" conversation, through the oapi `corpconversation` API. The `msg` is the one
//! shape itself; a send is asynchronous (DingTalk answers a `task_id`, then delivers).
//!
//! DingTalk silently drops a second message with the same content to the same user on the same
//! day: the send succeeds, and [`WorkNotices::result`] lists the user as forbidden.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::channel::{at_most_bytes, ids, no_mentions, Channel};
use super::shape::Message;
use crate::config::positive_agent_id;
use crate::dialect::{missing, Family};
use crate::error::{Error, Result};
use crate::exec::{ApiRequest, Executor, Repeat};

const SEND: &str = "/topapi/message/corpconversation/asyncsend_v2";
const PROGRESS: &str = "/topapi/message/corpconversation/getsendprogress";
const RESULT: &str = "/topapi/message/corpconversation/getsendresult";
const RECALL: &str = "/topapi/message/corpconversation/recall";

/// Most users of one send (DingTalk's limit).
pub const MAX_NOTICE_USERS: usize = 5000;
/// Most departments of one send (DingTalk's limit).
pub const MAX_NOTICE_DEPTS: usize = 500;
/// The longest `msg`, in bytes of its JSON (DingTalk's limit).
pub const MAX_NOTICE_BYTES: usize = 2048;

/// The lists of `getsendresult`'s `send_result`, each a list even when DingTalk leaves it out.
pub const RESULT_LISTS: [&str; 7] = [
    "invalid_user_id_list",
    "forbidden_user_id_list",
    "failed_user_id_list",
    "read_user_id_list",
    "unread_user_id_list",
    "invalid_dept_id_list",
    "forbidden_list",
];

/// How this channel is named in refusals.
const CHANNEL: &str = "a work notification";

/// A send's options besides the users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeOptions {
    /// Another agent_id than the handle's.
    pub agent_id: Option<i64>,
    /// Departments whose members receive it (`dept_id_list`).
    pub dept_ids: Vec<i64>,
    /// Everyone in the organisation (`to_all_user`).
    pub to_all_user: bool,
}

/// Whom a work notification goes to.
pub(crate) struct NoticeTo<'a> {
    agent_id: i64,
    user_ids: &'a [String],
    options: &'a NoticeOptions,
}

/// `asyncsend_v2`'s body.
#[derive(Serialize)]
struct SendBody<'a> {
    agent_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    userid_list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dept_id_list: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    to_all_user: bool,
    msg: &'a Value,
}

/// The work-notification channel.
pub(crate) struct WorkNoticeChannel;

impl Channel<NoticeTo<'_>> for WorkNoticeChannel {
    fn check(&self, message: &Message) -> Result<()> {
        no_mentions(message, CHANNEL)?;
        let msg = serde_json::to_vec(&message.body.to_json()).unwrap_or_default();
        at_most_bytes(&msg, MAX_NOTICE_BYTES, CHANNEL)
    }

    /// The `asyncsend_v2` request (lists comma-joined, as DingTalk wants them).
    fn request(&self, to: &NoticeTo<'_>, message: &Message) -> Result<ApiRequest> {
        let joined = |items: Vec<String>| (!items.is_empty()).then(|| items.join(","));
        let body = SendBody {
            agent_id: to.agent_id,
            userid_list: joined(to.user_ids.to_vec()),
            dept_id_list: joined(to.options.dept_ids.iter().map(i64::to_string).collect()),
            to_all_user: to.options.to_all_user,
            msg: &message.body.to_json(),
        };
        // A create: never resent once it may have reached DingTalk (a duplicate notice to
        // thousands of people is the worst outcome).
        ApiRequest::post(Family::Oapi, SEND, &body, Repeat::Unsafe)
    }
}

/// Checks the recipients of a send: some, within DingTalk's limits, none a list separator.
fn check_recipients(user_ids: &[String], options: &NoticeOptions) -> Result<()> {
    ids("userIds", user_ids, MAX_NOTICE_USERS, false)?;
    if let Some(at) = user_ids.iter().position(|id| id.contains(',')) {
        return Err(Error::invalid(
            format!("userIds[{at}]"),
            "must not hold a comma: DingTalk takes the list comma-joined",
        ));
    }
    let depts = "options[dept_ids]";
    if options.dept_ids.len() > MAX_NOTICE_DEPTS {
        return Err(Error::invalid(
            depts,
            format!(
                "must hold at most {MAX_NOTICE_DEPTS} departments (DingTalk's limit per call), {} given",
                options.dept_ids.len()
            ),
        ));
    }
    if let Some(at) = options.dept_ids.iter().position(|id| *id < 1) {
        return Err(Error::invalid(
            format!("{depts}[{at}]"),
            "must be a department id, from 1",
        ));
    }
    if user_ids.is_empty() && options.dept_ids.is_empty() && !options.to_all_user {
        return Err(Error::invalid(
            "userIds",
            "must not be empty without options[dept_ids] or options[to_all_user]: nobody would \
             receive it",
        ));
    }
    Ok(())
}

/// `asyncsend_v2`'s answer.
#[derive(Deserialize)]
struct SendAnswer {
    task_id: Option<i64>,
}

/// `getsendprogress`'s answer.
#[derive(Deserialize)]
struct ProgressAnswer {
    progress: Option<Map<String, Value>>,
}

/// `getsendresult`'s answer.
#[derive(Deserialize)]
struct ResultAnswer {
    send_result: Option<Map<String, Value>>,
}

/// A task of the app's, as the progress, result and recall calls name it.
#[derive(Serialize)]
struct TaskBody {
    agent_id: i64,
    task_id: i64,
}

/// The work-notification API of one app, sending as one agent_id.
#[derive(Clone)]
pub struct WorkNotices {
    exec: Arc<Executor>,
    agent_id: i64,
}

impl std::fmt::Debug for WorkNotices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkNotices")
            .field("agent_id", &self.agent_id)
            .finish_non_exhaustive()
    }
}

impl WorkNotices {
    /// The API as `agent_id`, or as the client's `agent_id` option; an error naming
    /// `agentId` when there is neither.
    pub(crate) fn new(exec: Arc<Executor>, agent_id: Option<i64>) -> Result<Self> {
        let agent_id = match (agent_id, exec.options().agent_id) {
            (Some(given), _) => positive_agent_id("agentId", given)?,
            (None, Some(option)) => option,
            (None, None) => {
                return Err(Error::invalid(
                    "agentId",
                    "is required: the client has no agent_id option (nor dingtalk.agent_id)",
                ))
            }
        };
        Ok(WorkNotices { exec, agent_id })
    }

    /// The agent_id the notifications are sent as.
    pub fn agent_id(&self) -> i64 {
        self.agent_id
    }

    /// Sends `message` to `user_ids` (and the departments or everyone `options` names);
    /// returns DingTalk's `task_id`. Never resent after a failure that may have reached
    /// DingTalk.
    pub fn send(
        &self,
        user_ids: &[String],
        message: &Message,
        options: &NoticeOptions,
    ) -> Result<i64> {
        check_recipients(user_ids, options)?;
        let agent_id = match options.agent_id {
            Some(given) => positive_agent_id("options[agent_id]", given)?,
            None => self.agent_id,
        };
        let to = NoticeTo {
            agent_id,
            user_ids,
            options,
        };
        let request = WorkNoticeChannel.prepare(&to, message)?;
        let answer: SendAnswer = self.exec.execute(&request, &self.exec.budget())?;
        answer.task_id.ok_or_else(|| missing(SEND, "task_id"))
    }

    /// `getsendprogress`: `progress_in_percent` and `status` (0 waiting, 1 sending, 2 done).
    pub fn progress(&self, task_id: i64) -> Result<Map<String, Value>> {
        let answer: ProgressAnswer = self.task_call(PROGRESS, task_id)?;
        answer.progress.ok_or_else(|| missing(PROGRESS, "progress"))
    }

    /// `getsendresult`: who read it, who has not, and who did not get it (invalid, failed,
    /// forbidden: a duplicate of the day, or over the daily limit); every list of
    /// [`RESULT_LISTS`] is present.
    pub fn result(&self, task_id: i64) -> Result<Map<String, Value>> {
        let answer: ResultAnswer = self.task_call(RESULT, task_id)?;
        let mut result = answer
            .send_result
            .ok_or_else(|| missing(RESULT, "send_result"))?;
        for list in RESULT_LISTS {
            if result.get(list).is_none_or(Value::is_null) {
                result.insert(list.to_owned(), Value::Array(Vec::new()));
            }
        }
        Ok(result)
    }

    /// `recall`: takes the notification back from everyone (within 24 hours of the send).
    pub fn recall(&self, task_id: i64) -> Result<bool> {
        check_task_id(task_id)?;
        let body = serde_json::json!({ "agent_id": self.agent_id, "msg_task_id": task_id });
        let request = ApiRequest::post(Family::Oapi, RECALL, &body, Repeat::Safe)?;
        let _: Value = self.exec.execute(&request, &self.exec.budget())?;
        Ok(true)
    }

    fn task_call<T: serde::de::DeserializeOwned>(&self, path: &str, task_id: i64) -> Result<T> {
        check_task_id(task_id)?;
        let body = TaskBody {
            agent_id: self.agent_id,
            task_id,
        };
        let request = ApiRequest::post(Family::Oapi, path, &body, Repeat::Safe)?;
        Ok(self.exec.execute(&request, &self.exec.budget())?)
    }
}

fn check_task_id(task_id: i64) -> Result<()> {
    if task_id < 1 {
        return Err(Error::invalid(
            "taskId",
            format!("must be a task_id send() returned, {task_id} given"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::message::channel::MESSAGE;
    use serde_json::json;

    fn name_of(result: Result<impl std::fmt::Debug>) -> String {
        match result {
            Err(Error::InvalidArgument { name, .. }) => name,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn recipients_are_checked() {
        let none = NoticeOptions::default();
        let users = |n: usize| vec!["u".to_owned(); n];
        assert_eq!(name_of(check_recipients(&[], &none)), "userIds");
        assert!(check_recipients(&users(MAX_NOTICE_USERS), &none).is_ok());
        assert_eq!(
            name_of(check_recipients(&users(MAX_NOTICE_USERS + 1), &none)),
            "userIds"
        );
        assert_eq!(
            name_of(check_recipients(&["a,b".into()], &none)),
            "userIds[0]"
        );
        assert_eq!(
            name_of(check_recipients(&["a".into(), String::new()], &none)),
            "userIds[1]"
        );
        let all = NoticeOptions {
            to_all_user: true,
            ..NoticeOptions::default()
        };
        assert!(check_recipients(&[], &all).is_ok());
        let depts = NoticeOptions {
            dept_ids: vec![1; MAX_NOTICE_DEPTS + 1],
            ..NoticeOptions::default()
        };
        assert_eq!(name_of(check_recipients(&[], &depts)), "options[dept_ids]");
    }

    #[test]
    fn the_body_joins_lists_and_carries_the_shape() {
        let message = Message::from_json(
            MESSAGE,
            &json!({"msgtype": "text", "text": {"content": "hi"}}),
        )
        .unwrap();
        let options = NoticeOptions {
            dept_ids: vec![1, 22],
            ..NoticeOptions::default()
        };
        let users = ["u1".to_owned(), "u2".to_owned()];
        let to = NoticeTo {
            agent_id: 7,
            user_ids: &users,
            options: &options,
        };
        let request = WorkNoticeChannel.request(&to, &message).unwrap();
        let body: Value = serde_json::from_slice(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"agent_id": 7, "userid_list": "u1,u2", "dept_id_list": "1,22",
                   "msg": {"msgtype": "text", "text": {"content": "hi"}}})
        );
        assert_eq!(request.repeat, Repeat::Unsafe);
    }

    #[test]
    fn a_message_over_2048_bytes_or_with_mentions_is_refused() {
        let long = json!({"msgtype": "text", "text": {"content": "x".repeat(2048)}});
        let message = Message::from_json(MESSAGE, &long).unwrap();
        assert_eq!(name_of(WorkNoticeChannel.check(&message)), "message");
        let at = json!({"msgtype": "text", "text": {"content": "x"}, "at": {"isAtAll": true}});
        let message = Message::from_json(MESSAGE, &at).unwrap();
        assert_eq!(name_of(WorkNoticeChannel.check(&message)), "message[at]");
    }
}
