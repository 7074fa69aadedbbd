//! `DingTalk\Client`.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use dingtalk_core::Stats;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use crate::args::{PhpArray, PhpStr, PhpValue};
use crate::exceptions::{to_php, type_error};
use crate::json::{array_to_json, json_array};
use crate::work_record::WorkRecord;

/// A DingTalk app's client. The token cache and the connections are shared by every client of
/// the same app in the process, so making one per request costs nothing.
#[php_class]
#[php(name = "DingTalk\\Client")]
pub struct Client {
    pub(crate) core: dingtalk_core::Client,
}

const CLASS: &str = "DingTalk\\Client";

fn method(name: &str) -> String {
    format!("{CLASS}::{name}")
}

/// `$query` of `get()`: scalar values only, sent as strings.
fn query_pairs(query: &PhpArray) -> PhpResult<Vec<(String, String)>> {
    let m = method("get");
    query
        .0
        .iter()
        .map(|(key, value)| {
            let name = format!("query[{key}]");
            let text = match value {
                PhpValue::Str(_) => value.text(&name, &m)?.to_owned(),
                PhpValue::Int(i) => i.to_string(),
                PhpValue::Float(f) => f.to_string(),
                PhpValue::Bool(b) => u8::from(*b).to_string(),
                other => {
                    return Err(type_error(
                        &m,
                        &name,
                        "string|int|float|bool",
                        other.type_name(),
                    ))
                }
            };
            let key = key.text("query").map_err(|e| to_php(e, &m))?;
            Ok((key, text))
        })
        .collect()
}

fn stats_array(stats: Stats) -> PhpResult<ZBox<ZendHashTable>> {
    let mut table = ZendHashTable::new();
    for (key, value) in [
        ("requests", stats.requests),
        ("token_fetches", stats.token_fetches),
        ("retries", stats.retries),
    ] {
        table.insert(key, i64::try_from(value).unwrap_or(i64::MAX))?;
    }
    Ok(table)
}

#[php_impl]
impl Client {
    /// `new Client(string $appKey, string $appSecret, array $options = [])`.
    #[php(defaults(options = PhpArray::empty()))]
    pub fn __construct(appKey: PhpStr, appSecret: PhpStr, options: PhpArray) -> PhpResult<Self> {
        let m = method("__construct");
        let appKey = appKey.arg("appKey", &m)?;
        let appSecret = appSecret.arg("appSecret", &m)?;
        let options = crate::options::parse(&options)?;
        let core =
            dingtalk_core::Client::new(appKey, appSecret, options).map_err(|e| to_php(e, &m))?;
        Ok(Client { core })
    }

    /// A valid access token, from the process-wide cache or fetched.
    #[php(defaults(forceRefresh = false))]
    pub fn get_access_token(&self, forceRefresh: bool) -> PhpResult<String> {
        self.core
            .access_token(forceRefresh)
            .map_err(|e| to_php(e, &method("getAccessToken")))
    }

    /// Any oapi GET; returns the whole decoded body.
    #[php(defaults(query = PhpArray::empty()))]
    pub fn get(&self, path: PhpStr, query: PhpArray) -> PhpResult<ZBox<ZendHashTable>> {
        let m = method("get");
        let path = path.arg("path", &m)?;
        let pairs = query_pairs(&query)?;
        self.core
            .get(path, &pairs)
            .map(|answer| json_array(&answer))
            .map_err(|e| to_php(e, &m))
    }

    /// Any oapi POST with a JSON body; returns the whole decoded body.
    #[php(defaults(body = PhpArray::empty()))]
    pub fn post(&self, path: PhpStr, body: PhpArray) -> PhpResult<ZBox<ZendHashTable>> {
        let m = method("post");
        let path = path.arg("path", &m)?;
        let body = array_to_json(&body, "body").map_err(|e| to_php(e, &m))?;
        // An empty PHP array is an empty JSON object here: a body is always an object.
        let body = match body {
            serde_json::Value::Array(items) if items.is_empty() => {
                serde_json::Value::Object(Default::default())
            }
            other => other,
        };
        self.core
            .post(path, &body)
            .map(|answer| json_array(&answer))
            .map_err(|e| to_php(e, &m))
    }

    /// The work-record API of this app.
    pub fn work_records(&self) -> WorkRecord {
        WorkRecord::of(&self.core)
    }

    /// This app's counters in this process.
    pub fn stats(&self) -> PhpResult<ZBox<ZendHashTable>> {
        stats_array(self.core.stats())
    }
}
