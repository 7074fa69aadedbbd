//! `GET /connect?ticket=...`: the WebSocket handshake (a valid ticket, or HTTP 401), and the
//! task that serves one connection: its pings, the frames the hub sends it, and the client's
//! answers.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::connections::Command;
use super::frame;
use super::tickets::Client;
use super::Hub;
use crate::family::json;
use crate::ids::Ids;
use crate::params::query_param;
use crate::state::AppState;

/// The WebSocket endpoint handed out with every ticket.
pub const CONNECT: &str = "/connect";
/// The largest frame read from a client; its answers are a few hundred bytes.
const MAX_CLIENT_FRAME: usize = 64 * 1024;

/// `GET /connect?ticket=...`: the WebSocket, for a valid ticket (each ticket works once, for
/// [`crate::StreamConfig::ticket_ttl`]); HTTP 401 otherwise.
pub async fn connect(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let Some(ticket) = query_param(query.as_deref(), "ticket") else {
        return refuse("no ticket");
    };
    let ticket = ticket.into_owned();
    let client = match state.stream.redeem(&ticket) {
        Ok(client) => client,
        Err(reason) => return refuse(reason),
    };
    upgrade
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| serve(socket, state, client, ticket))
}

fn refuse(reason: &str) -> Response {
    json(
        StatusCode::UNAUTHORIZED,
        json!({"code": "InvalidTicket", "message": reason}).to_string(),
    )
}

/// Serves one connection until it closes or is dropped.
async fn serve(socket: WebSocket, state: Arc<AppState>, client: Client, ticket: String) {
    let hub = &state.stream;
    let (sender, mut commands) = mpsc::unbounded_channel();
    let mut connection = Connection {
        id: hub.open(client, &ticket, sender),
        socket,
        hub,
        ids: Ids::new(),
        closing_at: None,
    };
    let mut pings = tokio::time::interval_at(
        Instant::now() + hub.config.ping_interval,
        hub.config.ping_interval.max(Duration::from_millis(1)),
    );
    let reason = loop {
        let closing_at = connection.closing_at;
        let close_due = async {
            match closing_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let step = tokio::select! {
            incoming = connection.socket.recv() => connection.read(incoming, &state).await,
            _ = pings.tick(), if closing_at.is_none() => connection.ping().await,
            () = close_due => {
                close(&mut connection.socket).await;
                Err("closed by the gateway after disconnect".to_owned())
            }
            command = commands.recv() => connection.obey(command, &mut commands).await,
        };
        if let Err(reason) = step {
            break reason;
        }
    };
    hub.close(connection.id, &reason);
}

/// What serving a connection goes on with after one event: `Err` ends it, for that reason.
type Step = Result<(), String>;

/// One connection as the gateway serves it.
struct Connection<'a> {
    id: u64,
    socket: WebSocket,
    hub: &'a Arc<Hub>,
    ids: Ids,
    /// Set by a disconnect: when the gateway closes the connection (no ping until then).
    closing_at: Option<Instant>,
}

impl Connection<'_> {
    /// A frame from the client: an answer is taken by the hub, a Close ends the connection.
    async fn read(
        &mut self,
        incoming: Option<Result<Message, axum::Error>>,
        state: &AppState,
    ) -> Step {
        match incoming {
            Some(Ok(Message::Text(text))) => {
                if let Some(answered) = self.hub.answer(self.id, text.as_str()) {
                    state.callback_answered(&answered);
                }
                Ok(())
            }
            Some(Ok(Message::Close(_))) => {
                // RFC 6455 §5.5.1: a Close is answered with a Close. The WebSocket layer
                // queued the reply (echoing the client's code); closing the sink sends it.
                let _ = SinkExt::close(&mut self.socket).await;
                Err("client closed".to_owned())
            }
            None => Err("client closed".to_owned()),
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(format!("connection failed: {e}")),
        }
    }

    /// The gateway's keepalive ping, whose pong the hub expects.
    async fn ping(&mut self) -> Step {
        let message_id = self.ids.token();
        let opaque = self.ids.token();
        let data = json!({ "opaque": opaque }).to_string();
        self.hub.ping_sent(self.id, &message_id, &opaque);
        self.send(frame::system("ping", &message_id, &data), "a ping")
            .await
    }

    async fn send(&mut self, frame: String, what: &str) -> Step {
        match self.socket.send(Message::text(frame)).await {
            Ok(()) => Ok(()),
            Err(_) => Err(format!("connection failed while sending {what}")),
        }
    }

    /// A command of the hub (or of the emulator's control API through it).
    async fn obey(
        &mut self,
        command: Option<Command>,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Step {
        match command {
            Some(Command::Send(frame)) => self.send(frame, "a frame").await,
            Some(Command::Disconnect {
                close_after,
                keeps_pushing,
            }) => {
                let message_id = self.ids.token();
                let data = json!({"reason": "asked by the emulator's control API"}).to_string();
                self.hub
                    .disconnect_sent(self.id, &message_id, keeps_pushing);
                let frame = frame::system("disconnect", &message_id, &data);
                self.send(frame, "disconnect").await?;
                self.closing_at.get_or_insert(Instant::now() + close_after);
                Ok(())
            }
            Some(Command::Drop) | None => Err("dropped by the emulator".to_owned()),
            Some(Command::Silence { keeps_pushing }) => {
                // Neither reads nor writes (so no pong either) until dropped: whatever is
                // pushed to it meanwhile is swallowed.
                self.hub.silence(self.id, keeps_pushing);
                while let Some(command) = commands.recv().await {
                    if matches!(command, Command::Drop) {
                        break;
                    }
                }
                Err("dropped by the emulator after a silence".to_owned())
            }
        }
    }
}

/// How long a closing handshake the gateway starts waits for the client's Close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// The gateway closes the connection: a Close frame, then up to [`CLOSE_WAIT`] for the
/// client's, then the TCP connection.
async fn close(socket: &mut WebSocket) {
    let goodbye = CloseFrame {
        code: close_code::NORMAL,
        reason: "disconnect".into(),
    };
    if socket.send(Message::Close(Some(goodbye))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}
