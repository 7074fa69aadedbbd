//! `DingTalk\Bot`: the app's robot (企业内部机器人), to people one by one or to a group.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::FromZval;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use serde_json::{json, Value};

use crate::card::{card_data, Card};
use crate::client::Client;
use crate::exceptions::OrThrow;
use crate::log::Log;
use crate::message_arg::{self, strings};
use crate::php::arg_error::ArgError;
use crate::php::args::{ArrayArg, PhpStr};
use crate::php::json::{answer_array, object_to_json};
use crate::php::type_name::type_name;
use crate::php::value::PhpValue;

/// The keys of `card()`'s `$options`.
const CARD_OPTIONS: [&str; 1] = ["interval"];

/// `card()`'s `$options`.
fn card_options(options: &ArrayArg) -> PhpResult<dingtalk_core::CardOptions> {
    let mut card = dingtalk_core::CardOptions::default();
    for (key, value) in options.copy("options")?.options(&CARD_OPTIONS)? {
        let secs = match value {
            PhpValue::Int(_) | PhpValue::Float(_) => value.float(&format!("options[{key}]"))?,
            other => {
                let name = format!("options[{key}]");
                return Err(ArgError::of_type(name, "float", other.type_name()).into());
            }
        };
        card = card.interval(secs).or_throw()?;
    }
    Ok(card)
}

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

    /// Answers the bot message `$event` (as a Stream worker's `$onEvent` got it) with
    /// `$message`, in its conversation: through its session webhook while that lives, else
    /// through the robot.
    pub fn reply(&self, event: ArrayArg, message: ArrayArg) -> PhpResult<()> {
        let event = object_to_json(&event.copy("event")?, "event")?;
        let message = message_arg::message(&message)?;
        self.log.result(self.api.reply(&event, &message))?;
        Ok(())
    }

    /// Creates an interactive card and delivers it to the conversation of the bot message
    /// `$to`, or to the open space `$to` names.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn card(
        &self,
        to: &Zval,
        templateId: PhpStr,
        data: ArrayArg,
        options: ArrayArg,
    ) -> PhpResult<Card> {
        let templateId = templateId.arg("templateId")?;
        let data = card_data(&data)?;
        let options = card_options(&options)?;
        let card = if let Some(event) = ArrayArg::from_zval(to) {
            let event = object_to_json(&event.copy("to")?, "to")?;
            let to = dingtalk_core::CardTo::Event(&event);
            self.api.card(to, templateId, &data, options)
        } else if let Some(space) = PhpStr::from_zval(to) {
            let to = dingtalk_core::CardTo::Space(space.arg("to")?);
            self.api.card(to, templateId, &data, options)
        } else {
            // Not reached while `$to` is declared `array|string` (php/union.rs): the argument
            // parsing has made anything else a string, or refused it.
            let given = type_name(to);
            return Err(ArgError::of_type("to", "array|string", &given).into());
        };
        Ok(Card::of(self.log.result(card)?, self.log.clone()))
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
