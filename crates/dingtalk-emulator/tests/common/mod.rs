//! Helpers shared by the integration tests: a running emulator, its control client,
//! and a blocking client that talks DingTalk to it over real HTTP.

#![allow(dead_code)] // each test binary uses a different subset

pub mod process;
pub mod ws;

use std::time::Duration;

use dingtalk_emulator::testing::Control;
use dingtalk_emulator::{spawn, Config, RunningEmulator};
use reqwest::blocking::{Client, Response};
use reqwest::Method;
use serde_json::{json, Value};

pub const ADD: &str = "/topapi/workrecord/add";
pub const UPDATE: &str = "/topapi/workrecord/update";
pub const GET: &str = "/topapi/workrecord/getbyuserid";
pub const USER_GET: &str = "/topapi/v2/user/get";
pub const GET_BY_UNIONID: &str = "/topapi/user/getbyunionid";
pub const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

pub struct Harness {
    pub emulator: RunningEmulator,
    pub http: Client,
    pub control: Control,
}

pub fn client() -> Client {
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

pub fn start(config: Config) -> Harness {
    let emulator = spawn(config).expect("emulator starts");
    let control = Control::new(&emulator);
    Harness {
        emulator,
        http: client(),
        control,
    }
}

pub fn start_default() -> Harness {
    start(Config::default())
}

/// Reads an answer as (status, JSON body), failing the test on a non-JSON body.
pub fn read(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, value)
}

/// Asserts an oapi error: HTTP 200, the errcode, an errmsg containing `needle`, a request id.
#[track_caller]
pub fn assert_errcode(answer: &(u16, Value), errcode: i64, needle: &str) {
    let (status, body) = answer;
    assert_eq!(*status, 200, "{body}");
    assert_eq!(body["errcode"], errcode, "{body}");
    let errmsg = body["errmsg"].as_str().unwrap_or_default();
    assert!(
        errmsg.contains(needle),
        "errmsg {errmsg:?} should contain {needle:?}"
    );
    assert!(
        body["request_id"].as_str().is_some_and(|s| !s.is_empty()),
        "{body}"
    );
}

/// Asserts a v1.0 error: the status, the code, a message containing `needle`, and a
/// lowercase `requestid` (never `requestId`, which only success bodies have).
#[track_caller]
pub fn assert_v1_error(answer: &(u16, Value), status: u16, code: &str, needle: &str) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(needle),
        "message {message:?} should contain {needle:?}"
    );
    assert!(
        body["requestid"].as_str().is_some_and(|s| !s.is_empty()),
        "{body}"
    );
    assert!(body.get("requestId").is_none(), "{body}");
}

/// Percent-encodes a path segment: everything but RFC 3986's unreserved characters.
pub fn segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.base_url())
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        read(self.http.get(self.url(path)).send().expect("request"))
    }

    pub fn post_bytes(&self, path: &str, body: impl Into<reqwest::blocking::Body>) -> (u16, Value) {
        read(
            self.http
                .post(self.url(path))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .expect("request"),
        )
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_bytes(path, body.to_string())
    }

    pub fn gettoken_with(&self, key: &str, secret: &str) -> (u16, Value) {
        read(
            self.http
                .get(self.url("/gettoken"))
                .query(&[("appkey", key), ("appsecret", secret)])
                .send()
                .expect("request"),
        )
    }

    /// A valid token of the demo app.
    pub fn token(&self) -> String {
        let (_, body) = self.gettoken_with("demo_app_key", "demo_app_secret");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// POST to an oapi path with `?access_token=`.
    pub fn call(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        self.post(&format!("{path}?access_token={token}"), body)
    }

    pub fn call_bytes(
        &self,
        token: &str,
        path: &str,
        body: impl Into<reqwest::blocking::Body>,
    ) -> (u16, Value) {
        self.post_bytes(&format!("{path}?access_token={token}"), body)
    }

    /// A v1.0 call with the token in its header (none when `token` is `None`).
    pub fn v1(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.header(TOKEN_HEADER, token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        read(request.send().expect("request"))
    }

    /// Adds a valid record and returns its record id.
    pub fn add(&self, token: &str, record: &Value) -> String {
        let (_, body) = self.call(token, ADD, record);
        assert_eq!(body["errcode"], 0, "{body}");
        body["record_id"].as_str().expect("record_id").to_owned()
    }

    pub fn page(&self, token: &str, userid: &str, offset: i64, limit: i64, status: i64) -> Value {
        let (_, body) = self.call(
            token,
            GET,
            &json!({"userid": userid, "offset": offset, "limit": limit, "status": status}),
        );
        assert_eq!(body["errcode"], 0, "{body}");
        body
    }
}

/// A valid `workrecord/add` body.
pub fn record(userid: &str, title: &str) -> Value {
    json!({
        "userid": userid,
        "create_time": 1_700_000_000_000_i64,
        "title": title,
        "url": "https://example.com/todo",
        "formItemList": [{"title": "Amount", "content": "42"}],
    })
}

pub fn tasks_path(union_id: &str) -> String {
    format!("/v1.0/todo/users/{}/tasks", segment(union_id))
}

pub fn task_path(union_id: &str, task_id: &str) -> String {
    format!("{}/{}", tasks_path(union_id), segment(task_id))
}

pub fn query_path(union_id: &str) -> String {
    format!("/v1.0/todo/users/{}/org/tasks/query", segment(union_id))
}

/// A valid create body, listed (it has a detailUrl).
pub fn task(subject: &str) -> Value {
    json!({
        "subject": subject,
        "detailUrl": {"appUrl": "dingtalk://app/todo", "pcUrl": "https://example.com/todo"},
    })
}

/// The to-do API, called with a valid token of the demo app.
pub struct Todos<'a> {
    pub h: &'a Harness,
    pub token: String,
}

