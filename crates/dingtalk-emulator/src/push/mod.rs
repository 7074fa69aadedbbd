//! DingTalk's HTTP push, played by the emulator: events are encrypted exactly as DingTalk does
//! and POSTed to the configured URL (query `msg_signature`, `timestamp`, `nonce`; body
//! `{"encrypt": "..."}`); an answer counts only when it decrypts to `success`, else the event is
//! pushed again after each of the retry delays (DingTalk: 10 s, then 30 s).
//!
//! An event raised anywhere in the emulator ([`crate::state::AppState::raise_event`]: type and
//! JSON data) is pushed here when there is a push URL, and delivered over Stream mode too;
//! `check_url` is pushed when the emulator starts serving, as DingTalk does when the URL is
//! registered.
//!
//! - `crypto`: the emulator's own implementation of DingTalk's push crypto.
//! - `log`: what was pushed, every attempt and its answer (`GET /_emulator/events`, served by
//!   `control/events.rs`).

mod crypto;
mod log;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use serde_json::{Map, Value};

use crate::clock::now_millis;
use crate::config::PushConfig;
use crate::ids::Ids;
use crypto::PushCrypto;
pub use log::Log;
use log::{Attempt, Status};

/// The event DingTalk pushes when a URL is registered.
pub const CHECK_URL: &str = "check_url";
/// The `CorpId` of pushed events, unless their data has one.
pub const CORP_ID: &str = "dingemulatorcorp";
/// Answers longer than this are not read further (and count as failed).
const ANSWER_LIMIT: usize = 64 * 1024;
/// How much of an answer the log keeps.
const LOGGED_ANSWER: usize = 1024;

/// Pushes events to one URL and keeps the log.
pub struct Pusher {
    url: Url,
    crypto: PushCrypto,
    retry_delays: Vec<Duration>,
    timeout: Duration,
    http: reqwest::Client,
    ids: Ids,
    pub log: Log,
}

impl Pusher {
    /// A pusher for `config`; `default_receive_id` (the first app's key) unless it names one.
    pub fn new(config: &PushConfig, default_receive_id: &str) -> Result<Pusher, String> {
        let url =
            Url::parse(&config.url).map_err(|e| format!("bad push URL {:?}: {e}", config.url))?;
        if url.scheme() != "http" {
            return Err(format!(
                "the push URL must be http://, got {:?}",
                config.url
            ));
        }
        if config.token.is_empty() {
            return Err("the push token must not be empty".to_owned());
        }
        let receive_id = config.receive_id.as_deref().unwrap_or(default_receive_id);
        let crypto = PushCrypto::new(&config.token, &config.aes_key, receive_id)?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .build()
            .map_err(|e| format!("cannot build the push client: {e}"))?;
        Ok(Pusher {
            url,
            crypto,
            retry_delays: config.retry_delays.clone(),
            timeout: config.timeout,
            http,
            ids: Ids::new(),
            log: Log::default(),
        })
    }

