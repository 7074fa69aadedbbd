//! `POST /v1.0/gateway/connections/open`: where to connect, and a one-use ticket for it.
//!
//! The subscriptions are the worker's topics (`topics.rs`). The call goes through the executor
//! like any v1.0 call (the HTTP pool, the answer cap, the redaction of the secret, retries)
//! within the connection attempt's deadline, but carries no access token: the app's key and
//! secret are its body, as `clientId` and `clientSecret`.

use reqwest::Url;
use serde::Deserialize;
use serde_json::json;

use super::topics::Topic;
use crate::budget::Budget;
use crate::deadline::Deadline;
use crate::dialect::{self, Family};
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::exec::{ApiRequest, Executor, Repeat};

pub(crate) const OPEN_PATH: &str = "/v1.0/gateway/connections/open";

#[derive(Deserialize)]
struct Answer {
    endpoint: Option<String>,
    ticket: Option<String>,
}

/// Where to connect: the endpoint with the ticket in its query, and the ticket alone (a secret
/// until it is used, removed from every error text).
pub(crate) struct Ticket {
    pub(crate) url: Url,
    pub(crate) ticket: String,
}

fn refused(what: &str) -> Error {
    TransportError::new(
        OPEN_PATH,
        TransportErrorKind::Decode,
        format!("unexpected answer: {what}"),
    )
    .into()
}

/// Asks the gateway for a ticket for `topics`, by `deadline`.
pub(crate) fn open(exec: &Executor, topics: &[Topic], deadline: Deadline) -> Result<Ticket> {
    let subscriptions: Vec<_> = topics.iter().map(Topic::subscription).collect();
    let body = json!({
        "clientId": exec.app_key(),
        "clientSecret": exec.app_secret(),
        "subscriptions": subscriptions,
        "ua": exec.options().user_agent,
    });
    // Asking twice only issues two tickets, one of which is never used.
    let request = ApiRequest::post(Family::V1, OPEN_PATH, &body, Repeat::Safe)?.without_token();
    let budget = Budget::until(deadline, deadline.left(), exec.options().max_answer_bytes);
    let answer: Answer = exec.execute(&request, &budget)?;
    let endpoint = answer
        .endpoint
        .filter(|e| !e.is_empty())
        .ok_or_else(|| dialect::missing(OPEN_PATH, "endpoint"))?;
    let ticket = answer
        .ticket
        .filter(|t| !t.is_empty())
        .ok_or_else(|| dialect::missing(OPEN_PATH, "ticket"))?;
    let url = ticket_url(&endpoint, &ticket)?;
    Ok(Ticket { url, ticket })
}

/// `endpoint?ticket=...`: a `ws://` or `wss://` endpoint with the ticket added to its query.
fn ticket_url(endpoint: &str, ticket: &str) -> Result<Url> {
    let mut url = Url::parse(endpoint).map_err(|_| refused("the endpoint is not a URL"))?;
    if !matches!(url.scheme(), "ws" | "wss") || !url.has_host() {
        return Err(refused("the endpoint is not a ws:// or wss:// URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("the endpoint holds credentials"));
    }
    url.set_fragment(None);
    // Percent-encoded as a query value, whatever the ticket holds.
    url.query_pairs_mut().append_pair("ticket", ticket);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_is_url_encoded_into_the_endpoint() {
        let url = ticket_url("wss://gw.example:443/connect?v=1#x", "a+b/c=d&e% f").unwrap();
        assert_eq!(
            url.as_str(),
            "wss://gw.example/connect?v=1&ticket=a%2Bb%2Fc%3Dd%26e%25+f"
        );
        for bad in [
            "https://gw.example/",
            "ws://",
            "wss://u:p@gw.example/",
            "nope",
        ] {
            let error = ticket_url(bad, "t").unwrap_err();
            assert!(error.to_string().contains(OPEN_PATH), "{bad}: {error}");
        }
    }
}
