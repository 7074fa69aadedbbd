//! The two work-record calls and the token, sent the way `dingtalk-core` sends them (same
//! reqwest client settings, JSON bodies, token in the query) but with nothing else: no retry
//! policy, no error mapping, no PHP conversion.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::blocking::Client;
use reqwest::Url;
use serde_json::{json, Value};

/// One app on one DingTalk base URL, with its token cached for the life of the process.
pub struct Api {
    http: Client,
    base: String,
    key: String,
    secret: String,
    token: Mutex<Option<String>>,
    token_fetches: Mutex<u64>,
}

/// A failed call, as one line of text.
pub type Fail = String;

impl Api {
    /// Builds the HTTP client like `dingtalk-core`'s transport does; `ca_file` is an extra PEM
    /// certificate to trust (the emulator's self-signed one).
    pub fn new(base: &str, key: &str, secret: &str, ca_file: Option<&str>) -> Result<Api, Fail> {
        let mut builder = Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(None::<Duration>)
            .user_agent(concat!("dingtalk-bench-floor/", env!("CARGO_PKG_VERSION")))
            .gzip(true)
            .pool_idle_timeout(Duration::from_secs(60));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("no certificate in {path}: {e}"))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Api {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            secret: secret.to_owned(),
            token: Mutex::new(None),
            token_fetches: Mutex::new(0),
        })
    }

    /// How many times this process fetched a token.
    pub fn token_fetches(&self) -> u64 {
        *self
            .token_fetches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn url(&self, path: &str) -> Result<Url, Fail> {
        Url::parse(&format!("{}{path}", self.base)).map_err(|e| format!("bad URL {path}: {e}"))
    }

    /// The cached token, fetched on first use.
    fn token(&self) -> Result<String, Fail> {
        let mut cached = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(token) = cached.as_ref() {
            return Ok(token.clone());
        }
        let mut url = self.url("/gettoken")?;
        url.query_pairs_mut()
            .append_pair("appkey", &self.key)
            .append_pair("appsecret", &self.secret);
        *self
            .token_fetches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        let body = self.send(self.http.get(url))?;
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or("gettoken: no access_token")?
            .to_owned();
        *cached = Some(token.clone());
        Ok(token)
    }

    fn send(&self, request: reqwest::blocking::RequestBuilder) -> Result<Value, Fail> {
        let response = request
            .timeout(Duration::from_secs(10))
            .send()
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        let body: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("answer is not JSON: {e}"))?;
        match body.get("errcode").and_then(Value::as_i64) {
            Some(0) if status.is_success() => Ok(body),
            code => Err(format!("HTTP {status}, errcode {code:?}: {body}")),
        }
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value, Fail> {
        let token = self.token()?;
        let mut url = self.url(path)?;
        url.query_pairs_mut().append_pair("access_token", &token);
        let body = serde_json::to_vec(body).map_err(|e| format!("cannot encode: {e}"))?;
        let request = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        self.send(request)
    }

    /// `workrecord/add`: returns the new record's id.
    pub fn add(
        &self,
        user: &str,
        title: &str,
        url: &str,
        forms: &[(&str, &str)],
    ) -> Result<String, Fail> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let forms: Vec<Value> = forms
            .iter()
            .map(|(title, content)| json!({ "title": title, "content": content }))
            .collect();
        let body = json!({
            "userid": user,
            "create_time": u64::try_from(now_ms).unwrap_or(u64::MAX),
            "title": title,
            "url": url,
            "formItemList": forms,
        });
        let answer = self.post("/topapi/workrecord/add", &body)?;
        answer
            .get("record_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| format!("add: no record_id in {answer}"))
    }

    /// `workrecord/getbyuserid` (pending records): returns the page's records.
    pub fn list(&self, user: &str, offset: u32, limit: u32) -> Result<Vec<Value>, Fail> {
        let body = json!({ "userid": user, "offset": offset, "limit": limit, "status": 0 });
        let mut answer = self.post("/topapi/workrecord/getbyuserid", &body)?;
        match answer.pointer_mut("/records/list").map(Value::take) {
            Some(Value::Array(list)) => Ok(list),
            _ => Err(format!("getbyuserid: no records.list in {answer}")),
        }
    }
}
