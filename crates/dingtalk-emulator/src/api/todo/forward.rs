//! To-do changes become events (`todo_task_create`, `todo_task_update`,
//! `todo_task_delete`), as DingTalk pushes them to an app that subscribed to to-do events.
//!
//! What DingTalk sends (its event pages `event-todo-task-create`, `-update`, `-delete` in
//! the open platform's event-subscription docs): the task's id and the unionIds of everyone
//! on the task (creator, executors, participants), nothing of the task itself — an app reads
//! the task with the to-do API. Stream mode carries them in `data` as `taskId` and
//! `unionIdList`; the HTTP push at the top level of the event, the list spelt `UnionIdList`.
//! (`bizTag` is only sent for OA-approval to-dos, which the emulator does not make.)

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::sync::broadcast::error::RecvError;

use super::events::TodoEvent;
use crate::state::AppState;

/// The event's data under `list_key`: the task id, and everyone on the task once each
/// (creator first, then executors and participants in their order).
fn event_data(event: &TodoEvent, list_key: &str) -> Map<String, Value> {
    let mut people: Vec<&str> = Vec::new();
    let creator = event.task.get("creatorId").and_then(Value::as_str);
    let listed = ["executorIds", "participantIds"]
        .into_iter()
        .filter_map(|key| event.task.get(key).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str);
    for union_id in creator.into_iter().chain(listed) {
        if !people.contains(&union_id) {
            people.push(union_id);
        }
    }
    let mut data = Map::new();
    data.insert("taskId".to_owned(), Value::from(event.task_id.as_str()));
    data.insert(list_key.to_owned(), Value::from(people));
    data
}

/// The data of a to-do event as Stream mode delivers it: `{"taskId", "unionIdList"}`.
pub fn stream_data(event: &TodoEvent) -> Map<String, Value> {
    event_data(event, "unionIdList")
}

/// The fields of a to-do event as the HTTP push sends them: `{"taskId", "UnionIdList"}`.
pub fn push_data(event: &TodoEvent) -> Map<String, Value> {
    event_data(event, "UnionIdList")
}

/// Raises every to-do change from now on as an event (pushed to the push URL, if any, and
/// delivered to every open Stream connection, under one eventId), until the emulator stops.
pub fn forward(state: &Arc<AppState>) {
    let mut events = state.todo_events.subscribe();
    let state = Arc::clone(state);
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    let kind = event.kind.as_str();
                    // Each channel spells the list its own way, so the two are raised apart.
                    let event_id = state
                        .push_event(kind, push_data(&event))
                        .map_or_else(|| state.ids.token(), |(_, event_id)| event_id);
                    state.stream.raise(kind, event_id, stream_data(&event));
                }
                // A burst beyond the backlog loses events, as a real subscription can.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
}
