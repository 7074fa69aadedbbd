//! Everything one emulator instance remembers, shared by all connections.
//!
//! Each part sits behind its own small lock that is taken for a map operation and
//! released before any await, so requests never queue behind a slow one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::api::identity::users::Users;
use crate::api::message::inbox::Inbox;
use crate::api::robot::store::RobotStore;
use crate::api::todo::events::TodoEvents;
use crate::api::todo::store::TodoStore;
use crate::api::webhook::store::{Limits, WebhookStore};
use crate::api::worknotice::store::NoticeStore;
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
    /// `http` or `https`: how this instance is reached, for the URLs it hands out.
    pub scheme: &'static str,
    /// Every message delivered, over every channel. Locked after a channel's own store,
    /// never before it.
    pub inbox: Mutex<Inbox>,
    pub notices: Mutex<NoticeStore>,
    pub webhooks: Mutex<WebhookStore>,
    pub webhook_limits: Limits,
    pub robot: Mutex<RobotStore>,
    /// `(app_key, agent_id)` from the config.
    agents: Vec<(String, i64)>,
}

/// Where work-notice task ids start: a random 12-digit number, so they look like DingTalk's
/// (`256271667526`) and differ between runs.
fn first_task_id(ids: &Ids) -> u64 {
    let token = ids.token();
    let noise = token
        .get(..12)
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .unwrap_or(0);
    100_000_000_000 + noise % 800_000_000_000
}

impl AppState {
    pub fn new(config: &Config) -> Result<Self, String> {
        let first_app = config.apps.first().map_or("", |(key, _)| key.as_str());
        let push = match &config.push {
            Some(push) => Some(Arc::new(Pusher::new(push, first_app)?)),
            None => None,
        };
        let ids = Ids::new();
        Ok(AppState {
            apps: config.apps.clone(),
            token_ttl: config.token_ttl,
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
            scheme: if config.tls { "https" } else { "http" },
            inbox: Mutex::new(Inbox::default()),
            notices: Mutex::new(NoticeStore::new(first_task_id(&ids))),
            webhooks: Mutex::new(WebhookStore::default()),
            webhook_limits: Limits {
                per_window: config.webhook.limit,
                mute: config.webhook.mute,
            },
            robot: Mutex::new(RobotStore::default()),
            agents: config.agents.clone(),
            ids,
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

    /// The work-notice `agent_id` of app `app`, when the config gives one.
    pub fn agent_id(&self, app: usize) -> Option<i64> {
        let (key, _) = self.apps.get(app)?;
        self.agents
            .iter()
            .find(|(agent_key, _)| agent_key == key)
            .map(|(_, agent_id)| *agent_id)
    }

    /// Back to the state at start: no tokens, records, to-dos, messages, webhook robots,
    /// groups, faults, counts or QPS windows.
    pub fn reset(&self) {
        lock(&self.tokens).clear();
        lock(&self.records).clear();
        lock(&self.todos).clear();
        lock(&self.notices).clear();
        lock(&self.webhooks).clear();
        lock(&self.robot).clear();
        lock(&self.inbox).clear();
        self.faults.clear();
        self.stats.clear();
        self.qps_limit.clear();
        if let Some(push) = &self.push {
            push.log.clear();
        }
        self.stream.reset();
    }
}
