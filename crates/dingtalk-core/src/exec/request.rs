//! An API request, owned and `Send`: built once by an API handle, sent by the executor as many
//! times as the retry rules allow (bulk sends hand such requests to other threads).

use reqwest::Method;
use serde::Serialize;

use crate::dialect::Family;
use crate::error::{Error, Result};

/// Whether a request may be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Sending it twice does no harm (reads, updates to a state, a create that carries the
    /// caller's id, which DingTalk refuses twice).
    Safe,
    /// Sending it twice could do it twice: resent only when the first attempt surely did not
    /// reach DingTalk's business logic.
    Unsafe,
}

impl Repeat {
    /// A create's: safe to send twice only when it carries the caller's own id (a `sourceId`, a
    /// `biz_id`), which DingTalk refuses the second time.
    pub(crate) fn for_create(carries_own_id: bool) -> Repeat {
        if carries_own_id {
            Repeat::Safe
        } else {
            Repeat::Unsafe
        }
    }
}

/// One API call to make.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    pub(crate) family: Family,
    pub(crate) method: Method,
    /// The path, ids already percent-encoded; it names the call in errors.
    pub(crate) path: String,
    /// The path with its ids as placeholders (`/v1.0/todo/users/{unionId}/tasks`), when the
    /// API that built the request knows it. `None`: the path itself.
    pub(crate) template: Option<&'static str>,
    /// Query parameters besides the token.
    pub(crate) query: Vec<(String, String)>,
    /// The JSON body, encoded once for every attempt.
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) repeat: Repeat,
    /// Whether the access token is attached (all API calls but the Stream gateway's, which
    /// takes the app's key and secret in its body).
    pub(crate) with_token: bool,
    /// Values of the request that are credentials of their own (a session webhook's
    /// `session`), which no error or log record may show.
    pub(crate) hidden: Vec<String>,
}

impl ApiRequest {
    /// A request without a body.
    pub(crate) fn new(
        family: Family,
        method: Method,
        path: impl Into<String>,
        repeat: Repeat,
    ) -> Self {
        ApiRequest {
            family,
            method,
            path: path.into(),
            template: None,
            query: Vec::new(),
            body: None,
            repeat,
            with_token: true,
            hidden: Vec::new(),
        }
    }

    /// A POST of `body` as JSON.
    pub(crate) fn post(
        family: Family,
        path: impl Into<String>,
        body: &impl Serialize,
        repeat: Repeat,
    ) -> Result<Self> {
        ApiRequest::new(family, Method::POST, path, repeat).json(body)
    }

    /// With `body` as the JSON body.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid("body", format!("cannot be encoded as JSON: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Sent without an access token (none is fetched for it).
    pub(crate) fn without_token(mut self) -> Self {
        self.with_token = false;
        self
    }

    /// With `values` kept out of every error and log record, as the token is.
    pub(crate) fn hiding(mut self, values: Vec<String>) -> Self {
        self.hidden = values;
        self
    }

    /// Counted by the rate limit as the API `template` (its path with placeholders).
    pub(crate) fn api(mut self, template: &'static str) -> Self {
        self.template = Some(template);
        self
    }

    /// The API this request calls, as the rate limit counts it (DingTalk limits calls per app
    /// and API, whatever ids they name): the method, and the path (or its template) with every
    /// segment that can be an id as `{}` ([`without_ids`]). A raw `request()` of a to-do and
    /// `Todos::get` are then one API: `GET /v1.0/todo/users/{}/tasks/{}`.
    pub(crate) fn rate_key(&self) -> String {
        let path = self.template.unwrap_or(self.path.as_str());
        match self.family {
            // oapi paths name the API alone: its ids go in the query or the body; a webhook's
            // path is its robot's, whose limit is its own.
            Family::Oapi | Family::Webhook => format!("{} {path}", self.method),
            Family::V1 => format!("{} {}", self.method, without_ids(path)),
        }
    }

    /// With these query parameters.
    pub(crate) fn query(mut self, query: Vec<(String, String)>) -> Self {
        self.query = query;
        self
    }
}

