//! The client of one app: its credentials and options, and the APIs it offers.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::api::todo::Todos;
use crate::api::workrecord::WorkRecords;
use crate::api::{raw, user};
use crate::config::Options;
use crate::counters::Stats;
use crate::error::Result;
use crate::exec::Executor;
use crate::stream::{Stream, StreamOptions};
use crate::validate::require;

/// A DingTalk client for one app. Cheap to clone; every client of the same app (same
/// `base_url`, key and secret) in the process shares one token and one set of counters.
#[derive(Clone)]
pub struct Client {
    exec: Arc<Executor>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("app_key", &self.exec.app_key())
            .field("app_secret", &"***")
            .field("base_url", &self.exec.options().base_url)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the app `app_key` / `app_secret`. Checks the arguments; sends nothing.
    pub fn new(app_key: &str, app_secret: &str, options: Options) -> Result<Client> {
        require("appKey", app_key)?;
        require("appSecret", app_secret)?;
        Ok(Client {
            exec: Arc::new(Executor::new(app_key, app_secret, options)),
        })
    }

    /// A valid access token: the cached one, or a new one (`force_refresh` always fetches).
    pub fn access_token(&self, force_refresh: bool) -> Result<String> {
        self.exec.token(force_refresh)
    }

    /// Any oapi `GET`: the token is added, the answer decoded and its errcode checked; returns
    /// the whole body.
    pub fn get(&self, path: &str, query: &[(String, String)]) -> Result<Value> {
        raw::oapi_get(&self.exec, path, query)
    }

    /// Any oapi `POST` with a JSON body, same rules. It may not be safe to send twice, so it is
    /// retried only after failures that surely did not reach DingTalk.
    pub fn post(&self, path: &str, body: &Value) -> Result<Value> {
        raw::oapi_post(&self.exec, path, body)
    }

    /// Any v1.0 call on `api_base_url` (`method` GET, POST, PUT, PATCH or DELETE): the token in
    /// its header, JSON in and out; `{}` for an empty answer.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Value> {
        raw::v1_request(&self.exec, method, path, query, body)
    }

    /// The unionId of the user `user_id`, cached per app and process (it never changes).
    pub fn union_id(&self, user_id: &str) -> Result<String> {
        user::union_id(&self.exec, user_id)
    }

    /// The v1.0 to-do API.
    pub fn todos(&self) -> Todos {
        Todos::new(Arc::clone(&self.exec))
    }

    /// The work-record API.
    pub fn work_records(&self) -> WorkRecords {
        WorkRecords::new(Arc::clone(&self.exec))
    }

    /// A Stream-mode client of this app (it connects when first asked for an event).
    pub fn stream(&self, options: StreamOptions) -> Stream {
        Stream::new(Arc::clone(&self.exec), options)
    }

    /// This app's counters in this process.
    pub fn stats(&self) -> Stats {
        self.exec.stats()
    }
}
