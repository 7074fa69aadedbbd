//! `DingTalk\Bot`: the app's robot (企业内部机器人), to people one by one or to a group.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use serde_json::{json, Value};

use crate::client::Client;
use crate::log::Log;
use crate::message_arg::{self, strings};
use crate::php::args::{ArrayArg, PhpStr};
use crate::php::json::answer_array;

/// The app robot of one app, sending as one robot code.
#[php_class]
#[php(name = "DingTalk\\Bot")]
pub struct Bot {
    api: dingtalk_core::Bot,
    log: Log,
}

impl Bot {
    pub(crate) fn of(client: &Client, robot_code: Option<&str>) -> PhpResult<Self> {
        let log = client.log.clone();
        let api = log.result(client.core.bot(robot_code))?;
        Ok(Bot { api, log })
    }
}

#[php_impl]
impl Bot {
    /// `new Bot(Client $client, ?string $robotCode = null)`.
    pub fn __construct(client: &Client, robotCode: Option<PhpStr>) -> PhpResult<Self> {
        let robotCode = PhpStr::optional(robotCode.as_ref(), "robotCode")?;
        Bot::of(client, robotCode)
    }

    /// The robot code the messages are sent as.
    pub fn robot_code(&self) -> String {
        self.api.robot_code().to_owned()
    }

    /// Sends `$message` to each of `$userIds` (1 to 20): `['processQueryKey' => ...,
    /// 'invalidStaffIdList' => [...], 'flowControlledStaffIdList' => [...]]`, the users it did
    /// not reach in the two lists.
    pub fn send_to_users(
        &self,
        userIds: ArrayArg,
        message: ArrayArg,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let userIds = strings(&userIds.copy("userIds")?, "userIds")?;
        let message = message_arg::message(&message)?;
        let sent = self
            .log
            .result(self.api.send_to_users(&userIds, &message))?;
        Ok(answer_array(&json!({
            "processQueryKey": sent.process_query_key,
            "invalidStaffIdList": sent.invalid_user_ids,
            "flowControlledStaffIdList": sent.flow_controlled_user_ids,
        }))?)
    }

    /// Sends `$message` to a group the robot is in; returns the processQueryKey of the send.
    pub fn send_to_group(
        &self,
        openConversationId: PhpStr,
        message: ArrayArg,
    ) -> PhpResult<String> {
        let openConversationId = openConversationId.arg("openConversationId")?;
        let message = message_arg::message(&message)?;
        self.log
            .result(self.api.send_to_group(openConversationId, &message))
    }

    /// Takes sends back (with `$openConversationId`, sends to that group): `['successResult' =>
    /// [...], 'failedResult' => [key => reason]]`.
    pub fn recall(
        &self,
        processQueryKeys: ArrayArg,
        openConversationId: Option<PhpStr>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let keys = strings(
            &processQueryKeys.copy("processQueryKeys")?,
            "processQueryKeys",
        )?;
        let conversation = PhpStr::optional(openConversationId.as_ref(), "openConversationId")?;
        let answer = self.log.result(self.api.recall(&keys, conversation))?;
        Ok(answer_array(&Value::Object(answer))?)
    }

    /// Who read a send to users: `['sendStatus' => ..., 'messageReadInfoList' => [...]]`.
    pub fn read_status(&self, processQueryKey: PhpStr) -> PhpResult<ZBox<ZendHashTable>> {
        let key = processQueryKey.arg("processQueryKey")?;
        let status = self.log.result(self.api.read_status(key))?;
        Ok(answer_array(&Value::Object(status))?)
    }
}