/// A v1.0 path with each segment that can be an id as `{}`. Such a path is
/// `/<version>/<product>/<names and ids>`, and after the product DingTalk's names are words of
/// letters (`users`, `tasks`, `executorStatus`, `batchSend`), while its ids (unionIds, user,
/// task and card ids, `{placeholders}`) hold digits, dashes, `%` escapes and the like: a segment
/// of ASCII letters alone is a name, any other is an id. (An id of letters alone is taken for a
/// name: its API then has a state of its own, which expires like any.)
fn without_ids(path: &str) -> String {
    let is_name = |segment: &str| segment.bytes().all(|b| b.is_ascii_alphabetic());
    path.split('/')
        .enumerate()
        // "", the version, the product.
        .map(|(at, segment)| {
            if at < 3 || is_name(segment) {
                segment
            } else {
                "{}"
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn key(family: Family, method: Method, path: &str) -> String {
        ApiRequest::new(family, method, path, Repeat::Safe).rate_key()
    }

    #[test]
    fn ids_in_a_v1_path_are_placeholders_and_names_stay() {
        let get = |path| key(Family::V1, Method::GET, path);
        let task = "GET /v1.0/todo/users/{}/tasks/{}";
        for path in [
            "/v1.0/todo/users/union-1/tasks/task1",
            "/v1.0/todo/users/FJWitOV5J0TuTpZQ0Jb8SgiEiE/tasks/67890",
            "/v1.0/todo/users/a%2Fb/tasks/x_y",
            "/v1.0/todo/users/{unionId}/tasks/{taskId}",
        ] {
            assert_eq!(get(path), task, "{path}");
        }
        assert_eq!(
            get("/v1.0/todo/users/u1/tasks/t1/executorStatus"),
            "GET /v1.0/todo/users/{}/tasks/{}/executorStatus"
        );
        assert_eq!(
            get("/v1.0/robot/oToMessages/batchSend"),
            "GET /v1.0/robot/oToMessages/batchSend"
        );
        assert_eq!(
            get("/v1.0/oauth2/accessToken"),
            "GET /v1.0/oauth2/accessToken"
        );
        assert_eq!(
            key(Family::V1, Method::PUT, "/v1.0/todo/users/u1/tasks/1"),
            "PUT /v1.0/todo/users/{}/tasks/{}",
            "the method is part of the API"
        );
        // A typed API's template names the same API as a raw call of it.
        let typed = ApiRequest::new(
            Family::V1,
            Method::GET,
            "/v1.0/todo/users/u1/tasks/t1",
            Repeat::Safe,
        )
        .api("/v1.0/todo/users/{unionId}/tasks/{taskId}");
        assert_eq!(typed.rate_key(), task);
    }

    /// A worker reading ever new to-dos keeps one state of the rate limit, not one per id: in
    /// this process's numbers (60,000 ids), in a file store's directory and in Redis (3,000:
    /// what they keep is counted exactly, and each costs a round trip).
    #[test]
    fn ever_new_ids_keep_one_state_on_every_store() {
        use crate::deadline::Deadline;
        use crate::limit::gcra::{Gcra, Interval};
        use crate::store::memory::Numbers;
        use crate::store::tests::{file_backend, redis_backend};
        use crate::store::STORE_TIMEOUT;

        let rule = Gcra::new(Interval(1), Duration::from_secs(1));
        let key = |i: usize| {
            let path = format!("/v1.0/todo/users/union-{i}/tasks/task{i}");
            ApiRequest::new(Family::V1, Method::GET, path, Repeat::Safe).rate_key()
        };
        let here = Numbers::with_clock(Box::new(crate::time::now_us));
        for i in 0..60_000 {
            here.reserve(&key(i), &rule);
        }
        assert_eq!(here.len(), 1);
        let (file, redis) = (file_backend(), redis_backend());
        for i in 0..3_000 {
            for backend in [&file, &redis] {
                let deadline = Deadline::after(STORE_TIMEOUT);
                backend
                    .store
                    .reserve("app.0", &key(i), &rule, deadline)
                    .unwrap();
            }
        }
        let dir = file.dir.as_ref().unwrap().join("tokens");
        assert_eq!(std::fs::read_dir(dir).unwrap().count(), 1);
        let server = redis.redis.as_ref().unwrap();
        let mut con = ::redis::Client::open(server.url())
            .and_then(|c| c.get_connection())
            .unwrap();
        let keys: Vec<String> = ::redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
        assert_eq!(
            keys,
            ["dingtalk:rate:app.0:GET /v1.0/todo/users/{}/tasks/{}"]
        );
    }

    #[test]
    fn an_oapi_path_is_its_api() {
        assert_eq!(
            key(
                Family::Oapi,
                Method::POST,
                "/topapi/message/corpconversation/asyncsend_v2"
            ),
            "POST /topapi/message/corpconversation/asyncsend_v2"
        );
    }
}
