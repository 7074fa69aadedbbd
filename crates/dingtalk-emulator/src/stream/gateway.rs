//! The gateway's two doors: `POST /v1.0/gateway/connections/open` (credentials in, endpoint
//! and ticket out) and the WebSocket endpoint (`GET /connect?ticket=...`), with the task that
//! serves one connection: its pings, the frames the hub sends it, and the client's answers.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use super::frames;
use super::hub::{Command, Hub};
use crate::family::{json, v1};
use crate::params::query_param;
use crate::state::AppState;

pub const OPEN: &str = "/v1.0/gateway/connections/open";
/// The WebSocket endpoint handed out with every ticket.
pub const CONNECT: &str = "/connect";
/// The largest frame read from a client; its answers are a few hundred bytes.
const MAX_CLIENT_FRAME: usize = 64 * 1024;

/// `POST /v1.0/gateway/connections/open` with `{"clientId", "clientSecret", "subscriptions",
/// "ua"}`: `{"endpoint": "ws://HOST/connect", "ticket": "..."}`.
pub async fn open(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let object = match v1::object_body(&state, body) {
        Ok(object) => object,
        Err(refusal) => return *refusal,
    };
    let text = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let Some(key) = text("clientId") else {
        return v1::missing(&state, "clientId");
    };
    let Some(secret) = text("clientSecret") else {
        return v1::missing(&state, "clientSecret");
    };
    if let Err(message) = check_subscriptions(&object) {
        return v1::invalid_parameter(&state, &message);
    }
    if state.find_app(key, secret).is_none() {
        return v1::error(
            &state,
            StatusCode::BAD_REQUEST,
            "invalidClientIdOrSecret",
            "无效的clientId或者clientSecret",
        );
    }
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
    else {
        return v1::invalid_parameter(
            &state,
            "no Host header: the emulator names its WebSocket endpoint after it",
        );
    };
    let ticket = state
        .stream
        .issue_ticket(key, text("ua").unwrap_or_default());
    let request_id = state.ids.request_id();
    let endpoint = format!("{}://{host}{CONNECT}", state.stream.scheme);
    v1::respond(
        StatusCode::OK,
        json!({"endpoint": endpoint, "ticket": ticket}).to_string(),
        &request_id,
    )
}

/// `subscriptions`, when given: a list of `{"type": "EVENT"|"CALLBACK"|"SYSTEM", "topic"}`.
fn check_subscriptions(object: &Map<String, Value>) -> Result<(), String> {
    let Some(subscriptions) = object.get("subscriptions") else {
        return Ok(());
    };
    let Some(list) = subscriptions.as_array() else {
        return Err("subscriptions must be a list".to_owned());
    };
    for (at, item) in list.iter().enumerate() {
        let kind = item.get("type").and_then(Value::as_str);
        let topic = item.get("topic").and_then(Value::as_str);
        if !matches!(kind, Some("EVENT" | "CALLBACK" | "SYSTEM")) || topic.is_none() {
            return Err(format!(
                "subscriptions[{at}] must be {{\"type\": \"EVENT\"|\"CALLBACK\"|\"SYSTEM\", \"topic\": \"...\"}}"
            ));
        }
    }
    Ok(())
}

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
    let ids = crate::ids::Ids::new();
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
                if socket.send(Message::text(frames::system("ping", &message_id, &data))).await.is_err() {
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
                    let frame = frames::system("disconnect", &ids.token(), &data);
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
