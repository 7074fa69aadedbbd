//! `GET /gettoken`: the token both API families use (DingTalk accepts it in the v1.0 header).
//!
//! A token-bearing answer is never quoted in an error: any token it holds is a secret from the
//! moment it arrives, even in an answer that is refused, and a malformed body that mentions
//! `access_token` is not shown at all (no search can be sure to find the token in it).

use std::fmt;
use std::time::Duration;

use reqwest::blocking::Client as HttpClient;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::budget::Budget;
use crate::dialect::{self, Dialect, Disclosure};
use crate::error::{Error, Result};
use crate::http::{self, AnswerLimit, Exchange};
use crate::redact::mentions;

pub(crate) const TOKEN_PATH: &str = "/gettoken";
/// The key of the token in the answer.
const ACCESS_TOKEN: &str = "access_token";

/// DingTalk's documented lifetime, used when an answer leaves it out.
const DEFAULT_TTL_SECS: u64 = 7200;
/// An absurd lifetime from a broken server is capped at a day.
const MAX_TTL_SECS: u64 = 86_400;

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

/// Who asks for a token, where, and how.
pub(crate) struct TokenRequest<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) app_key: &'a str,
    pub(crate) app_secret: &'a str,
    pub(crate) user_agent: &'a str,
    pub(crate) max_answer_bytes: usize,
}

/// Fetches a new token and its lifetime.
pub(crate) fn fetch(
    client: &HttpClient,
    request: &TokenRequest<'_>,
    budget: &Budget,
) -> Result<(String, Duration)> {
    let timeout = budget.remaining(TOKEN_PATH)?;
    let mut url =
        reqwest::Url::parse(&format!("{}{TOKEN_PATH}", request.base_url)).map_err(|e| {
            Error::invalid(
                "options[base_url]",
                format!("does not form a valid URL: {e}"),
            )
        })?;
    url.query_pairs_mut()
        .append_pair("appkey", request.app_key)
        .append_pair("appsecret", request.app_secret);
    let exchange = Exchange {
        path: TOKEN_PATH,
        timeout,
        user_agent: request.user_agent,
        limit: AnswerLimit {
            left: request.max_answer_bytes,
            option: request.max_answer_bytes,
        },
        secrets: &[request.app_secret],
    };
    let raw = http::send(client.get(url), &exchange)?;
    let issued = token_values(&raw.body);
    let mut secrets = vec![request.app_secret];
    secrets.extend(issued.iter().map(String::as_str));
    let disclosure = Disclosure {
        secrets: &secrets,
        quote_body: !mentions(&raw.body, ACCESS_TOKEN),
    };
    dialect::oapi::Oapi.judge(TOKEN_PATH, &raw, disclosure)?;
    let answer: TokenAnswer = dialect::decode(TOKEN_PATH, &raw, disclosure)?;
    let token = answer
        .access_token
        .filter(|token| !token.is_empty())
        .ok_or_else(|| dialect::missing(TOKEN_PATH, ACCESS_TOKEN))?;
    let ttl = answer
        .expires_in
        .unwrap_or(DEFAULT_TTL_SECS)
        .min(MAX_TTL_SECS);
    Ok((token, Duration::from_secs(ttl)))
}

/// Every string an answer holds under an `access_token` key, at any depth, duplicates included
/// (a typed decode would stop at the first duplicate, a `Value` keep only the last).
pub(crate) fn token_values(body: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    // A body that is not JSON holds no findable token: such a body is never quoted either.
    let _ = TokenFinder { found: &mut found }.deserialize(&mut deserializer);
    found
}

/// Walks any JSON value, collecting the strings found under `access_token` keys.
struct TokenFinder<'a> {
    found: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for TokenFinder<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TokenFinder<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq
            .next_element_seed(TokenFinder {
                found: &mut *self.found,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == ACCESS_TOKEN {
                match map.next_value::<Value>()? {
                    Value::String(token) => self.found.push(token),
                    other => self.found.push(other.to_string()),
                }
            } else {
                map.next_value_seed(TokenFinder {
                    found: &mut *self.found,
                })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_values_are_found_under_any_spelling_and_in_duplicates() {
        let body = br#"{"errcode":1,"access_token":"first","x":[{"access_token":"nested"}],"access\u005ftoken":"escaped","access_token":7}"#;
        assert_eq!(token_values(body), ["first", "nested", "escaped", "7"]);
        assert!(token_values(b"<html>").is_empty());
    }
}
