//! `DingTalk\Stream`: a Stream-mode worker. The core connects, reconnects and speaks the
//! protocol; this class runs the loop on the PHP thread, calls `$onEvent` for each event and
//! acknowledges it by what the callable did.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

mod event;
mod options;

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use dingtalk_core::{Ack, Event};
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::ffi::zend_object;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendCallable;
use ext_php_rs::zend::ExecutorGlobals;

use crate::client::Client;
use crate::exceptions::{refused, OrThrow};
use crate::php::arg_error::ArgError;
use crate::php::args::ArrayArg;
use crate::php::signals::Signals;
use options::{OnError, Run};

extern "C" {
    /// Whether a pending "exception" is the engine's unwinding for `exit()`.
    fn zend_is_unwind_exit(exception: *const zend_object) -> bool;
}

/// How long one wait for a frame lasts: signals, `stop()`-less deadlines and the script's
/// own signal handlers are looked at this often.
const TICK: Duration = Duration::from_millis(200);

/// A Stream-mode worker of one app.
#[php_class]
#[php(name = "DingTalk\\Stream")]
#[php(flags = ClassFlags::Final)]
pub struct Stream {
    core: RefCell<dingtalk_core::Stream>,
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

/// What to do with the throwable the handler left pending.
fn thrown(on_error: OnError) -> Thrown {
    let exception = ExecutorGlobals::get().exception;
    // SAFETY: a pending exception is a live object; the engine's own check reads its class.
    if !exception.is_null() && unsafe { zend_is_unwind_exit(exception) } {
        return Thrown::Exit;
    }
    match on_error {
        OnError::Throw => Thrown::Rethrow,
        OnError::Continue => {
            drop(ExecutorGlobals::take_exception());
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

/// What `run()` does after an event.
enum Next {
    /// Waits for the next one.
    Wait,
    /// Returns.
    End,
    /// Returns at once: `exit()` was called.
    Exit,
    /// Throws.
    Fail(PhpException),
}

impl Stream {
    /// How long the next wait for an event may last; `None` when `run()` is to return.
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
        if ExecutorGlobals::has_exception() {
            let next = match thrown(on_error) {
                Thrown::Exit => return Next::Exit,
                Thrown::Rethrow => Next::End,
                Thrown::Dropped => Next::Wait,
            };
            self.acknowledge(event, Ack::Later);
            return next;
        }
        match answer {
            Ok(value) => {
                let ack = if value.is_false() {
                    Ack::Later
                } else {
                    Ack::Success
                };
                self.acknowledge(event, ack);
                Next::Wait
            }
            Err(_) => {
                self.acknowledge(event, Ack::Later);
                Next::Fail(ArgError::not_callable("onEvent").into())
            }
        }
    }
}

#[php_impl]
impl Stream {
    /// `new Stream(Client $client, array $options = [])`: nothing is sent yet.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn __construct(client: &Client, options: ArrayArg) -> PhpResult<Self> {
        let options = options::worker(&options.copy("options")?)?;
        Ok(Stream {
            core: RefCell::new(client.core.stream(options)),
            stop: Cell::new(false),
            running: Cell::new(false),
        })
    }

    /// Connects, calls `$onEvent(array $event)` for each event and acknowledges it, until
    /// `stop()`, a bound of `$options`, SIGTERM/SIGINT or a throwable; returns how many events
    /// `$onEvent` was given.
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
            signals.dispatch();
            if ExecutorGlobals::has_exception() {
                // The script's signal handler threw: that ends run(), the throwable pending.
                if let Ok(Some(event)) = &next {
                    self.acknowledge(event, Ack::Later);
                }
                break Ok(());
            }
            let event = match next.or_throw() {
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
        // Nobody reads the connection any more: closed, so the gateway stops delivering to it.
        self.core.borrow_mut().close();
        result.map(|()| i64::try_from(handled).unwrap_or(i64::MAX))
    }

    /// Makes `run()` return once the event being handled is acknowledged.
    pub fn stop(&self) {
        self.stop.set(true);
    }
}
