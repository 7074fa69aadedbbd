//! Every card created, by `outTrackId`, with its current data: what a user would see now.
//! Streaming applies each `guid` once (a retried update changes nothing); a callback's answer
//! updates the data as `PUT /v1.0/card/instances` does.
//!
//! It keeps the newest [`CAPACITY`] cards, and per card the newest [`GUIDS`] guids, so a long
//! benchmark cannot grow it without bound.

use std::collections::{BTreeMap, HashSet, VecDeque};

use serde_json::{json, Map, Value};

use super::fields::{data_update, DataUpdate, NewCard, StreamUpdate};
use crate::clock::now_millis;

/// The most cards kept; the oldest are forgotten first.
pub const CAPACITY: usize = 10_000;
/// The most streaming guids a card remembers.
pub const GUIDS: usize = 10_000;

/// One key streamed into.
#[derive(Debug, Clone, Default)]
struct Streamed {
    updates: u64,
    finalized: bool,
    error: bool,
}

/// A card callback a test raised, and whether it went over Stream.
#[derive(Debug, Clone)]
pub struct Action {
    pub user: String,
    pub action: Option<String>,
    /// The callback's id in the Stream log; `None` when it was not delivered over Stream.
    pub callback: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Card {
    pub new: NewCard,
    /// The app (key) that created it.
    pub app: String,
    /// Its data now: `cardParamMap` after every update.
    data: Map<String, Value>,
    private_data: Map<String, Value>,
    streamed: BTreeMap<String, Streamed>,
    /// Streaming calls that changed it (a repeated guid does not).
    updates: u64,
    guids: HashSet<String>,
    guid_order: VecDeque<String>,
    actions: Vec<Action>,
    created_at: u64,
    updated_at: u64,
}

impl Card {
    /// Whether its callbacks go over Stream: created with `callbackType` `STREAM`.
    pub fn streams_callbacks(&self) -> bool {
        self.new.callback_type.as_deref() == Some("STREAM")
    }

    fn apply_stream(&mut self, update: &StreamUpdate) {
        let value = match (update.is_full, self.data.get(&update.key)) {
            (false, Some(Value::String(before))) => format!("{before}{}", update.content),
            _ => update.content.clone(),
        };
        self.data.insert(update.key.clone(), Value::String(value));
        let streamed = self.streamed.entry(update.key.clone()).or_default();
        streamed.updates += 1;
        streamed.finalized |= update.is_finalize;
        streamed.error |= update.is_error;
        self.updates += 1;
        self.updated_at = now_millis();
    }

    fn remember_guid(&mut self, guid: &str) -> bool {
        if !self.guids.insert(guid.to_owned()) {
            return false;
        }
        self.guid_order.push_back(guid.to_owned());
        if self.guid_order.len() > GUIDS {
            if let Some(oldest) = self.guid_order.pop_front() {
                self.guids.remove(&oldest);
            }
        }
        true
    }

    fn apply(&mut self, update: &DataUpdate) {
        if let Some(data) = &update.card_data {
            merge(&mut self.data, data, update.card_data_by_key);
        }
        if let Some(private) = &update.private_data {
            merge(&mut self.private_data, private, update.private_data_by_key);
        }
        self.updated_at = now_millis();
    }

