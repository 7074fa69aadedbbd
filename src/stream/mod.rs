//! `DingTalk\Stream`: a Stream-mode worker. The core connects, reconnects, speaks the protocol
//! and deduplicates; this class runs the loop on the PHP thread, tells `options[on_state]` how
//! the connection changes, calls `$onEvent` for each message and acknowledges it by what the
//! callable did.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

mod event;
mod options;
mod report;

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use dingtalk_core::{Ack, Event, Kind};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendCallable, ZendHashTable, Zval};
use ext_php_rs::zend::ExecutorGlobals;

use crate::client::Client;
use crate::exceptions::refused;
use crate::log::{self, Log};
use crate::php::arg_error::ArgError;
use crate::php::args::ArrayArg;
use crate::php::json::object_to_json;
use crate::php::pending::{discard, pending, Pending};
use crate::php::signals::Signals;
use options::{OnError, Run};
use report::OnState;

/// How long one wait for a frame lasts: signals, `stop()`-less deadlines and the script's
/// own signal handlers are looked at this often.
const TICK: Duration = Duration::from_millis(200);

/// A Stream-mode worker of one app.
#[php_class]
#[php(name = "DingTalk\\Stream")]
#[php(flags = ClassFlags::Final)]
pub struct Stream {
    core: RefCell<dingtalk_core::Stream>,
    /// `options[logger]`, or the client's.
    log: Log,
    on_state: Option<OnState>,
    /// Set by `stop()`: `run()` returns once the current event is acknowledged.
    stop: Cell<bool>,
    running: Cell<bool>,
}

/// Why the loop ended with the handler's throwable still pending.
enum Thrown {
    /// `exit()` in the handler: nothing more may run.
    Exit,
    /// An exception to rethrow (it stays pending in the engine).
    Rethrow,
    /// Dropped, as `on_error => 'continue'` asks.
    Dropped,
}

/// What to do with the throwable a callable of the script's left pending.
fn thrown(on_error: OnError) -> Thrown {
    if pending() == Pending::Exit {
        return Thrown::Exit;
    }
    match on_error {
        OnError::Throw => Thrown::Rethrow,
        OnError::Continue => {
            discard();
            Thrown::Dropped
        }
    }
}

/// Resets `running` however `run()` ends.
struct Running<'a>(&'a Cell<bool>);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// What `run()` does next.
enum Next {
    /// Waits for the next message.
    Wait,
    /// Returns.
    End,
    /// Returns at once: `exit()` was called.
    Exit,
    /// Throws.
    Fail(PhpException),
}

impl Next {
    /// After a callable of the script's returned: what its pending throwable (if any) asks.
    fn after_call(on_error: OnError) -> Option<Next> {
        if !ExecutorGlobals::has_exception() {
            return None;
        }
        Some(match thrown(on_error) {
            Thrown::Exit => Next::Exit,
            Thrown::Rethrow => Next::End,
            Thrown::Dropped => Next::Wait,
        })
    }
}

/// The name the handler's answer goes by in errors.
const ANSWER: &str = "the array returned by onEvent";

/// The acknowledgement `answer` (what `$onEvent` returned) asks for: `false` means not
/// handled; an array, for a callback, is its `response`; anything else means handled.
fn ack_of(event: &Event, answer: &Zval) -> Result<Ack, ArgError> {
    if answer.is_false() {
        return Ok(Ack::Later);
    }
    match answer.array() {
        Some(table) if event.kind == Kind::Callback => {
            let array = ArrayArg::Given(table).copy(ANSWER)?;
            Ok(Ack::Response(object_to_json(&array, ANSWER)?))
        }
        _ => Ok(Ack::Success),
    }
}

impl Stream {
    /// How long the next wait for a message may last; `None` when `run()` is to return.
    fn next_wait(&self, bounds: &Run, deadline: Option<Instant>, handled: u64) -> Option<Duration> {
        if self.stop.get() || bounds.max_events.is_some_and(|max| handled >= max) {
            return None;
        }
        let now = Instant::now();
        match deadline {
            Some(deadline) if deadline <= now => None,
            Some(deadline) => Some(TICK.min(deadline - now)),
            None => Some(TICK),
        }
    }

    fn acknowledge(&self, event: &Event, ack: Ack) {
        self.core.borrow_mut().acknowledge(event, ack);
    }

    /// Tells `options[on_state]` what the connection went through since the last time.
    fn report(&self, on_error: OnError) -> Next {
        let states = self.core.borrow_mut().take_states();
        let Some(on_state) = &self.on_state else {
            return Next::Wait;
        };
        for state in &states {
            if let Err(error) = on_state.tell(state) {
                return Next::Fail(error);
            }
            match Next::after_call(on_error) {
                None | Some(Next::Wait) => {}
                Some(next) => return next,
            }
        }
        Next::Wait
    }

