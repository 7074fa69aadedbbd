//! The `--push-*` flags, collected first and checked together: a push needs a URL, a token and
//! an aesKey, or none of the flags at all.

use std::time::Duration;

use dingtalk_emulator::PushConfig;

use super::values;

#[derive(Default)]
pub struct PushFlags {
    url: Option<String>,
    token: Option<String>,
    aes_key: Option<String>,
    receive_id: Option<String>,
    retry_delays: Option<Vec<Duration>>,
    timeout: Option<Duration>,
}

impl PushFlags {
    /// Takes one `--push-*` flag.
    pub fn set(&mut self, flag: &str, value: String) -> Result<(), String> {
        match flag {
            "--push-url" => self.url = Some(value),
            "--push-token" => self.token = Some(value),
            "--push-aes-key" => self.aes_key = Some(value),
            "--push-receive-id" => self.receive_id = Some(value),
            "--push-retry-delays" => self.retry_delays = Some(values::delays(flag, &value)?),
            "--push-timeout" => self.timeout = Some(values::seconds(flag, &value)?),
            other => return Err(format!("unknown option {other}")),
        }
        Ok(())
    }

    fn none_given(&self) -> bool {
        self.url.is_none()
            && self.token.is_none()
            && self.aes_key.is_none()
            && self.receive_id.is_none()
            && self.retry_delays.is_none()
            && self.timeout.is_none()
    }

    /// The push, `None` without any `--push-*` flag.
    pub fn into_config(self) -> Result<Option<PushConfig>, String> {
        let (Some(url), Some(token), Some(aes_key)) = (&self.url, &self.token, &self.aes_key)
        else {
            if self.none_given() {
                return Ok(None);
            }
            return Err("--push-url, --push-token and --push-aes-key go together".to_owned());
        };
        if !url.starts_with("http://") {
            return Err(format!("--push-url needs an http:// URL, got {url:?}"));
        }
        if token.is_empty() {
            return Err("--push-token must not be empty".to_owned());
        }
        let valid_key = aes_key.len() == 43
            && aes_key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
        if !valid_key {
            return Err("--push-aes-key needs 43 base64 characters".to_owned());
        }
        let mut push = PushConfig::new(url, token, aes_key);
        if let Some(receive_id) = self.receive_id.filter(|id| !id.is_empty()) {
            push.receive_id = Some(receive_id);
        }
        if let Some(delays) = self.retry_delays {
            push.retry_delays = delays;
        }
        if let Some(timeout) = self.timeout {
            push.timeout = timeout;
        }
        Ok(Some(push))
    }
}
