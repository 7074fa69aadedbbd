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

/// How long a closing handshake the gateway starts waits for the client's Close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Serves one connection until it closes or is dropped.
async fn serve(mut socket: WebSocket, state: Arc<AppState>, client: Client, ticket: String) {
    let hub = &state.stream;
    let (sender, mut commands) = mpsc::unbounded_channel();
    let id = hub.open(client, &ticket, sender);
    let ids = Ids::new();
    let mut pings = tokio::time::interval_at(
        Instant::now() + hub.config.ping_interval,
        hub.config.ping_interval.max(Duration::from_millis(1)),
    );
    // Set by `disconnect`: when the gateway closes the connection (no ping until then).
    let mut closing_at: Option<Instant> = None;
    let reason = loop {
        let close_due = async {
            match closing_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if let Some(answered) = hub.answer(id, text.as_str()) {
                        state.callback_answered(&answered);
                    }
                }
                Some(Ok(Message::Close(_))) => {
                    // RFC 6455 §5.5.1: a Close is answered with a Close. The WebSocket layer
                    // queued the reply (echoing the client's code); closing the sink sends it.
                    let _ = SinkExt::close(&mut socket).await;
                    break "client closed".to_owned();
                }
                None => break "client closed".to_owned(),
                Some(Ok(_)) => {}
                Some(Err(e)) => break format!("connection failed: {e}"),
            },
            _ = pings.tick(), if closing_at.is_none() => {
                let message_id = ids.token();
                let opaque = ids.token();
                let data = json!({ "opaque": opaque }).to_string();
                hub.ping_sent(id, &message_id, &opaque);
                if socket.send(Message::text(frame::system("ping", &message_id, &data))).await.is_err() {
                    break "connection failed while sending a ping".to_owned();
                }
            }
            () = close_due => {
                close(&mut socket).await;
                break "closed by the gateway after disconnect".to_owned();
            }
            command = commands.recv() => match command {
                Some(Command::Send(frame)) => {
                    if socket.send(Message::text(frame)).await.is_err() {
                        break "connection failed while sending".to_owned();
                    }
                }
                Some(Command::Disconnect { close_after, keeps_pushing }) => {
                    let message_id = ids.token();
                    let data = json!({"reason": "asked by the emulator's control API"}).to_string();
                    hub.disconnect_sent(id, &message_id, keeps_pushing);
                    let frame = frame::system("disconnect", &message_id, &data);
                    if socket.send(Message::text(frame)).await.is_err() {
                        break "connection failed while sending disconnect".to_owned();
                    }
                    closing_at.get_or_insert(Instant::now() + close_after);
                }
                Some(Command::Drop) | None => break "dropped by the emulator".to_owned(),
                Some(Command::Silence { keeps_pushing }) => {
                    // Neither reads nor writes (so no pong either) until dropped: whatever is
                    // pushed to it meanwhile is swallowed.
                    hub.silence(id, keeps_pushing);
                    loop {
                        match commands.recv().await {
                            Some(Command::Drop) | None => break,
                            Some(_) => {}
                        }
                    }
                    break "dropped by the emulator after a silence".to_owned();
                }
            },
        }
    };
    hub.close(id, &reason);
}

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