    /// Gives `event` to `$onEvent` (counted in `handled`) and acknowledges it by what the
    /// callable did: `false` asks for it again later, a throwable too.
    fn deliver(
        &self,
        event: &Event,
        on_event: &ZendCallable,
        on_error: OnError,
        handled: &mut u64,
    ) -> Next {
        let array = match event::event_array(event) {
            Ok(array) => array,
            Err(error) => {
                // Not for this process: DingTalk delivers it again (maybe to another).
                self.acknowledge(event, Ack::Later);
                return Next::Fail(error);
            }
        };
        *handled += 1;
        let answer = on_event.try_call(vec![&array]);
        if let Some(next) = Next::after_call(on_error) {
            self.acknowledge(event, Ack::Later);
            return next;
        }
        let Ok(answer) = answer else {
            self.acknowledge(event, Ack::Later);
            return Next::Fail(ArgError::not_callable("onEvent").into());
        };
        match ack_of(event, &answer) {
            Ok(ack) => {
                self.acknowledge(event, ack);
                Next::Wait
            }
            Err(error) => {
                self.acknowledge(event, Ack::Later);
                Next::Fail(error.into())
            }
        }
    }
}

#[php_impl]
impl Stream {
    /// `new Stream(Client $client, array $options = [])`: nothing is sent yet.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn __construct(client: &Client, options: ArrayArg) -> PhpResult<Self> {
        let worker = options::worker(&options.copy("options")?)?;
        let own = Log::of(options.entry(log::OPTION), "options[logger]")?;
        let on_state = match options.entry(options::ON_STATE) {
            Some(value) if !value.is_null() => Some(OnState::of(value, "options[on_state]")?),
            _ => None,
        };
        let (core, log) = match own.observer() {
            // Its own logger: a client of the same app whose events go there.
            Some(observer) => (client.core.observed_by(Some(observer)).stream(worker), own),
            None => (client.core.stream(worker), client.log.clone()),
        };
        Ok(Stream {
            core: RefCell::new(core),
            log,
            on_state,
            stop: Cell::new(false),
            running: Cell::new(false),
        })
    }

    /// Connects, calls `$onEvent(array $event)` for each message and acknowledges it, until
    /// `stop()`, a bound of `$options`, SIGTERM/SIGINT or a throwable; returns how many
    /// messages `$onEvent` was given.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn run(&self, onEvent: ZendCallable, options: ArrayArg) -> PhpResult<i64> {
        let bounds = options::run(&options.copy("options")?)?;
        if self.running.replace(true) {
            return Err(refused("the worker is already running"));
        }
        let _running = Running(&self.running);
        self.stop.set(false);
        let signals = Signals::watch();
        let deadline = bounds.timeout.map(|t| Instant::now() + t);
        let mut handled: u64 = 0;
        let result = loop {
            let wait = self.next_wait(&bounds, deadline, handled);
            let Some(wait) = wait.filter(|_| !signals.caught()) else {
                break Ok(());
            };
            let next = self.core.borrow_mut().next_event(wait, deadline);
            let told = self.report(bounds.on_error);
            signals.dispatch();
            // The script's signal handler or on_state threw: that ends run(), the throwable
            // pending (or as on_error says).
            let stop = match told {
                Next::Wait if ExecutorGlobals::has_exception() => Some(Next::End),
                Next::Wait => None,
                other => Some(other),
            };
            if let Some(stop) = stop {
                if let Ok(Some(event)) = &next {
                    self.acknowledge(event, Ack::Later);
                }
                match stop {
                    Next::Exit => return Ok(0),
                    Next::Fail(error) => break Err(error),
                    _ => break Ok(()),
                }
            }
            // What the worker's connection went through is logged between two waits.
            let event = match self.log.result(next) {
                Ok(Some(event)) => event,
                Ok(None) => continue,
                Err(error) => break Err(error),
            };
            match self.deliver(&event, &onEvent, bounds.on_error, &mut handled) {
                Next::Wait => {}
                Next::End => break Ok(()),
                Next::Exit => return Ok(0),
                Next::Fail(error) => break Err(error),
            }
        };
        // Nobody reads the connections any more: closed, so the gateway stops delivering to
        // them.
        self.core.borrow_mut().close(deadline);
        self.log.deliver();
        if result.is_ok() && !ExecutorGlobals::has_exception() {
            // The close itself, if on_state listens (what it throws, run() throws).
            if let Next::Exit = self.report(bounds.on_error) {
                return Ok(0);
            }
        }
        result.map(|()| i64::try_from(handled).unwrap_or(i64::MAX))
    }

    /// Makes `run()` return once the message being handled is acknowledged.
    pub fn stop(&self) {
        self.stop.set(true);
    }

    /// What the worker went through so far: `tickets`, `connections`, `reconnects`,
    /// `failures`, `last_failure`, `deliveries`, `duplicates`.
    pub fn stats(&self) -> PhpResult<ZBox<ZendHashTable>> {
        let stats = self
            .core
            .try_borrow()
            .map_err(|_| refused("the worker is busy"))?
            .stats();
        report::stats_array(&stats)
    }
}
