//! The two work-record calls and the token, sent the way `dingtalk-core` sends them (same
//! reqwest client settings, JSON bodies, token in the query) but with nothing else: no retry
//! policy, no error mapping, no PHP conversion. Answers are decoded straight into typed structs,
//! the cheapest way serde offers.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::blocking::Client;
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// The errcode every answer carries.
#[derive(Deserialize)]
struct Status {
    errcode: i64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
}

#[derive(Deserialize)]
struct AddAnswer {
    record_id: String,
}

#[derive(Deserialize)]
struct ListAnswer {
    records: ListRecords,
}

#[derive(Deserialize)]
struct ListRecords {
    list: Vec<Record>,
}

/// A listed record: the fields DingTalk documents.
#[derive(Deserialize)]
#[allow(dead_code)] // decoded as the extension decodes them; only the count is checked
pub struct Record {
    record_id: String,
    create_time: i64,
    title: String,
    url: String,
    forms: Vec<Form>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Form {
    title: String,
    content: String,
}

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
        let token = self.send::<TokenAnswer>(self.http.get(url))?.access_token;
        if token.is_empty() {
            return Err("gettoken: empty access_token".into());
        }
        *cached = Some(token.clone());
        Ok(token)
    }

    fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<T, Fail> {
        let response = request
            .timeout(Duration::from_secs(10))
            .send()
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        let fail = || format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes));
        match serde_json::from_slice::<Status>(&bytes) {
            Ok(Status { errcode: 0 }) if status.is_success() => {
                serde_json::from_slice(&bytes).map_err(|e| format!("{e}: {}", fail()))
            }
            _ => Err(fail()),
        }
    }

    fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, Fail> {
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
        let id = self
            .post::<AddAnswer>("/topapi/workrecord/add", &body)?
            .record_id;
        if id.is_empty() {
            return Err("add: empty record_id".into());
        }
        Ok(id)
    }

    /// `workrecord/getbyuserid` (pending records): returns the page's records.
    pub fn list(&self, user: &str, offset: u32, limit: u32) -> Result<Vec<Record>, Fail> {
        let body = json!({ "userid": user, "offset": offset, "limit": limit, "status": 0 });
        let answer: ListAnswer = self.post("/topapi/workrecord/getbyuserid", &body)?;
        Ok(answer.records.list)
    }
}
