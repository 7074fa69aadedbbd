//! One open WebSocket to the gateway: reads what has arrived without waiting for more, answers
//! pings and system frames on the way, and watches for silence. Waiting for the first of
//! several connections to have something is the supervisor's (`supervisor.rs`).
//!
//! A connection is dead when it fails in any way: a read or write error, a frame over
//! `max_frame_bytes` (refused by the WebSocket layer before its payload is read), a close,
//! or silence past `keepalive` (even DingTalk's pings stopped: a zombie whose TCP connection
//! is still open). Halfway through a silence a WebSocket ping is sent, so that a gateway that
//! has nothing to say still shows it is alive by its pong.
//!
//! Silence is measured only while the worker listens: between [`Connection::leave`] and
//! [`Connection::resume`] (while the caller handles a message) nothing is read, so what the
//! gateway sent meanwhile waits in the socket, and that time is not held against it.

use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tungstenite::{Message, WebSocket};

use super::frame::{self, Event, Incoming};
use crate::deadline::Deadline;
use crate::net::Transport;

/// What reading brought.
pub(crate) enum Step {
    /// An event or a callback.
    Message(Box<Event>),
    /// The gateway asked the client to connect again (with a new ticket).
    Disconnect,
}

/// The most frames one [`Connection::poll`] reads: a gateway that floods pings cannot keep the
/// worker from its other connections and its deadline.
const FRAMES_PER_POLL: usize = 64;

pub(crate) struct Connection {
    /// This worker's number of the connection (the acknowledgement of a message goes back
    /// over the connection that brought it).
    pub(crate) id: u64,
    socket: WebSocket<Transport>,
    keepalive: Duration,
    /// How long a write may block before the connection counts as dead.
    write_timeout: Duration,
    last_heard: Instant,
    pinged: bool,
    /// When the caller last left (`None`: it is listening now).
    away_since: Option<Instant>,
    /// When it was opened.
    pub(crate) opened: Instant,
    /// Whether it delivered a message (connecting works).
    pub(crate) proven: bool,
}

/// A read or write that stopped without failing: its deadline passed, or a signal came.
fn would_block(error: &tungstenite::Error) -> bool {
    matches!(error, tungstenite::Error::Io(e)
        if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted))
}

impl Connection {
    pub(crate) fn new(
        id: u64,
        socket: WebSocket<Transport>,
        keepalive: Duration,
        write_timeout: Duration,
    ) -> Self {
        let now = Instant::now();
        Connection {
            id,
            socket,
            keepalive,
            write_timeout,
            last_heard: now,
            pinged: false,
            away_since: None,
            opened: now,
            proven: false,
        }
    }

    /// The caller listens again: the keepalive clock, which stood still while it was away,
    /// goes on.
    pub(crate) fn resume(&mut self) {
        if let Some(left) = self.away_since.take() {
            self.last_heard += left.elapsed();
        }
    }

    /// The caller goes away (to handle a message).
    pub(crate) fn leave(&mut self) {
        self.away_since.get_or_insert_with(Instant::now);
    }

    /// The socket, to wait for.
    pub(crate) fn tcp(&self) -> &TcpStream {
        self.socket.get_ref().tcp()
    }

    /// When it must be looked at even if nothing arrives: the ping halfway through a silence,
    /// then the end of `keepalive`.
    pub(crate) fn due(&self) -> Instant {
        let after = if self.pinged {
            self.keepalive
        } else {
            self.keepalive / 2
        };
        self.last_heard + after
    }

    /// Reads what has arrived, without waiting: a message or a `disconnect` when one came
    /// (pings and other system frames are answered on the way); `Err` when the connection is
    /// dead.
    pub(crate) fn poll(&mut self) -> Result<Option<Step>, String> {
        for _ in 0..FRAMES_PER_POLL {
            let silent = self.last_heard.elapsed();
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
            // What has arrived, and no more: a frame still trickling in is read on later.
            self.socket
                .get_mut()
                .set_deadline(Deadline::at(Instant::now()));
            let message = match self.socket.read() {
                Ok(message) => message,
                Err(e) if would_block(&e) => return Ok(None),
                Err(e) => return Err(describe(&e)),
            };
            self.last_heard = Instant::now();
            self.pinged = false;
            match message {
                Message::Text(text) => {
                    if let Some(step) = self.frame(text.as_str())? {
                        return Ok(Some(step));
                    }
                }
                // The WebSocket layer queued the pong or the close reply; send it now (after
                // a close, reading on ends the connection).
                Message::Ping(_) | Message::Close(_) => self.flush()?,
                Message::Pong(_) | Message::Binary(_) | Message::Frame(_) => {}
            }
        }
        Ok(None)
    }

    /// Handles one text frame; a message or a `disconnect` goes to the caller.
    fn frame(&mut self, text: &str) -> Result<Option<Step>, String> {
        match frame::parse(text) {
            Incoming::Message(event) => {
                self.proven = true;
                Ok(Some(Step::Message(event)))
            }
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
            Incoming::Unknown => Ok(None),
        }
    }

    /// Sends one text frame (an answer), within the write timeout.
    pub(crate) fn send(&mut self, text: String) -> Result<(), String> {
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
        self.socket
            .get_mut()
            .set_deadline(Deadline::after(self.write_timeout));
        match self.socket.flush() {
            Err(e) if !would_block(&e) => Err(describe(&e)),
            _ => Ok(()),
        }
    }

    /// Closes the connection politely, without waiting for the gateway's answer.
    pub(crate) fn close(self) {
        self.close_by(Deadline::after(Duration::ZERO));
    }

    /// Closes the connection politely and waits until `wait_until` for the gateway's Close,
    /// which it sends once it has read every frame before ours (RFC 6455 §5.5.1): then each
    /// acknowledgement sent on this connection has reached it. Frames that come meanwhile are
    /// dropped unacknowledged (DingTalk delivers them again).
    pub(crate) fn close_by(mut self, wait_until: Deadline) {
        self.socket
            .get_mut()
            .set_deadline(Deadline::after(Duration::from_secs(1)));
        let _ = self.socket.close(None);
        let _ = self.socket.flush();
        self.socket.get_mut().set_deadline(wait_until);
        // Checked before each read: a read past the deadline still takes what already arrived,
        // and a gateway that floods must not keep this loop going.
        while !wait_until.passed() && self.socket.read().is_ok() {}
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
