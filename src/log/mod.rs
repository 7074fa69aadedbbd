//! The `logger` option: the PHP logger of a client and of every object made from it, which any
//! class that calls DingTalk shares by holding a [`Log`].
//!
//! The core tells an observer what happens on the way; the binding's observer ([`queue`]) only
//! keeps those events, from whatever thread they come. They reach the PHP logger on PHP's
//! thread when the core is done and holds no lock: when the call that caused them returns or
//! throws, before its result is handed back (for a `Stream`, between two waits for an event).
//! A call that ends in an exception is logged then too, with the very exception it throws.
//!
//! Without a logger none of this runs: the core builds no event, and a result only goes
//! through one branch here. A logger that throws does not break the call: its throwable is
//! dropped with the records of that call it had not yet been given. Records of calls the
//! logger itself makes (a logger that sends to DingTalk) are dropped rather than logged, so a
//! logger cannot feed itself.
//!
//! A class that calls DingTalk takes part by holding a [`Log`]: its own, read from its options
//! with [`Log::of`] (whose [`Log::observer`] is given to the core client it works with), or a
//! clone of its client's; and by handing every result of the core to [`Log::result`] instead of
//! throwing it directly.

pub mod queue;
mod record;
mod target;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use dingtalk_core::observe::Observer;
use dingtalk_core::Error;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::Zval;

use crate::exceptions::{thrown, IntoPhp};
use crate::php::arg_error::ArgError;
use crate::php::frame::executing;
use crate::php::pending::{pending, Pending};
use crate::php::throw::visible;
use queue::Queue;
use record::Record;
use target::{Delivered, Target};

/// The key of the option in an options array.
pub const OPTION: &str = "logger";

/// The logger of a PHP object, if it has one; cheap to share with the objects made from it.
#[derive(Clone, Default)]
pub struct Log(Option<Rc<Sink>>);

struct Sink {
    target: Target,
    queue: Arc<Queue>,
    /// Set while the logger runs: what it causes is not logged.
    delivering: Cell<bool>,
}

impl Log {
    /// The logger given as `name` (`options[logger]`); `None` or `null`: none.
    pub fn of(value: Option<&Zval>, name: &str) -> Result<Log, ArgError> {
        let Some(value) = value.map(Zval::dereference).filter(|v| !v.is_null()) else {
            return Ok(Log::default());
        };
        Ok(Log(Some(Rc::new(Sink {
            target: Target::of(value, name)?,
            queue: Arc::new(Queue::default()),
            delivering: Cell::new(false),
        }))))
    }

    /// The observer to give the core: `None` without a logger.
    pub fn observer(&self) -> Option<Arc<dyn Observer>> {
        self.0
            .as_ref()
            .map(|sink| Arc::clone(&sink.queue) as Arc<dyn Observer>)
    }

    /// Hands the records kept so far to the logger. Only on PHP's thread, with no lock of the
    /// core held. While a throwable is pending (a handler's, on its way to the caller), PHP
    /// code cannot run: the records wait for the next delivery.
    pub fn deliver(&self) {
        let Some(sink) = &self.0 else {
            return;
        };
        if pending() != Pending::Nothing {
            return;
        }
        let (events, dropped) = sink.queue.take();
        let records = events
            .iter()
            .map(record::of_event)
            .chain((dropped > 0).then(|| record::dropped(dropped)));
        sink.log_all(records, None);
    }

    /// The result of a call to the core: delivers what it caused, then returns its value or
    /// throws its exception, logged.
    pub fn result<T>(&self, result: dingtalk_core::Result<T>) -> PhpResult<T> {
        self.deliver();
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let Some(sink) = &self.0 else {
            return Err(error.into_php());
        };
        match thrown(&error) {
            Some((exception, object)) => {
                sink.log_all(failure(&error, &object, None), Some(&object));
                Err(exception)
            }
            None => Err(error.into_php()),
        }
    }

    /// Logs the failure of the item `item` of a bulk call, whose result holds `object`.
    pub fn item_failed(&self, error: &Error, object: &Zval, item: &str) {
        if let Some(sink) = &self.0 {
            sink.log_all(failure(error, object, Some(item)), Some(object));
        }
    }
}

/// The record of a failure thrown as `object` (a failure that is not logged: none). Its
/// message is the exception's: a core error's own text, NUL bytes made visible.
fn failure(error: &Error, object: &Zval, item: Option<&str>) -> Option<Record> {
    let method = executing().map(|f| f.name()).unwrap_or_default();
    let class = object
        .object()
        .and_then(|o| o.get_class_name().ok())
        .unwrap_or_default();
    let message = visible(&error.to_string()).into_owned();
    record::failure(error, &method, &class, &message, item)
}

impl Sink {
    /// Hands `records` to the logger, until it throws; nothing while it is already running or
    /// a throwable is pending.
    fn log_all(&self, records: impl IntoIterator<Item = Record>, exception: Option<&Zval>) {
        if pending() != Pending::Nothing || self.delivering.replace(true) {
            return;
        }
        for record in records {
            if self.target.log(&record, exception) == Delivered::Stop {
                break;
            }
        }
        self.delivering.set(false);
    }
}
