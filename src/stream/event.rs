//! A message as `$onEvent` receives it: an event, or a callback (a bot message, a card's
//! callback).

use dingtalk_core::{Event, Kind};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::ZendHashTable;
use serde_json::{Map, Value};

use crate::php::json::answer_array;

/// An event: `['type', 'id', 'born_time', 'corp_id', 'topic', 'message_id', 'unified_app_id',
/// 'data']`; a callback: `['type', 'id', 'topic', 'message_id', 'data']`. `data` decoded as
/// `json_decode($data, true)` would. A `TransportException` when it would not fit under
/// `memory_limit`.
pub fn event_array(event: &Event) -> PhpResult<ZBox<ZendHashTable>> {
    let mut array = Map::new();
    array.insert("type".to_owned(), Value::from(event.event_type.as_str()));
    array.insert("id".to_owned(), Value::from(event.id.as_str()));
    if event.kind == Kind::Event {
        array.insert("born_time".to_owned(), Value::from(event.born_time));
        array.insert("corp_id".to_owned(), Value::from(event.corp_id.as_str()));
    }
    array.insert("topic".to_owned(), Value::from(event.topic.as_str()));
    array.insert(
        "message_id".to_owned(),
        Value::from(event.message_id.as_str()),
    );
    if event.kind == Kind::Event {
        array.insert(
            "unified_app_id".to_owned(),
            Value::from(event.unified_app_id.clone()),
        );
    }
    array.insert("data".to_owned(), event.data.clone());
    Ok(answer_array(&Value::Object(array))?)
}
