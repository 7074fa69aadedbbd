//! A notification inside the emulator for every change of a to-do task, so that
//! event delivery (HTTP push, Stream mode) can be built on one source.

use serde_json::{Map, Value};
use tokio::sync::broadcast;

/// How many events a slow subscriber may fall behind before it misses some.
const BACKLOG: usize = 1024;

/// What happened to the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TodoEventKind {
    /// Created.
    Create,
    /// Changed: fields, done, or an executor's status.
    Update,
    /// Deleted.
    Delete,
}

impl TodoEventKind {
    /// DingTalk's event type: `todo_task_create`, `todo_task_update`, `todo_task_delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            TodoEventKind::Create => "todo_task_create",
            TodoEventKind::Update => "todo_task_update",
            TodoEventKind::Delete => "todo_task_delete",
        }
    }
}

/// One change of a to-do task.
#[derive(Debug, Clone, PartialEq)]
pub struct TodoEvent {
    /// What happened.
    pub kind: TodoEventKind,
    /// The unionId in the path of the call that made the change.
    pub union_id: String,
    /// The task's id.
    pub task_id: String,
    /// The task object after the change (as `GET` shows it, without `requestId`).
    pub task: Map<String, Value>,
}

/// The sending end; subscribers get every event sent after they subscribed.
pub struct TodoEvents {
    sender: broadcast::Sender<TodoEvent>,
}

impl TodoEvents {
    pub fn new() -> Self {
        TodoEvents {
            sender: broadcast::channel(BACKLOG).0,
        }
    }

    /// Sends to whoever listens; with no one listening the event is dropped.
    pub fn send(&self, event: TodoEvent) {
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TodoEvent> {
        self.sender.subscribe()
    }
}
