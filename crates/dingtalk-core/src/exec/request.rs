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
    /// The path with its ids as placeholders (`/v1.0/todo/users/{unionId}/tasks`): one API
    /// for the rate limit whatever the ids. `None`: the path itself.
    pub(crate) template: Option<&'static str>,
    /// Query parameters besides the token.
    pub(crate) query: Vec<(String, String)>,
    /// The JSON body, encoded once for every attempt.
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) repeat: Repeat,
    /// Whether the access token is attached (all API calls but the Stream gateway's, which
    /// takes the app's key and secret in its body).
    pub(crate) with_token: bool,
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

    /// Counted by the rate limit as the API `template` (its path with placeholders).
    pub(crate) fn api(mut self, template: &'static str) -> Self {
        self.template = Some(template);
        self
    }

    /// The API this request calls, as the rate limit counts it: method and path template.
    pub(crate) fn rate_key(&self) -> String {
        format!(
            "{} {}",
            self.method,
            self.template.unwrap_or(self.path.as_str())
        )
    }

    /// With these query parameters.
    pub(crate) fn query(mut self, query: Vec<(String, String)>) -> Self {
        self.query = query;
        self
    }
}
