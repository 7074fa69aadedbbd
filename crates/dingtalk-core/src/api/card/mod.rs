//! Interactive cards (DingTalk's card API, v1.0), as a bot answers with them: created and
//! delivered in one call to the conversation of a bot message or to any open space
//! (`createAndDeliver`, with the `STREAM` callback type, so that a user's press on a button
//! reaches the app's Stream workers), then streamed into key by key (an AI answer growing as it
//! is written: `coalesce.rs`) and updated.
//!
//! - `space.rs`: the `openSpaceId` and the deliver models;
//! - `coalesce.rs`: streaming, coalesced: at most one update in flight per card, only the newest
//!   content of a key sent, the final one never dropped.

mod coalesce;
mod space;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::api::conversation::Conversation;
use crate::config::seconds;
use crate::dialect::Family;
use crate::error::{Error, Result};
use crate::exec::{ApiRequest, Executor, Repeat};
use crate::random;
use crate::validate::require;
use coalesce::{Coalescer, Update};
use space::Space;

const CREATE_AND_DELIVER: &str = "/v1.0/card/instances/createAndDeliver";
const STREAMING: &str = "/v1.0/card/streaming";
const INSTANCES: &str = "/v1.0/card/instances";

/// The least time between two streaming updates of one card unless the caller says otherwise.
pub const DEFAULT_STREAM_INTERVAL: Duration = Duration::from_millis(500);
/// The longest `interval` a caller may ask for.
pub const MAX_STREAM_INTERVAL: Duration = Duration::from_secs(60);

/// Where a card goes.
#[derive(Debug, Clone, Copy)]
pub enum CardTo<'a> {
    /// The conversation of a bot message: the event a Stream worker's handler got.
    Event(&'a Value),
    /// An `openSpaceId` (`dtv1.card//IM_ROBOT.<userid>`, `dtv1.card//IM_GROUP.<cid>`).
    Space(&'a str),
}

/// How a card is streamed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardOptions {
    interval: Duration,
}

impl Default for CardOptions {
    fn default() -> Self {
        CardOptions {
            interval: DEFAULT_STREAM_INTERVAL,
        }
    }
}

impl CardOptions {
    /// The least time, in seconds, between two streaming updates of the card (0 to 60;
    /// default 0.5): content given meanwhile only replaces what waits.
    pub fn interval(mut self, secs: f64) -> Result<Self> {
        let interval = seconds("options[interval]", secs, true)?;
        if interval > MAX_STREAM_INTERVAL {
            return Err(Error::invalid(
                "options[interval]",
                format!(
                    "must be at most {} seconds, {secs} given",
                    MAX_STREAM_INTERVAL.as_secs()
                ),
            ));
        }
        self.interval = interval;
        Ok(self)
    }
}

/// `cardParamMap` from a caller's `data` (argument `name`): values are strings in DingTalk's
/// card API; numbers and booleans are written as text.
pub(crate) fn card_params(name: &str, data: &Value) -> Result<Map<String, Value>> {
    let Value::Object(data) = data else {
        return Err(Error::invalid(
            name,
            "must be an array of field => value (the card template's variables)",
        ));
    };
    data.iter()
        .map(|(key, value)| {
            let field = format!("{name}[{key}]");
            require(&field, key)?;
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(Error::invalid(
                        field,
                        "must be a string, a number or a bool (a card's variables are text; \
                         json_encode() a list or an object)",
                    ))
                }
            };
            Ok((key.clone(), Value::String(text)))
        })
        .collect()
}

/// DingTalk's answer to `createAndDeliver`.
#[derive(Deserialize)]
struct Created {
    #[serde(default)]
    result: Option<CreatedResult>,
}

#[derive(Deserialize)]
struct CreatedResult {
    #[serde(rename = "deliverResults", default)]
    deliver_results: Vec<Value>,
}

/// A card this client created: its id, where it was delivered, and its streaming state.
pub struct Card {
    out_track_id: String,
    exec: Arc<Executor>,
    deliveries: Vec<Value>,
    stream: Coalescer,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Card")
            .field("out_track_id", &self.out_track_id)
            .finish_non_exhaustive()
    }
}

