//! Log records as PSR-3 has them: a level, a message with `{placeholders}`, and the values in a
//! context. One table turns each event of the core into its record; the failures of calls are
//! made here too. Nothing here touches PHP, and nothing secret is added: every text comes from
//! an event or an error, which the core built without secrets.

use std::time::Duration;

use dingtalk_core::observe::{Answer, Event, LimitOption, Retry, StreamState};
use dingtalk_core::{ApiError, Error};

use super::queue::MAX_EVENTS;

/// PSR-3's levels that the extension uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
}

impl Level {
    /// The level as PSR-3's `LogLevel` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A value of a record's context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Int(i64),
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub level: Level,
    pub message: String,
    pub context: Vec<(&'static str, Value)>,
}

impl Record {
    fn new(level: Level, message: &str) -> Self {
        Record {
            level,
            message: message.to_owned(),
            context: Vec::new(),
        }
    }

    fn text(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.context.push((key, Value::Text(value.into())));
        self
    }

    fn int(mut self, key: &'static str, value: i64) -> Self {
        self.context.push((key, Value::Int(value)));
        self
    }

    fn millis(self, key: &'static str, value: Duration) -> Self {
        self.int(key, i64::try_from(value.as_millis()).unwrap_or(i64::MAX))
    }

    fn maybe(self, key: &'static str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.text(key, value),
            None => self,
        }
    }

    /// A failed attempt's values: `api`, `path`, `attempt`, `reason`, `errcode`, `request_id`.
    fn answer(self, answer: &Answer) -> Self {
        self.text("api", &answer.api)
            .text("path", &answer.path)
            .int("attempt", i64::from(answer.attempt))
            .text("reason", &answer.reason)
            .maybe("errcode", answer.code.as_deref())
            .maybe("request_id", answer.request_id.as_deref())
    }
}

/// The record of an event.
pub fn of_event(event: &Event) -> Record {
    match event {
        Event::TokenFetched { store, lifetime } => Record::new(
            Level::Debug,
            "DingTalk access token fetched, valid for {expires_in} s (token_store: {store})",
        )
        .text("store", *store)
        .int(
            "expires_in",
            i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX),
        ),
        Event::Retrying(retry) => retrying(retry),
        Event::Throttled(answer) => Record::new(
            Level::Notice,
            "DingTalk {api}: attempt {attempt} was throttled ({errcode})",
        )
        .answer(answer),
        Event::RateLimitWait {
            api,
            waited,
            option,
        } => Record::new(
            Level::Notice,
            match option {
                LimitOption::RateLimit => {
                    "DingTalk {api}: waited {delay_ms} ms for a slot of options[rate_limit]"
                }
                LimitOption::PerMinute => {
                    "DingTalk {api}: waited {delay_ms} ms for a slot of options[per_minute]"
                }
            },
        )
        .text("api", api)
        .millis("delay_ms", *waited),
        Event::StoreFailed { store, cause } => Record::new(
            Level::Warning,
            "DingTalk token store ({store}) failed; the call goes on without it: {cause}",
        )
        .text("store", *store)
        .text("cause", cause),
        Event::Stream(state) => stream(state),
    }
}

fn retrying(retry: &Retry) -> Record {
    let message = if retry.token_refused {
        "DingTalk {api}: attempt {attempt} was refused for its access token; retrying at once \
         with a new token"
    } else {
        "DingTalk {api}: attempt {attempt} failed, retrying in {delay_ms} ms: {reason}"
    };
    Record::new(Level::Info, message)
        .answer(&retry.answer)
        .millis("delay_ms", retry.delay)
}

fn stream(state: &StreamState) -> Record {
    match state {
        StreamState::Connecting { attempt } => Record::new(
            Level::Debug,
            "DingTalk Stream connecting (attempt {attempt})",
        )
        .int("attempt", i64::from(*attempt)),
        StreamState::Connected { attempt, host } => {
            Record::new(Level::Info, "DingTalk Stream connected to {host}")
                .text("host", host)
                .int("attempt", i64::from(*attempt))
        }
        StreamState::Disconnected {
            reason,
            draining: true,
        } => Record::new(
            Level::Info,
            "DingTalk Stream: the gateway asked for a new connection; the old one is read until \
             it closes",
        )
        .text("reason", reason),
        StreamState::Disconnected { reason, .. } => {
            Record::new(Level::Info, "DingTalk Stream disconnected: {reason}")
                .text("reason", reason)
        }
        StreamState::Retrying {
            attempt,
            pause,
            reason,
        } => Record::new(
            Level::Warning,
            "DingTalk Stream connection failed: {reason}; attempt {attempt} in {delay_ms} ms",
        )
        .text("reason", reason)
        .int("attempt", i64::from(*attempt))
        .millis("delay_ms", *pause),
    }
}

/// The record of events that did not fit in the queue.
pub fn dropped(count: usize) -> Record {
    Record::new(
        Level::Warning,
        "{dropped} DingTalk log records were dropped: more than {limit} came between two \
         deliveries",
    )
    .int("dropped", i64::try_from(count).unwrap_or(i64::MAX))
    .int("limit", i64::try_from(MAX_EVENTS).unwrap_or(i64::MAX))
}

