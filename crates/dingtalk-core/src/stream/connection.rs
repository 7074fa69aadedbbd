//! One open WebSocket to the gateway: reads frames until an event comes or the caller's
//! deadline passes, answers pings and system frames on the way, and watches for silence.
//!
//! A connection is dead when it fails in any way: a read or write error, a frame over
//! `max_frame_bytes` (refused by the WebSocket layer before its payload is read), a close,
//! or silence past `keepalive`. Halfway through a silence a WebSocket ping is sent, so that a
//! gateway that has nothing to say still shows it is alive by its pong.
//!
//! Silence is measured only while the worker listens: between two calls of [`Connection::next`]
//! (while the caller handles an event) nothing is read, so what the gateway sent meanwhile
//! waits in the socket, and that time is not held against it.

use std::io;
use std::time::{Duration, Instant};

use tungstenite::{Message, WebSocket};

use super::frame::{self, Ack, Event, Incoming};
use crate::deadline::Deadline;
use crate::net::Transport;

/// What reading brought.
pub(crate) enum Step {
    /// Boxed: far larger than the other variants.
    Event(Box<Event>),
    /// The gateway asked the client to connect again (with a new ticket).
    Disconnect,
    /// The deadline passed with nothing for the caller.
    Idle,
}

pub(crate) struct Connection {
    socket: WebSocket<Transport>,
    keepalive: Duration,
    /// How long a write may block before the connection counts as dead.
    write_timeout: Duration,
    last_heard: Instant,
    pinged: bool,
    /// When the caller last left [`Connection::next`] (`None`: it is reading now).
    away_since: Option<Instant>,
    /// When it was opened.
    pub(crate) opened: Instant,
}

/// A read or write that stopped without failing: its deadline passed, or a signal came (a
/// socket with a timeout is not restarted after a signal handler, whatever `SA_RESTART` says).
fn would_block(error: &tungstenite::Error) -> bool {
    matches!(error, tungstenite::Error::Io(e)
        if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted))
}

impl Connection {
    pub(crate) fn new(
        socket: WebSocket<Transport>,
        keepalive: Duration,
        write_timeout: Duration,
    ) -> Self {
        Connection {
            socket,
            keepalive,
            write_timeout,
            last_heard: Instant::now(),
            pinged: false,
            away_since: None,
            opened: Instant::now(),
        }
    }

    /// Reads until an event, a `disconnect`, or `deadline`; `Err` when the connection is dead.
    pub(crate) fn next(&mut self, deadline: Instant) -> Result<Step, String> {
        if let Some(left) = self.away_since.take() {
            // The keepalive clock stood still while the caller was away.
            self.last_heard += left.elapsed();
        }
        let step = self.listen(deadline);
        self.away_since = Some(Instant::now());
        step
    }

    /// [`Connection::next`] while the caller waits.
    fn listen(&mut self, deadline: Instant) -> Result<Step, String> {
        loop {
            let now = Instant::now();
            let silent = now.saturating_duration_since(self.last_heard);
            if silent >= self.keepalive {
                return Err(format!(
                    "the gateway sent nothing for {:.3} s (options[keepalive])",
                    silent.as_secs_f64()
                ));
            }
            if !self.pinged && silent >= self.keepalive / 2 {
                self.pinged = true;
                self.write(Message::Ping(Default::default()))?;
            }
            let check = self.last_heard
                + if self.pinged {
                    self.keepalive
                } else {
                    self.keepalive / 2
                };
            let until = deadline.min(check);
            if until <= now {
                if deadline <= now {
                    return Ok(Step::Idle);
                }
                continue;
            }
            // A frame trickled in slower than that is read on in the next round.
            self.socket.get_mut().set_deadline(Deadline::at(until));
            let message = match self.socket.read() {
                Ok(message) => message,
                Err(e) if would_block(&e) => continue,
                Err(e) => return Err(describe(&e)),
            };
            self.last_heard = Instant::now();
            self.pinged = false;
            match message {
                Message::Text(text) => {
                    if let Some(step) = self.frame(text.as_str())? {
                        return Ok(step);
                    }
                }
                // The WebSocket layer queued the pong; send it now.
                Message::Ping(_) => self.flush()?,
                Message::Close(_) => {
                    // The layer queued the close reply; reading on ends the connection.
                    let _ = self.flush();
                }
                Message::Pong(_) | Message::Binary(_) | Message::Frame(_) => {}
            }
        }
    }

    /// Handles one text frame; an event or a `disconnect` goes to the caller.
    fn frame(&mut self, text: &str) -> Result<Option<Step>, String> {
        match frame::parse(text) {
            Incoming::Event(event) => Ok(Some(Step::Event(Box::new(event)))),
            Incoming::Ping { message_id, data } => {
                self.send(frame::pong(&message_id, &data))?;
                Ok(None)
            }
            Incoming::Disconnect { message_id } => {
                // Acknowledged first, so the gateway does not send it again.
                self.send(frame::system_ack(&message_id))?;
                Ok(Some(Step::Disconnect))
            }
            Incoming::System { message_id } => {
                self.send(frame::system_ack(&message_id))?;
                Ok(None)
            }
            Incoming::Callback { message_id } => {
                self.send(frame::no_handler(&message_id))?;
                Ok(None)
            }
            Incoming::Unknown => Ok(None),
        }
    }

    /// Acknowledges an event.
    pub(crate) fn acknowledge(&mut self, message_id: &str, ack: Ack) -> Result<(), String> {
        self.send(frame::event_ack(message_id, ack))
    }

    fn send(&mut self, text: String) -> Result<(), String> {
        self.write(Message::text(text))
    }

    fn write(&mut self, message: Message) -> Result<(), String> {
        let deadline = Deadline::after(self.write_timeout);
        self.socket.get_mut().set_deadline(deadline);
        let mut sent = self.socket.send(message);
        // A signal stopped the write: what is queued is written on, by the same deadline.
        while matches!(&sent, Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::Interrupted)
            && !deadline.passed()
        {
            sent = self.socket.flush();
        }
        sent.map_err(|e| describe(&e))
    }

    fn flush(&mut self) -> Result<(), String> {
        match self.socket.flush() {
            Err(e) if !would_block(&e) => Err(describe(&e)),
            _ => Ok(()),
        }
    }

    /// Closes the connection politely, without waiting for the gateway's answer.
    pub(crate) fn close(mut self) {
        self.socket
            .get_mut()
            .set_deadline(Deadline::after(Duration::from_secs(1)));
        let _ = self.socket.close(None);
        let _ = self.socket.flush();
    }
}

/// Why a connection died, in words (never the URL: it holds the ticket).
fn describe(error: &tungstenite::Error) -> String {
    use tungstenite::error::CapacityError;
    match error {
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            "the gateway closed the connection".to_owned()
        }
        tungstenite::Error::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
            format!("the gateway sent a frame of {size} bytes, over options[max_frame_bytes] ({max_size})")
        }
        tungstenite::Error::Io(e) if would_block(error) => {
            format!("the connection stalled: {e}")
        }
        tungstenite::Error::Io(e) => format!("the connection failed: {e}"),
        tungstenite::Error::Protocol(e) => format!("the gateway broke the protocol: {e}"),
        other => format!("the connection failed: {other}"),
    }
}