impl Card {
    /// Creates a card of template `template_id` with `data`, delivers it `to` a conversation
    /// or space by the robot `robot_code`, and returns it.
    pub(crate) fn create(
        exec: Arc<Executor>,
        robot_code: &str,
        to: CardTo<'_>,
        template_id: &str,
        data: &Value,
        options: CardOptions,
    ) -> Result<Card> {
        let space = match to {
            CardTo::Event(event) => Space::of(&Conversation::of_event(event)?)?,
            CardTo::Space(id) => Space::parse("to", id)?,
        };
        require("templateId", template_id)?;
        let params = card_params("data", data)?;
        // The client's own id of the card: the create carries it, so it is safe to resend.
        let out_track_id = format!("dt{}", random::id_hex(16));
        let mut body = space.models(robot_code);
        body.insert("cardTemplateId".into(), template_id.into());
        body.insert("outTrackId".into(), out_track_id.clone().into());
        body.insert("openSpaceId".into(), space.open_space_id.clone().into());
        body.insert("cardData".into(), json!({ "cardParamMap": params }));
        // So that the card's callbacks (a button pressed) reach the app's Stream workers.
        body.insert("callbackType".into(), "STREAM".into());
        let request = ApiRequest::post(
            Family::V1,
            CREATE_AND_DELIVER,
            &Value::Object(body),
            Repeat::for_create(true),
        )?;
        let created: Created = exec.execute(&request, &exec.budget())?;
        let deliveries = created
            .result
            .map(|r| r.deliver_results)
            .unwrap_or_default();
        let stream = streaming(Arc::clone(&exec), &out_track_id, options.interval);
        Ok(Card {
            out_track_id,
            exec,
            deliveries,
            stream,
        })
    }

    /// The card's `outTrackId`, made by this client.
    pub fn out_track_id(&self) -> &str {
        &self.out_track_id
    }

    /// DingTalk's `deliverResults`: for each space, whether the card got there
    /// (`spaceType`, `spaceId`, `success`, `errorMsg`, `carrierId`).
    pub fn deliveries(&self) -> &[Value] {
        &self.deliveries
    }

    /// Streams `content`, the whole text of the card's field `key` so far, into the card:
    /// coalesced (see `coalesce.rs`). Returns at once unless `last`; the final update of a key
    /// returns once sent. An error is an update's that failed since the last call (the final
    /// update's own, for a final one).
    pub fn stream(&self, key: &str, content: &str, last: bool) -> Result<()> {
        require("key", key)?;
        self.stream.stream(key, content, last)
    }

    /// Sets fields of the card (`cardParamMap`, merged key by key: the others keep their
    /// values). Safe to resend: it sets a state.
    pub fn update(&self, data: &Value) -> Result<()> {
        let params = card_params("data", data)?;
        let body = json!({
            "outTrackId": self.out_track_id,
            "cardData": { "cardParamMap": params },
            "cardUpdateOptions": { "updateCardDataByKey": true },
        });
        let request =
            ApiRequest::new(Family::V1, Method::PUT, INSTANCES, Repeat::Safe).json(&body)?;
        let _: serde::de::IgnoredAny = self.exec.execute(&request, &self.exec.budget())?;
        Ok(())
    }
}

/// The streaming state of card `out_track_id`: each update a `PUT /v1.0/card/streaming` of the
/// key's whole content (`isFull`), with a `guid` of its own, which makes a resend harmless.
fn streaming(exec: Arc<Executor>, out_track_id: &str, interval: Duration) -> Coalescer {
    let id = out_track_id.to_owned();
    // The update in flight and the final one, each within the client's timeout.
    let patience = interval + exec.options().timeout * 2 + Duration::from_secs(1);
    let send = move |update: &Update| -> Result<()> {
        let body = json!({
            "outTrackId": id,
            "guid": random::id_hex(16),
            "key": update.key,
            "content": update.content,
            "isFull": true,
            "isFinalize": update.last,
            "isError": false,
        });
        let request =
            ApiRequest::new(Family::V1, Method::PUT, STREAMING, Repeat::Safe).json(&body)?;
        let _: serde::de::IgnoredAny = exec.execute(&request, &exec.budget())?;
        Ok(())
    };
    Coalescer::new(Box::new(send), interval, patience, STREAMING)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_params_are_text() {
        let data = json!({"title": "t", "count": 3, "done": false});
        let params = card_params("data", &data).unwrap();
        assert_eq!(
            Value::Object(params),
            json!({"title": "t", "count": "3", "done": "false"})
        );
        for (bad, name) in [
            (json!({"x": [1]}), "data[x]"),
            (json!({"x": null}), "data[x]"),
            (json!({"": "v"}), "data[]"),
            (json!([1]), "data"),
        ] {
            assert!(
                matches!(card_params("data", &bad), Err(Error::InvalidArgument { name: n, .. }) if n == name),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_interval_is_checked() {
        assert!(CardOptions::default().interval(0.0).is_ok());
        for bad in [-1.0, 61.0, f64::NAN] {
            assert!(
                matches!(CardOptions::default().interval(bad),
                    Err(Error::InvalidArgument { name, .. }) if name == "options[interval]"),
                "{bad}"
            );
        }
    }
}
