//! Everything one emulator instance remembers, shared by all connections.
//!
//! Each part sits behind its own small lock that is taken for a map operation and
//! released before any await, so requests never queue behind a slow one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::api::identity::users::Users;
use crate::api::todo::events::TodoEvents;
use crate::api::todo::store::TodoStore;
use crate::api::workrecord::store::RecordStore;
use crate::auth::store::TokenStore;
use crate::config::Config;
use crate::faults::qps_limit::QpsLimit;
use crate::faults::queue::FaultQueue;
use crate::ids::Ids;
use crate::push::Pusher;
use crate::stats::Counters;
use crate::stream::Hub;
use crate::sync::lock;

pub struct AppState {
    /// `(app_key, app_secret)`; an app is named by its index here.
    pub apps: Vec<(String, String)>,
    pub token_ttl: Duration,
    pub ids: Ids,
    pub tokens: Mutex<TokenStore>,
    pub records: Mutex<RecordStore>,
    pub todos: Mutex<TodoStore>,
    pub todo_events: TodoEvents,
    pub users: Users,
    pub faults: FaultQueue,
    pub stats: Counters,
    pub qps_limit: QpsLimit,
    /// Pushes events, when started with a push URL.
    pub push: Option<Arc<Pusher>>,
    /// Stream mode: tickets, connections, events delivered over them.
    pub stream: Arc<Hub>,
}

impl AppState {
    pub fn new(config: &Config) -> Result<Self, String> {
        let first_app = config.apps.first().map_or("", |(key, _)| key.as_str());
        let push = match &config.push {
            Some(push) => Some(Arc::new(Pusher::new(push, first_app)?)),
            None => None,
        };
        Ok(AppState {
            apps: config.apps.clone(),
            token_ttl: config.token_ttl,
            ids: Ids::new(),
            tokens: Mutex::new(TokenStore::default()),
            records: Mutex::new(RecordStore::default()),
            todos: Mutex::new(TodoStore::default()),
            todo_events: TodoEvents::new(),
            users: Users::new(config),
            faults: FaultQueue::default(),
            stats: Counters::default(),
            qps_limit: QpsLimit::new(config.qps_limit),
            push,
            stream: Arc::new(Hub::new(config.stream.clone(), config.tls)),
        })
    }

    /// Raises an event (`todo_task_update`, ...) with its data: pushed to the push URL when
    /// there is one, and delivered to every open Stream connection. Its HTTP push log id
    /// (`None` without a push URL) and its eventId, the same on both channels.
    pub fn raise_event(&self, event_type: &str, data: Map<String, Value>) -> (Option<u64>, String) {
        let pushed = self.push_event(event_type, data.clone());
        let (id, event_id) = match pushed {
            Some((id, event_id)) => (Some(id), event_id),
            None => (None, self.ids.token()),
        };
        self.stream.raise(event_type, event_id.clone(), data);
        (id, event_id)
    }

    /// Pushes an event (`todo_task_update`, ...) with its data to the push URL, in the
    /// background; its log id and eventId, or `None` when the emulator has no push URL.
    pub fn push_event(&self, event_type: &str, data: Map<String, Value>) -> Option<(u64, String)> {
        self.push.as_ref().map(|push| push.push(event_type, data))
    }

    /// The index of the app with this key and secret.
    pub fn find_app(&self, key: &str, secret: &str) -> Option<usize> {
        // The first entry with the key decides, so a repeated key cannot add a second secret.
        let (index, (_, known_secret)) =
            self.apps.iter().enumerate().find(|(_, (k, _))| k == key)?;
        (known_secret == secret).then_some(index)
    }

    /// Back to the state at start: no tokens, records, to-dos, faults, counts or QPS
    /// windows.
    pub fn reset(&self) {
        lock(&self.tokens).clear();
        lock(&self.records).clear();
        lock(&self.todos).clear();
        self.faults.clear();
        self.stats.clear();
        self.qps_limit.clear();
        if let Some(push) = &self.push {
            push.log.clear();
        }
        self.stream.reset();
    }
}
