//! `DingTalk\Stream`'s two options arrays: the worker's (`__construct`), a table of the core's
//! setters like `DingTalk\Client`'s options (`topics`, a list, read here; `on_state`, a
//! callable, and `logger`, an object, kept by the class), and one run's bounds (`run`), read
//! here.

use std::time::Duration;

use dingtalk_core::StreamOptions;
use ext_php_rs::exception::PhpResult;

use crate::exceptions::OrThrow;
use crate::log;
use crate::php::arg_error::ArgError;
use crate::php::value::{PhpArray, PhpValue};
use crate::setter::{self, Setter};

/// The options of `new Stream($client, $options)` that a setter of the core's takes, in the
/// order the docs list them.
const WORKER: [(&str, Setter<StreamOptions>); 7] = [
    ("keepalive", Setter::Seconds(StreamOptions::keepalive)),
    (
        "reconnect_delay",
        Setter::Seconds(StreamOptions::reconnect_delay),
    ),
    (
        "max_reconnect_delay",
        Setter::Seconds(StreamOptions::max_reconnect_delay),
    ),
    (
        "max_frame_bytes",
        Setter::Int(StreamOptions::max_frame_bytes),
    ),
    ("dedupe", Setter::Seconds(StreamOptions::dedupe)),
    ("ack", Setter::Text(StreamOptions::ack)),
    ("max_failures", Setter::Int(StreamOptions::max_failures)),
];

/// `topics`, a list of words or paths.
pub const TOPICS: &str = "topics";
/// `on_state`, a callable the class keeps.
pub const ON_STATE: &str = "on_state";

/// The worker's options; `null` for a key means its default.
pub fn worker(array: &PhpArray) -> PhpResult<StreamOptions> {
    let mut topics = None;
    let options = setter::read(
        &WORKER,
        StreamOptions::default(),
        array,
        &[TOPICS, ON_STATE, log::OPTION],
        |key, value| {
            if key == TOPICS {
                topics = Some(words(value, "options[topics]")?);
            }
            Ok(())
        },
    )?;
    match topics {
        Some(words) => options.topics(&words).or_throw(),
        None => Ok(options),
    }
}

/// The strings of the list `value`.
fn words(value: &PhpValue, name: &str) -> Result<Vec<String>, ArgError> {
    let PhpValue::Array(list) = value else {
        return Err(ArgError::of_type(name, "array", value.type_name()));
    };
    if !list.is_list() {
        return Err(ArgError::value(name, "must be a list"));
    }
    list.0
        .iter()
        .enumerate()
        .map(|(i, (_, word))| word.string(&format!("{name}[{i}]")).map(str::to_owned))
        .collect()
}

/// What `$onEvent` throwing does to `run()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// The throwable ends `run()` (after the event is acknowledged `LATER`).
    Throw,
    /// The throwable is dropped; `run()` goes on.
    Continue,
}

/// One run's bounds.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub max_events: Option<u64>,
    pub timeout: Option<Duration>,
    pub on_error: OnError,
}

const RUN_KEYS: [&str; 3] = ["max_events", "timeout", "on_error"];
/// The longest `timeout`: a year (a deadline past it means "none" anyway).
const MAX_TIMEOUT: f64 = 365.0 * 86_400.0;

/// The options of `run()`.
pub fn run(array: &PhpArray) -> Result<Run, ArgError> {
    let mut run = Run {
        max_events: None,
        timeout: None,
        on_error: OnError::Throw,
    };
    for (key, value) in array.options(&RUN_KEYS)? {
        let name = format!("options[{key}]");
        match key {
            "max_events" => run.max_events = Some(max_events(&name, value)?),
            "timeout" => run.timeout = Some(timeout(&name, value)?),
            _ => run.on_error = on_error(&name, value)?,
        }
    }
    Ok(run)
}

fn max_events(name: &str, value: &PhpValue) -> Result<u64, ArgError> {
    let n = value.int(name)?;
    let reason = format!("must be 1 or more, {n} given");
    let n = u64::try_from(n).ok().filter(|n| *n >= 1);
    n.ok_or_else(|| ArgError::value(name, reason))
}

fn timeout(name: &str, value: &PhpValue) -> Result<Duration, ArgError> {
    let secs = value.float(name)?;
    if !(secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT) {
        let reason =
            format!("must be a number of seconds greater than 0 (at most a year), {secs} given");
        return Err(ArgError::value(name, reason));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn on_error(name: &str, value: &PhpValue) -> Result<OnError, ArgError> {
    match value.string(name)? {
        "throw" => Ok(OnError::Throw),
        "continue" => Ok(OnError::Continue),
        other => {
            let reason = format!("must be \"throw\" or \"continue\", \"{other}\" given");
            Err(ArgError::value(name, reason))
        }
    }
}
