//! To-do changes become events (`todo_task_create`, `todo_task_update`,
//! `todo_task_delete`), as DingTalk pushes them to an app that subscribed to to-do events.

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::sync::broadcast::error::RecvError;

use super::events::TodoEvent;
use crate::state::AppState;

/// The data of a to-do event: which task, whose, and the task as it is after the change.
pub fn event_data(event: &TodoEvent) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("taskId".to_owned(), Value::from(event.task_id.as_str()));
    data.insert("unionId".to_owned(), Value::from(event.union_id.as_str()));
    data.insert("task".to_owned(), Value::Object(event.task.clone()));
    data
}

/// Raises every to-do change from now on as an event (pushed to the push URL, if any, and
/// delivered to every open Stream connection), until the emulator stops.
pub fn forward(state: &Arc<AppState>) {
    let mut events = state.todo_events.subscribe();
    let state = Arc::clone(state);
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    state.raise_event(event.kind.as_str(), event_data(&event));
                }
                // A burst beyond the backlog loses events, as a real subscription can.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
}