impl Harness {
    pub fn todos(&self) -> Todos<'_> {
        Todos {
            h: self,
            token: self.token(),
        }
    }
}

fn with_operator(path: String, operator: Option<&str>) -> String {
    match operator {
        Some(operator) => format!("{path}?operatorId={}", segment(operator)),
        None => path,
    }
}

impl Todos<'_> {
    fn call(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.h.v1(method, Some(&self.token), path, body)
    }

    pub fn create(&self, union_id: &str, body: &Value) -> (u16, Value) {
        self.create_as(union_id, body, None)
    }

    pub fn create_as(&self, union_id: &str, body: &Value, operator: Option<&str>) -> (u16, Value) {
        let path = with_operator(tasks_path(union_id), operator);
        self.call(Method::POST, &path, Some(body))
    }

    /// Creates a task and returns the task object.
    #[track_caller]
    pub fn created(&self, union_id: &str, body: &Value) -> Value {
        let (status, task) = self.create(union_id, body);
        assert_eq!(status, 200, "{task}");
        task
    }

    pub fn get(&self, union_id: &str, task_id: &str) -> (u16, Value) {
        self.call(Method::GET, &task_path(union_id, task_id), None)
    }

    pub fn by_source(&self, union_id: &str, source_id: &str) -> (u16, Value) {
        let path = format!("{}/sources/{}", tasks_path(union_id), segment(source_id));
        self.call(Method::GET, &path, None)
    }

    pub fn update(
        &self,
        union_id: &str,
        task_id: &str,
        body: &Value,
        operator: Option<&str>,
    ) -> (u16, Value) {
        let path = with_operator(task_path(union_id, task_id), operator);
        self.call(Method::PUT, &path, Some(body))
    }

    pub fn executor_status(
        &self,
        union_id: &str,
        task_id: &str,
        body: &Value,
        operator: Option<&str>,
    ) -> (u16, Value) {
        let path = with_operator(
            format!("{}/executorStatus", task_path(union_id, task_id)),
            operator,
        );
        self.call(Method::PUT, &path, Some(body))
    }

    pub fn delete(&self, union_id: &str, task_id: &str, operator: Option<&str>) -> (u16, Value) {
        let path = with_operator(task_path(union_id, task_id), operator);
        self.call(Method::DELETE, &path, None)
    }

    pub fn list(&self, union_id: &str, body: &Value) -> (u16, Value) {
        self.call(Method::POST, &query_path(union_id), Some(body))
    }

    /// Every page of a list query, following nextToken; returns the pages.
    #[track_caller]
    pub fn pages(&self, union_id: &str, query: &Value) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut body = query.clone();
        loop {
            let (status, page) = self.list(union_id, &body);
            assert_eq!(status, 200, "{page}");
            let next = page["nextToken"].clone();
            pages.push(page);
            match next {
                Value::Null => return pages,
                Value::String(token) => body["nextToken"] = json!(token),
                other => panic!("nextToken must be a string or null, got {other}"),
            }
            assert!(pages.len() < 100, "paging never ends");
        }
    }

    /// The subjects of every card of every page, in order.
    #[track_caller]
    pub fn subjects(&self, union_id: &str, query: &Value) -> Vec<String> {
        self.pages(union_id, query)
            .iter()
            .flat_map(|page| page["todoCards"].as_array().cloned().unwrap_or_default())
            .map(|card| card["subject"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}