    /// Pushes an event of `event_type` now (in the background); returns its log id and
    /// `eventId`. The event is `data` with `EventType` and `eventId` set, and `EventTime`,
    /// `CorpId` and `BizId` added unless `data` has them; `check_url` is just its `EventType`.
    pub fn push(self: &Arc<Self>, event_type: &str, data: Map<String, Value>) -> (u64, String) {
        let event_id = self.ids.token();
        let mut event = if event_type == CHECK_URL {
            Map::new()
        } else {
            let mut event = data;
            event
                .entry("EventTime")
                .or_insert_with(|| Value::from(now_millis()));
            event
                .entry("CorpId")
                .or_insert_with(|| Value::from(CORP_ID));
            event
                .entry("BizId")
                .or_insert_with(|| Value::from(self.ids.token()));
            event.insert("eventId".to_owned(), Value::from(event_id.clone()));
            event
        };
        event.insert("EventType".to_owned(), Value::from(event_type));
        let message = Value::Object(event.clone()).to_string().into_bytes();
        let id = self.log.start(event_type, event);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let task = runtime.spawn(Arc::clone(self).deliver(id, message));
                self.log.set_task(id, task.abort_handle());
            }
            Err(_) => {
                let attempt = Attempt {
                    number: 1,
                    sent_at: now_millis(),
                    http_status: None,
                    answer: None,
                    decrypted: None,
                    acknowledged: false,
                    error: Some("no runtime to push from".to_owned()),
                };
                self.log.record(id, attempt, Some(Status::Failed));
            }
        }
        (id, event_id)
    }

    /// Pushes until acknowledged or out of retries.
    async fn deliver(self: Arc<Self>, id: u64, message: Vec<u8>) {
        for number in 1.. {
            let attempt = self.attempt(number, &message).await;
            let next_delay = self.retry_delays.get(number - 1).copied();
            let done = match (attempt.acknowledged, next_delay) {
                (true, _) => Some(Status::Acknowledged),
                (false, None) => Some(Status::Failed),
                (false, Some(_)) => None,
            };
            self.log.record(id, attempt, done);
            match (done, next_delay) {
                (None, Some(delay)) => tokio::time::sleep(delay).await,
                _ => return,
            }
        }
    }

    /// One POST of the event, freshly sealed, and the verdict on its answer.
    async fn attempt(&self, number: usize, message: &[u8]) -> Attempt {
        let sent_at = now_millis();
        let mut attempt = Attempt {
            number,
            sent_at,
            http_status: None,
            answer: None,
            decrypted: None,
            acknowledged: false,
            error: None,
        };
        let (status, body) = match self.post(message, sent_at).await {
            Ok(answer) => answer,
            Err(reason) => {
                attempt.error = Some(reason);
                return attempt;
            }
        };
        attempt.http_status = Some(status);
        let text = String::from_utf8_lossy(&body);
        attempt.answer = Some(text.chars().take(LOGGED_ANSWER).collect());
        match self.judge(status, &body) {
            Ok(decrypted) => {
                attempt.acknowledged = decrypted == b"success";
                let decrypted = String::from_utf8_lossy(&decrypted).into_owned();
                if !attempt.acknowledged {
                    attempt.error = Some(format!(
                        "the answer decrypts to {decrypted:?}, not \"success\""
                    ));
                }
                attempt.decrypted = Some(decrypted);
            }
            Err(reason) => attempt.error = Some(reason),
        }
        attempt
    }

    /// POSTs `message` sealed at `sent_at`: the answer's status and body (read up to just past
    /// [`ANSWER_LIMIT`]), or why none came within the timeout.
    async fn post(&self, message: &[u8], sent_at: u64) -> Result<(u16, Vec<u8>), String> {
        let timestamp = sent_at.to_string();
        let nonce: String = self.ids.token().chars().take(16).collect();
        let mut random = [0u8; 16];
        random.copy_from_slice(&self.ids.token().as_bytes()[..16]);
        let sealed = self.crypto.seal(message, &random, &timestamp, &nonce);
        let mut url = self.url.clone();
        url.query_pairs_mut()
            .append_pair("msg_signature", &sealed.signature)
            .append_pair("timestamp", &timestamp)
            .append_pair("nonce", &nonce);
        let body = serde_json::json!({ "encrypt": sealed.encrypt }).to_string();
        let request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        let answer = tokio::time::timeout(self.timeout, async {
            let mut response = request.send().await?;
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                body.extend_from_slice(&chunk);
                if body.len() > ANSWER_LIMIT {
                    break;
                }
            }
            Ok::<_, reqwest::Error>((status, body))
        })
        .await;
        let no_answer = || format!("no answer within {:?}", self.timeout);
        match answer {
            Err(_) => Err(no_answer()),
            Ok(Err(e)) if e.is_timeout() => Err(no_answer()),
            Ok(Err(e)) => Err(format!("request failed: {e}")),
            Ok(Ok(answer)) => Ok(answer),
        }
    }

    /// What an answer decrypts to, or why it cannot be decrypted: HTTP 200 and a JSON object
    /// with `msg_signature`, `timeStamp`, `nonce` and `encrypt`, signed and sealed for us.
    fn judge(&self, status: u16, body: &[u8]) -> Result<Vec<u8>, String> {
        if status != 200 {
            return Err(format!("HTTP {status}"));
        }
        if body.len() > ANSWER_LIMIT {
            return Err(format!("the answer is over {ANSWER_LIMIT} bytes"));
        }
        let Ok(Value::Object(answer)) = serde_json::from_slice::<Value>(body) else {
            return Err("the answer is not a JSON object".to_owned());
        };
        let field = |name: &str| -> Result<String, String> {
            match answer.get(name) {
                Some(Value::String(text)) => Ok(text.clone()),
                // Some libraries send the timestamp as a number; DingTalk reads it as text.
                Some(Value::Number(n)) if name == "timeStamp" => Ok(n.to_string()),
                Some(_) => Err(format!("the answer's {name} is not a string")),
                None => Err(format!("the answer has no {name}")),
            }
        };
        let signature = field("msg_signature")?;
        let timestamp = field("timeStamp")?;
        let nonce = field("nonce")?;
        let encrypt = field("encrypt")?;
        self.crypto.open(&signature, &timestamp, &nonce, &encrypt)
    }

    /// The receiveId sealed into pushes.
    pub fn receive_id(&self) -> &str {
        self.crypto.receive_id()
    }
}
