//! `DingTalk\Stream`'s two options arrays: the worker's (`__construct`) and one run's (`run`).
//! Each is one table of names and setters, like `DingTalk\Client`'s options.

use std::time::Duration;

use dingtalk_core::{Result as CoreResult, StreamOptions};
use ext_php_rs::exception::PhpResult;

use crate::exceptions::OrThrow;
use crate::php::arg_error::ArgError;
use crate::php::args::{PhpArray, PhpValue};

/// Seconds: an int or a float.
fn seconds(name: &str, value: &PhpValue) -> PhpResult<f64> {
    match value {
        PhpValue::Float(f) => Ok(*f),
        // Whole seconds are fine as ints; the precision lost above 2^53 s does not matter.
        #[allow(clippy::cast_precision_loss)]
        PhpValue::Int(i) => Ok(*i as f64),
        other => Err(ArgError::of_type(name, "float", other.type_name()).into()),
    }
}

/// How a worker option is read from PHP, and the core's setter that checks and stores it.
#[derive(Clone, Copy)]
enum Setter {
    Seconds(fn(StreamOptions, f64) -> CoreResult<StreamOptions>),
    Int(fn(StreamOptions, i64) -> CoreResult<StreamOptions>),
}

/// Every option of `new Stream($client, $options)`, in the order the README lists them.
const WORKER: [(&str, Setter); 4] = [
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
];

/// The worker's options; `null` for a key means its default.
pub fn worker(array: &PhpArray) -> PhpResult<StreamOptions> {
    let names = WORKER.map(|(name, _)| name);
    let mut options = StreamOptions::default();
    for (key, value) in array.options(&names)? {
        let Some((_, setter)) = WORKER.iter().find(|(name, _)| *name == key) else {
            continue; // `options()` only returns known keys
        };
        let name = format!("options[{key}]");
        options = match *setter {
            Setter::Seconds(set) => set(options, seconds(&name, value)?),
            Setter::Int(set) => set(options, value.int(&name)?),
        }
        .or_throw()?;
    }
    Ok(options)
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
pub fn run(array: &PhpArray) -> PhpResult<Run> {
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

fn max_events(name: &str, value: &PhpValue) -> PhpResult<u64> {
    let n = value.int(name)?;
    let reason = format!("must be 1 or more, {n} given");
    let n = u64::try_from(n).ok().filter(|n| *n >= 1);
    Ok(n.ok_or_else(|| ArgError::value(name, reason))?)
}

fn timeout(name: &str, value: &PhpValue) -> PhpResult<Duration> {
    let secs = seconds(name, value)?;
    if !(secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT) {
        let reason =
            format!("must be a number of seconds greater than 0 (at most a year), {secs} given");
        return Err(ArgError::value(name, reason).into());
    }
    Ok(Duration::from_secs_f64(secs))
}

fn on_error(name: &str, value: &PhpValue) -> PhpResult<OnError> {
    match value.text(name)? {
        "throw" => Ok(OnError::Throw),
        "continue" => Ok(OnError::Continue),
        other => {
            let reason = format!("must be \"throw\" or \"continue\", \"{other}\" given");
            Err(ArgError::value(name, reason).into())
        }
    }
}
