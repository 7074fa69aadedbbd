//! The to-do API (v1.0): `/v1.0/todo/users/{unionId}/...`.
//!
//! - [`routes`]: the seven endpoints.
//! - [`call`]: what each call checks first (body, token, QPS, path ids) and how it refuses.
//! - [`fields`]: the bodies, with DingTalk's limits and messages.
//! - [`task`]: one task and the objects shown of it; [`store`]: the tasks and list pages.
//! - [`events`]: every change, in order, for whoever subscribes; [`forward`] raises each as
//!   DingTalk's event (`todo_task_create`, ...).

pub mod call;
pub mod events;
pub mod fields;
pub mod forward;
pub mod routes;
pub mod store;
pub mod task;
