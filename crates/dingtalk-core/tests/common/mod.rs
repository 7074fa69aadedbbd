//! Shared set-up of the core's integration tests: an emulator per test on a free loopback port
//! (so every test has its own token-cache key), its control API, and clients without backoff.

#![allow(dead_code)]

use std::time::Duration;

use dingtalk_core::{Backoff, Client, Options};
use dingtalk_emulator::{Config, RunningEmulator};
use serde_json::{json, Value};

pub const KEY: &str = "demo_app_key";
pub const SECRET: &str = "demo_app_secret";

pub struct Emu {
    pub server: RunningEmulator,
    http: reqwest::blocking::Client,
}

impl Emu {
    pub fn start() -> Emu {
        Emu::with(Config::default())
    }

    pub fn with(config: Config) -> Emu {
        Emu {
            server: dingtalk_emulator::spawn(config).expect("emulator starts"),
            http: reqwest::blocking::Client::new(),
        }
    }

    pub fn url(&self) -> &str {
        self.server.base_url()
    }

    fn control(&self, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/_emulator/{path}", self.url());
        let request = match body {
            Some(body) => self.http.post(url).json(&body),
            None => self.http.get(url),
        };
        request
            .send()
            .expect("control call")
            .json()
            .expect("control answer is JSON")
    }

    pub fn faults(&self, faults: Value) {
        self.control("faults", Some(faults));
    }

    pub fn expire_tokens(&self) {
        self.control("expire-tokens", Some(json!({})));
    }

    pub fn stats(&self) -> Value {
        self.control("stats", None)
    }

    /// How often `path` was requested.
    pub fn count(&self, path: &str) -> u64 {
        self.stats()["requests"][path].as_u64().unwrap_or(0)
    }

    pub fn gettoken_calls(&self) -> u64 {
        self.stats()["gettoken"].as_u64().unwrap_or(0)
    }

    pub fn records(&self, user: &str) -> Vec<Value> {
        let url = format!("{}/_emulator/records", self.url());
        let answer: Value = self
            .http
            .get(url)
            .query(&[("userid", user)])
            .send()
            .unwrap()
            .json()
            .unwrap();
        answer["records"].as_array().cloned().unwrap_or_default()
    }

    /// Options pointing at this emulator, with no pause between retries.
    pub fn options(&self) -> Options {
        Options::default()
            .base_url(self.url())
            .unwrap()
            .backoff(Backoff {
                transient: Duration::ZERO,
                throttled: Duration::ZERO,
            })
    }

    pub fn client(&self) -> Client {
        Client::new(KEY, SECRET, self.options()).unwrap()
    }
}
