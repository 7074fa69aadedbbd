//! The webhook robots a test created (`POST /_emulator/webhooks`), found by their token, and
//! each robot's flow control: DingTalk lets a robot send 20 messages a minute, then answers
//! 130101 and mutes it for 10 minutes. Here the minute slides (the last 60 seconds), the limit
//! and the mute are `--webhook-limit` and `--webhook-mute`, and only delivered messages count.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The window the limit counts in.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Security keywords a robot may have (DingTalk's settings page allows 10).
pub const MAX_KEYWORDS: usize = 10;

/// A robot's flow control: its limit per [`WINDOW`] and how long it is muted past it.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_window: u32,
    pub mute: Duration,
}

#[derive(Debug)]
pub struct Robot {
    pub name: String,
    pub token: String,
    pub secret: Option<String>,
    pub keywords: Vec<String>,
    /// When each send of the last [`WINDOW`] was delivered, oldest first.
    sent: VecDeque<Instant>,
    muted_until: Option<Instant>,
    delivered: u64,
    throttled: u64,
}

impl Robot {
    /// Whether one more message may be delivered now; counts it when it may. Past the limit
    /// the robot is muted for `limits.mute`, and every message until then is refused too.
    pub fn admit(&mut self, now: Instant, limits: Limits) -> bool {
        if let Some(until) = self.muted_until {
            if now < until {
                self.throttled += 1;
                return false;
            }
            self.muted_until = None;
            self.sent.clear();
        }
        while self
            .sent
            .front()
            .is_some_and(|sent| now.saturating_duration_since(*sent) >= WINDOW)
        {
            self.sent.pop_front();
        }
        if self.sent.len() >= limits.per_window as usize {
            self.muted_until = Some(now + limits.mute);
            self.throttled += 1;
            return false;
        }
        self.sent.push_back(now);
        self.delivered += 1;
        true
    }

    /// Whether a message with this text has one of the robot's keywords (always, without any).
    pub fn has_keyword(&self, text: &str) -> bool {
        self.keywords.is_empty()
            || self
                .keywords
                .iter()
                .any(|word| text.contains(word.as_str()))
    }

    /// The robot as `GET /_emulator/webhooks` shows it (`url` is added there).
    pub fn to_json(&self, now: Instant) -> Value {
        json!({
            "name": self.name,
            "access_token": self.token,
            "secret": self.secret,
            "keywords": self.keywords,
            "delivered": self.delivered,
            "throttled": self.throttled,
            "muted": self.muted_until.is_some_and(|until| now < until),
        })
    }
}

/// What creating a robot takes.
#[derive(Debug)]
pub struct NewRobot {
    pub name: Option<String>,
    pub token: String,
    pub secret: Option<String>,
    pub keywords: Vec<String>,
}

#[derive(Default)]
pub struct WebhookStore {
    robots: Vec<Robot>,
    by_token: HashMap<String, usize>,
    /// Robots created since start, for default names; never reset, so names stay unique.
    created: u64,
}

impl WebhookStore {
    /// Creates a robot; a name already taken is refused.
    pub fn create(&mut self, new: NewRobot) -> Result<&Robot, String> {
        self.created += 1;
        let name = new
            .name
            .unwrap_or_else(|| format!("webhook-{}", self.created));
        if self.robots.iter().any(|robot| robot.name == name) {
            return Err(format!("a webhook named {name:?} exists already"));
        }
        self.by_token.insert(new.token.clone(), self.robots.len());
        self.robots.push(Robot {
            name,
            token: new.token,
            secret: new.secret,
            keywords: new.keywords,
            sent: VecDeque::new(),
            muted_until: None,
            delivered: 0,
            throttled: 0,
        });
        Ok(&self.robots[self.robots.len() - 1])
    }

    pub fn by_token_mut(&mut self, token: &str) -> Option<&mut Robot> {
        let index = *self.by_token.get(token)?;
        self.robots.get_mut(index)
    }

    /// Every robot, in the order created.
    pub fn robots(&self) -> &[Robot] {
        &self.robots
    }

    pub fn clear(&mut self) {
        self.robots.clear();
        self.by_token.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn robot(keywords: &[&str]) -> Robot {
        let mut store = WebhookStore::default();
        let new = NewRobot {
            name: None,
            token: "t".into(),
            secret: None,
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        };
        let name = store.create(new).unwrap().name.clone();
        assert_eq!(name, "webhook-1");
        store.robots.remove(0)
    }

    const LIMITS: Limits = Limits {
        per_window: 3,
        mute: Duration::from_secs(600),
    };

    #[test]
    fn the_limit_counts_the_last_minute_then_mutes() {
        let mut robot = robot(&[]);
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        assert!(robot.admit(at(0), LIMITS));
        assert!(robot.admit(at(10), LIMITS));
        assert!(robot.admit(at(20), LIMITS));
        // The send at 0 s leaves the window at 60 s: one more fits then, not before.
        assert!(robot.admit(at(60), LIMITS));
        assert!(!robot.admit(at(61), LIMITS), "4 in the last minute");
        assert!(
            !robot.admit(at(200), LIMITS),
            "muted, although the minute is quiet"
        );
        assert!(robot.admit(at(61 + 600), LIMITS), "the mute is over");
        let shown = robot.to_json(at(61 + 600));
        assert_eq!(
            (shown["delivered"].as_u64(), shown["throttled"].as_u64()),
            (Some(5), Some(2))
        );
    }

    #[test]
    fn keywords_are_looked_for_in_the_text() {
        assert!(robot(&[]).has_keyword("anything"));
        let alarm = robot(&["alarm", "告警"]);
        assert!(alarm.has_keyword("disk alarm on db1"));
        assert!(alarm.has_keyword("磁盘告警"));
        assert!(!alarm.has_keyword("all is well"));
    }

    #[test]
    fn names_are_unique() {
        let mut store = WebhookStore::default();
        let new = |name: &str, token: &str| NewRobot {
            name: Some(name.into()),
            token: token.into(),
            secret: None,
            keywords: Vec::new(),
        };
        assert!(store.create(new("ops", "t1")).is_ok());
        assert!(store
            .create(new("ops", "t2"))
            .unwrap_err()
            .contains("exists"));
        assert!(store.by_token_mut("t1").is_some());
        assert!(store.by_token_mut("t2").is_none());
        store.clear();
        assert!(store.by_token_mut("t1").is_none());
    }
}
