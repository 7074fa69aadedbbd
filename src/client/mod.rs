//! `DingTalk\Client`.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

pub mod config;
pub mod ini;
mod options;

use dingtalk_core::Stats;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use crate::exceptions::OrThrow;
use crate::log::{self, Log};
use crate::php::arg_error::ArgError;
use crate::php::args::{ArrayArg, PhpStr};
use crate::php::json::{answer_array, object_to_json};
use crate::php::value::{finite, PhpArray, PhpValue};
use crate::robot::Bot;
use crate::todo::Todo;
use crate::worknotice::WorkNotice;
use crate::workrecord::WorkRecord;

/// A DingTalk app's client. The token cache and the connections are shared by every client of
/// the same app in the process, so making one per request costs nothing.
#[php_class]
#[php(name = "DingTalk\\Client")]
pub struct Client {
    pub(crate) core: dingtalk_core::Client,
    /// `options[logger]`, shared with the objects made from this client.
    pub(crate) log: Log,
}

/// `$query` of `get()` and `request()`: scalar values only, sent as strings; the numbers `post()` would send.
fn query_pairs(query: &PhpArray) -> Result<Vec<(String, String)>, ArgError> {
    query
        .0
        .iter()
        .map(|(key, value)| {
            let name = format!("query[{key}]");
            let text = match value {
                PhpValue::Str(_) => value.string(&name)?.to_owned(),
                PhpValue::Int(i) => i.to_string(),
                PhpValue::Float(f) => finite(*f, &name)?.to_string(),
                PhpValue::Bool(b) => u8::from(*b).to_string(),
                other => {
                    return Err(ArgError::of_type(
                        name,
                        "string|int|float|bool",
                        other.type_name(),
                    ))
                }
            };
            Ok((key.text("query")?, text))
        })
        .collect()
}

fn stats_array(stats: Stats) -> PhpResult<ZBox<ZendHashTable>> {
    let mut table = ZendHashTable::new();
    for (key, value) in [
        ("requests", stats.requests),
        ("token_fetches", stats.token_fetches),
        ("retries", stats.retries),
        ("store_errors", stats.store_errors),
        ("rate_limit_wait_ms", stats.rate_limit_wait_ms),
    ] {
        table.insert(key, i64::try_from(value).unwrap_or(i64::MAX))?;
    }
    Ok(table)
}

#[php_impl]
impl Client {
    /// `new Client(string $appKey, string $appSecret, array $options = [])`.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn __construct(appKey: PhpStr, appSecret: PhpStr, options: ArrayArg) -> PhpResult<Self> {
        let appKey = appKey.arg("appKey")?;
        let appSecret = appSecret.arg("appSecret")?;
        let config = config::options(&options.copy("options")?)?;
        let log = Log::of(options.entry(log::OPTION), "options[logger]")?;
        let core = dingtalk_core::Client::observed(appKey, appSecret, config, log.observer())
            .or_throw()?;
        Ok(Client { core, log })
    }

    /// A valid access token, from the process-wide cache or fetched.
    #[php(defaults(forceRefresh = false))]
    pub fn get_access_token(&self, forceRefresh: bool) -> PhpResult<String> {
        self.log.result(self.core.access_token(forceRefresh))
    }

    /// Any oapi GET; returns the whole decoded body.
    #[php(defaults(query = ArrayArg::Empty))]
    pub fn get(&self, path: PhpStr, query: ArrayArg) -> PhpResult<ZBox<ZendHashTable>> {
        let path = path.arg("path")?;
        let pairs = query_pairs(&query.copy("query")?)?;
        Ok(answer_array(
            &self.log.result(self.core.get(path, &pairs))?,
        )?)
    }

    /// Any oapi POST with a JSON body; returns the whole decoded body.
    #[php(defaults(body = ArrayArg::Empty))]
    pub fn post(&self, path: PhpStr, body: ArrayArg) -> PhpResult<ZBox<ZendHashTable>> {
        let path = path.arg("path")?;
        let body = object_to_json(&body.copy("body")?, "body")?;
        Ok(answer_array(
            &self.log.result(self.core.post(path, &body))?,
        )?)
    }

    /// Any v1.0 call on `api_base_url`: the token in its header, JSON in and out; `[]` for an
    /// empty answer.
    #[php(defaults(query = ArrayArg::Empty))]
    pub fn request(
        &self,
        method: PhpStr,
        path: PhpStr,
        query: ArrayArg,
        body: Option<ArrayArg>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let method = method.arg("method")?;
        let path = path.arg("path")?;
        let pairs = query_pairs(&query.copy("query")?)?;
        let body = match body {
            Some(body) => Some(object_to_json(&body.copy("body")?, "body")?),
            None => None,
        };
        let answer = self
            .log
            .result(self.core.request(method, path, &pairs, body.as_ref()))?;
        Ok(answer_array(&answer)?)
    }

    /// The unionId of a user (v1.0 APIs name users by it), cached per app and process.
    pub fn union_id(&self, userId: PhpStr) -> PhpResult<String> {
        let userId = userId.arg("userId")?;
        self.log.result(self.core.union_id(userId))
    }

    /// The to-do API of this app.
    pub fn todos(&self) -> Todo {
        Todo::of(self)
    }

    /// The work-record API of this app.
    pub fn work_records(&self) -> WorkRecord {
        WorkRecord::of(self)
    }

    /// The work-notification API of this app, as `$agentId` or the `agent_id` option.
    pub fn work_notices(&self, agentId: Option<i64>) -> PhpResult<WorkNotice> {
        WorkNotice::of(self, agentId)
    }

    /// The app's robot, `$robotCode` or by default the app's own.
    pub fn bot(&self, robotCode: Option<PhpStr>) -> PhpResult<Bot> {
        let robotCode = PhpStr::optional(robotCode.as_ref(), "robotCode")?;
        Bot::of(self, robotCode)
    }

    /// This app's counters in this process.
    pub fn stats(&self) -> PhpResult<ZBox<ZendHashTable>> {
        stats_array(self.core.stats())
    }
}
