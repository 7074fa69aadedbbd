//! `DingTalk\WorkNotice`: work notifications (工作通知), from the app to people.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use dingtalk_core::{NoticeOptions, WorkNotices};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use serde_json::Value;

use crate::client::Client;
use crate::log::Log;
use crate::message_arg::{self, strings};
use crate::php::arg_error::ArgError;
use crate::php::args::ArrayArg;
use crate::php::json::answer_array;
use crate::php::value::{PhpArray, PhpValue};

/// The keys of `send()`'s `$options`.
const SEND_OPTIONS: [&str; 3] = ["agent_id", "dept_ids", "to_all_user"];

/// The work-notification API of one app, sending as one agent_id.
#[php_class]
#[php(name = "DingTalk\\WorkNotice")]
pub struct WorkNotice {
    api: WorkNotices,
    log: Log,
}

impl WorkNotice {
    pub(crate) fn of(client: &Client, agent_id: Option<i64>) -> PhpResult<Self> {
        let log = client.log.clone();
        let api = log.result(client.core.work_notices(agent_id))?;
        Ok(WorkNotice { api, log })
    }
}

/// `send()`'s `$options`.
fn send_options(array: &PhpArray) -> Result<NoticeOptions, ArgError> {
    let mut options = NoticeOptions::default();
    for (key, value) in array.options(&SEND_OPTIONS)? {
        let name = format!("options[{key}]");
        match key {
            "agent_id" => options.agent_id = Some(value.int(&name)?),
            "dept_ids" => {
                let PhpValue::Array(ids) = value else {
                    return Err(ArgError::of_type(name, "array", value.type_name()));
                };
                options.dept_ids = ids
                    .0
                    .iter()
                    .map(|(i, id)| id.int(&format!("{name}[{i}]")))
                    .collect::<Result<_, _>>()?;
            }
            _ => {
                let PhpValue::Bool(all) = value else {
                    return Err(ArgError::of_type(name, "bool", value.type_name()));
                };
                options.to_all_user = *all;
            }
        }
    }
    Ok(options)
}

#[php_impl]
impl WorkNotice {
    /// `new WorkNotice(Client $client, ?int $agentId = null)`.
    pub fn __construct(client: &Client, agentId: Option<i64>) -> PhpResult<Self> {
        WorkNotice::of(client, agentId)
    }

    /// The agent_id the notifications are sent as.
    pub fn agent_id(&self) -> i64 {
        self.api.agent_id()
    }

    /// Sends `$message` to `$userIds` (and `$options`' departments, or everyone); returns
    /// DingTalk's task_id.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn send(&self, userIds: ArrayArg, message: ArrayArg, options: ArrayArg) -> PhpResult<i64> {
        let userIds = strings(&userIds.copy("userIds")?, "userIds")?;
        let message = message_arg::message(&message)?;
        let options = send_options(&options.copy("options")?)?;
        self.log.result(self.api.send(&userIds, &message, &options))
    }

    /// The progress of a send: `['progress_in_percent' => int, 'status' => int]`.
    pub fn progress(&self, taskId: i64) -> PhpResult<ZBox<ZendHashTable>> {
        let progress = self.log.result(self.api.progress(taskId))?;
        Ok(answer_array(&Value::Object(progress))?)
    }

    /// Who read a send, who has not, and who did not get it.
    pub fn result(&self, taskId: i64) -> PhpResult<ZBox<ZendHashTable>> {
        let result = self.log.result(self.api.result(taskId))?;
        Ok(answer_array(&Value::Object(result))?)
    }

    /// Takes a send back from everyone.
    pub fn recall(&self, taskId: i64) -> PhpResult<bool> {
        self.log.result(self.api.recall(taskId))
    }
}
