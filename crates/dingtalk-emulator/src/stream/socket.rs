//! `GET /connect?ticket=...`: the WebSocket handshake (a valid ticket, or HTTP 401), and the
//! task that serves one connection: its pings, the frames the hub sends it, and the client's
//! answers.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::mpsc;

use super::connections::Command;
use super::frame;
use super::hub::Hub;
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
    let (app, ua) = match state.stream.redeem(&ticket) {
        Ok(found) => found,
        Err(reason) => return refuse(reason),
    };
    let hub = Arc::clone(&state.stream);
    upgrade
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| serve(socket, hub, app, ticket, ua))
}

fn refuse(reason: &str) -> Response {
    json(
        StatusCode::UNAUTHORIZED,
        json!({"code": "InvalidTicket", "message": reason}).to_string(),
    )
}

/// Serves one connection until it closes or is dropped.
async fn serve(mut socket: WebSocket, hub: Arc<Hub>, app: String, ticket: String, ua: String) {
    let (sender, mut commands) = mpsc::unbounded_channel();
    let id = hub.open(app, &ticket, ua, sender);
    let ids = Ids::new();
    let mut pings = tokio::time::interval_at(
        tokio::time::Instant::now() + hub.config.ping_interval,
        hub.config.ping_interval.max(Duration::from_millis(1)),
    );
    let reason = loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => hub.answer(id, text.as_str()),
                Some(Ok(Message::Close(_))) | None => break "client closed".to_owned(),
                Some(Ok(_)) => {}
                Some(Err(e)) => break format!("connection failed: {e}"),
            },
            _ = pings.tick() => {
                let message_id = ids.token();
                let data = json!({"opaque": ids.token()}).to_string();
                hub.ping_sent(id, &message_id, &data);
                if socket.send(Message::text(frame::system("ping", &message_id, &data))).await.is_err() {
                    break "connection failed while sending a ping".to_owned();
                }
            }
            command = commands.recv() => match command {
                Some(Command::Send(frame)) => {
                    if socket.send(Message::text(frame)).await.is_err() {
                        break "connection failed while sending".to_owned();
                    }
                }
                Some(Command::Disconnect) => {
                    let data = json!({"reason": "asked by the emulator's control API"}).to_string();
                    let frame = frame::system("disconnect", &ids.token(), &data);
                    hub.disconnect_sent(id);
                    if socket.send(Message::text(frame)).await.is_err() {
                        break "connection failed while sending disconnect".to_owned();
                    }
                }
                Some(Command::Drop) | None => break "dropped by the emulator".to_owned(),
                Some(Command::Silence) => {
                    // Neither reads nor writes (so no pong either) until dropped.
                    hub.silence(id);
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