/// The level a failure is logged at: `notice` for the outcomes a caller branches on (a missing
/// task or record, a duplicate), `error` for the rest; `None` for bad arguments, which are
/// thrown before anything is sent and are not logged.
pub fn failure_level(error: &Error) -> Option<Level> {
    match error {
        Error::InvalidArgument { .. } => None,
        Error::NotFound(_) | Error::Duplicate(_) => Some(Level::Notice),
        _ => Some(Level::Error),
    }
}

/// DingTalk's answer a failure carries, if any.
fn answer_of(error: &Error) -> Option<&ApiError> {
    match error {
        Error::Api(api) | Error::NotFound(api) => Some(api),
        Error::Conflict(conflict) => Some(&conflict.answer),
        Error::Duplicate(duplicate) => Some(&duplicate.answer),
        _ => None,
    }
}

/// The record of a call that failed with `error` (thrown as `class`, with `message`), or of
/// the item `item` of a bulk call. `None` for a failure that is not logged.
pub fn failure(
    error: &Error,
    method: &str,
    class: &str,
    message: &str,
    item: Option<&str>,
) -> Option<Record> {
    let level = failure_level(error)?;
    let text = match item {
        None => "{method}() failed with {exception_class}: {error}",
        Some(_) => "{method}(): item {item} failed with {exception_class}: {error}",
    };
    let answer = answer_of(error);
    let record = Record::new(level, text)
        .text("method", method)
        .maybe("item", item)
        .text("exception_class", class)
        .text("error", message)
        .maybe("errcode", answer.map(|a| a.code.to_string()).as_deref())
        .maybe("request_id", answer.and_then(|a| a.request_id.as_deref()));
    Some(record)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may
mod tests {
    use super::*;

    /// Every `{placeholder}` of a message has its value in the context.
    fn placeholders_are_filled(record: &Record) {
        let mut rest = record.message.as_str();
        while let Some(start) = rest.find('{') {
            let end = rest[start..].find('}').expect("a closed placeholder") + start;
            let key = &rest[start + 1..end];
            assert!(
                record.context.iter().any(|(k, _)| *k == key),
                "{key} of {:?}",
                record.message
            );
            rest = &rest[end + 1..];
        }
    }

    fn answer() -> Answer {
        Answer {
            api: "POST /v1.0/todo/users/{}/tasks".into(),
            path: "/v1.0/todo/users/u/tasks".into(),
            attempt: 1,
            reason: "busy".into(),
            code: Some("90018".into()),
            request_id: Some("r1".into()),
        }
    }

    #[test]
    fn every_event_has_a_level_and_its_placeholders_filled() {
        let events = [
            Event::TokenFetched {
                store: "memory",
                lifetime: Duration::from_secs(7200),
            },
            Event::Retrying(Retry {
                answer: answer(),
                delay: Duration::from_millis(250),
                token_refused: false,
            }),
            Event::Retrying(Retry {
                answer: answer(),
                delay: Duration::ZERO,
                token_refused: true,
            }),
            Event::Throttled(answer()),
            Event::RateLimitWait {
                api: "GET /x".into(),
                waited: Duration::from_millis(5),
                option: LimitOption::RateLimit,
            },
            Event::StoreFailed {
                store: "redis",
                cause: "down".into(),
            },
            Event::Stream(StreamState::Connecting { attempt: 1 }),
            Event::Stream(StreamState::Connected {
                attempt: 1,
                host: "h".into(),
            }),
            Event::Stream(StreamState::Disconnected {
                reason: "r".into(),
                draining: true,
            }),
            Event::Stream(StreamState::Disconnected {
                reason: "r".into(),
                draining: false,
            }),
            Event::Stream(StreamState::Retrying {
                attempt: 2,
                pause: Duration::from_secs(1),
                reason: "r".into(),
            }),
        ];
        let levels: Vec<_> = events.iter().map(|e| of_event(e).level).collect();
        use Level::*;
        assert_eq!(
            levels,
            [Debug, Info, Info, Notice, Notice, Warning, Debug, Info, Info, Info, Warning]
        );
        for event in &events {
            placeholders_are_filled(&of_event(event));
        }
        placeholders_are_filled(&dropped(3));
        let retry = of_event(&events[1]);
        assert!(retry.context.contains(&("delay_ms", Value::Int(250))));
        assert!(retry
            .context
            .contains(&("errcode", Value::Text("90018".into()))));
    }

    #[test]
    fn failures_are_logged_by_what_the_caller_does_with_them() {
        let invalid = Error::InvalidArgument {
            name: "x".into(),
            reason: "bad".into(),
        };
        assert!(failure(&invalid, "m", "ValueError", "bad", None).is_none());
        let record = failure(
            &Error::Internal("x".into()),
            "DingTalk\\Client::get",
            "C",
            "x",
            Some("3"),
        )
        .unwrap();
        assert_eq!(record.level, Level::Error);
        placeholders_are_filled(&record);
    }
}