    /// The card as `GET /_emulator/cards` shows it.
    pub fn to_json(&self) -> Value {
        let streamed: Map<String, Value> = self
            .streamed
            .iter()
            .map(|(key, s)| {
                let shown =
                    json!({"updates": s.updates, "finalized": s.finalized, "error": s.error});
                (key.clone(), shown)
            })
            .collect();
        let spaces: Vec<Value> = self
            .new
            .spaces
            .iter()
            .map(|s| json!({"spaceType": s.kind, "spaceId": s.id}))
            .collect();
        let actions: Vec<Value> = self
            .actions
            .iter()
            .map(|a| json!({"user": a.user, "action": a.action, "callback": a.callback}))
            .collect();
        json!({
            "outTrackId": self.new.out_track_id,
            "app": self.app,
            "cardTemplateId": self.new.template_id,
            "spaces": spaces,
            "callbackType": self.new.callback_type,
            "callbackRouteKey": self.new.callback_route_key,
            "cardParamMap": self.data,
            "privateData": self.private_data,
            "streaming": streamed,
            "updates": self.updates,
            "actions": actions,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// `update` into `data`: key by key, or in its place.
fn merge(data: &mut Map<String, Value>, update: &Map<String, Value>, by_key: bool) {
    if !by_key {
        data.clear();
    }
    data.extend(update.iter().map(|(k, v)| (k.clone(), v.clone())));
}

/// Why a card call changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No card of the caller's app has this `outTrackId`.
    Unknown,
    /// The `outTrackId` is taken by another card (another template or app).
    Taken,
}

#[derive(Default)]
pub struct CardStore {
    cards: BTreeMap<String, Card>,
    /// `outTrackId`s, oldest first.
    order: VecDeque<String>,
}

impl CardStore {
    /// Keeps a new card of `app`. The same card again (same app, template and spaces: a
    /// client retrying its create) changes nothing and succeeds; another card with its
    /// `outTrackId` is refused.
    pub fn create(&mut self, app: &str, new: NewCard) -> Result<(), Refused> {
        let id = new.out_track_id.clone();
        if let Some(card) = self.cards.get(&id) {
            let same = card.app == app
                && card.new.template_id == new.template_id
                && card.new.spaces == new.spaces;
            return if same { Ok(()) } else { Err(Refused::Taken) };
        }
        if self.order.len() == CAPACITY {
            if let Some(oldest) = self.order.pop_front() {
                self.cards.remove(&oldest);
            }
        }
        let now = now_millis();
        let card = Card {
            app: app.to_owned(),
            data: new.card_data.clone(),
            private_data: new.private_data.clone(),
            new,
            streamed: BTreeMap::new(),
            updates: 0,
            guids: HashSet::new(),
            guid_order: VecDeque::new(),
            actions: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        self.order.push_back(id.clone());
        self.cards.insert(id, card);
        Ok(())
    }

    fn card_mut(&mut self, app: &str, id: &str) -> Result<&mut Card, Refused> {
        self.cards
            .get_mut(id)
            .filter(|card| card.app == app)
            .ok_or(Refused::Unknown)
    }

    /// Streams `update` into `app`'s card; `false` when its guid was applied before.
    pub fn stream(&mut self, app: &str, update: &StreamUpdate) -> Result<bool, Refused> {
        let card = self.card_mut(app, &update.out_track_id)?;
        if !card.remember_guid(&update.guid) {
            return Ok(false);
        }
        card.apply_stream(update);
        Ok(true)
    }

    /// Updates the data of `app`'s card `id`.
    pub fn update(&mut self, app: &str, id: &str, update: &DataUpdate) -> Result<(), Refused> {
        self.card_mut(app, id)?.apply(update);
        Ok(())
    }

    /// A callback of card `id` was answered with `answer` (the answer frame's `data`, JSON
    /// text): its `response`, when it is an update (`{"cardData": ..., "privateData": ...}`),
    /// updates the card, as DingTalk does. Anything else changes nothing.
    pub fn answered(&mut self, id: &str, answer: &str) {
        let Ok(Value::Object(answer)) = serde_json::from_str::<Value>(answer) else {
            return;
        };
        let Some(Value::Object(response)) = answer.get("response") else {
            return;
        };
        let Ok(update) = data_update(response) else {
            return;
        };
        if let Some(card) = self.cards.get_mut(id) {
            card.apply(&update);
        }
    }

    pub fn get(&self, id: &str) -> Option<&Card> {
        self.cards.get(id)
    }

    /// Records that a user acted on card `id`.
    pub fn acted(&mut self, id: &str, action: Action) {
        if let Some(card) = self.cards.get_mut(id) {
            card.actions.push(action);
        }
    }

    /// Every card, or the one `id`, as `GET /_emulator/cards` shows them: oldest first.
    pub fn to_json(&self, id: Option<&str>) -> Vec<Value> {
        self.order
            .iter()
            .filter(|kept| id.is_none_or(|id| kept.as_str() == id))
            .filter_map(|kept| self.cards.get(kept))
            .map(Card::to_json)
            .collect()
    }

    pub fn clear(&mut self) {
        self.cards.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::card::fields::Space;

    fn new_card(id: &str) -> NewCard {
        let mut card_data = Map::new();
        card_data.insert("title".into(), json!("t"));
        NewCard {
            template_id: "tpl".into(),
            out_track_id: id.into(),
            spaces: vec![Space {
                kind: "IM_ROBOT".into(),
                id: "ann".into(),
            }],
            card_data,
            private_data: Map::new(),
            callback_type: Some("STREAM".into()),
            callback_route_key: None,
        }
    }

    fn chunk(guid: &str, content: &str, full: bool) -> StreamUpdate {
        StreamUpdate {
            out_track_id: "c1".into(),
            guid: guid.into(),
            key: "content".into(),
            content: content.into(),
            is_full: full,
            is_finalize: false,
            is_error: false,
        }
    }

    #[test]
    fn streaming_appends_replaces_and_applies_each_guid_once() {
        let mut store = CardStore::default();
        store.create("k", new_card("c1")).unwrap();
        assert_eq!(store.stream("k", &chunk("g1", "Hel", false)), Ok(true));
        assert_eq!(store.stream("k", &chunk("g2", "lo", false)), Ok(true));
        // A retry of g2 changes nothing.
        assert_eq!(store.stream("k", &chunk("g2", "lo", false)), Ok(false));
        let shown = store.get("c1").unwrap().to_json();
        assert_eq!(shown["cardParamMap"]["content"], "Hello");
        assert_eq!(shown["updates"], 2);
        store.stream("k", &chunk("g3", "Bye", true)).unwrap();
        assert_eq!(
            store.get("c1").unwrap().to_json()["cardParamMap"]["content"],
            "Bye"
        );
        assert_eq!(
            store.stream("other", &chunk("g4", "x", true)),
            Err(Refused::Unknown)
        );
    }

    #[test]
    fn a_retried_create_succeeds_and_another_card_with_the_id_is_refused() {
        let mut store = CardStore::default();
        store.create("k", new_card("c1")).unwrap();
        assert!(store.create("k", new_card("c1")).is_ok());
        let mut other = new_card("c1");
        other.template_id = "tpl2".into();
        assert_eq!(store.create("k", other).err(), Some(Refused::Taken));
        assert_eq!(
            store.create("k2", new_card("c1")).err(),
            Some(Refused::Taken)
        );
    }

    #[test]
    fn cards_are_shown_oldest_first() {
        let mut store = CardStore::default();
        for id in ["c3", "c1", "c2"] {
            store.create("k", new_card(id)).unwrap();
        }
        let ids: Vec<Value> = store
            .to_json(None)
            .iter()
            .map(|c| c["outTrackId"].clone())
            .collect();
        assert_eq!(ids, [json!("c3"), json!("c1"), json!("c2")]);
        assert_eq!(store.to_json(Some("c1"))[0]["outTrackId"], "c1");
    }

    #[test]
    fn data_updates_replace_unless_by_key() {
        let mut store = CardStore::default();
        store.create("k", new_card("c1")).unwrap();
        let mut data = Map::new();
        data.insert("status".into(), json!("done"));
        let update = DataUpdate {
            card_data: Some(data),
            card_data_by_key: true,
            ..DataUpdate::default()
        };
        store.update("k", "c1", &update).unwrap();
        let shown = store.get("c1").unwrap().to_json();
        assert_eq!(
            shown["cardParamMap"],
            json!({"title": "t", "status": "done"})
        );
        let replace = DataUpdate {
            card_data_by_key: false,
            ..update
        };
        store.update("k", "c1", &replace).unwrap();
        assert_eq!(
            store.get("c1").unwrap().to_json()["cardParamMap"],
            json!({"status": "done"})
        );
    }
}
