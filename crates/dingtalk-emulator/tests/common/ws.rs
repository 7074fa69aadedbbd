//! A bare WebSocket client of the Stream gateway: tickets, frames, answers.

use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

use super::Harness;

/// Waiting past this fails the test instead of hanging it.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A connection to the gateway, as a bare client.
pub struct Conn {
    pub socket: WebSocket<TcpStream>,
}

impl Conn {
    /// Opens a connection of `app` with these `subscriptions`.
    pub fn open(h: &Harness, app: (&str, &str), subscriptions: Value) -> Conn {
        let (status, body) = h.post(
            "/v1.0/gateway/connections/open",
            &json!({"clientId": app.0, "clientSecret": app.1, "subscriptions": subscriptions,
                    "ua": "stream-test"}),
        );
        assert_eq!(status, 200, "{body}");
        let url = format!(
            "{}?ticket={}",
            body["endpoint"].as_str().unwrap(),
            body["ticket"].as_str().unwrap()
        );
        let tcp = TcpStream::connect(h.emulator.local_addr()).unwrap();
        tcp.set_read_timeout(Some(PATIENCE)).unwrap();
        let (socket, _) = tungstenite::client(url.as_str(), tcp).unwrap();
        Conn { socket }
    }

    pub fn demo(h: &Harness, subscriptions: Value) -> Conn {
        Conn::open(h, ("demo_app_key", "demo_app_secret"), subscriptions)
    }

    /// The next text frame, as JSON.
    pub fn next(&mut self) -> Value {
        loop {
            match self.socket.read().expect("a frame") {
                Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                Message::Close(frame) => panic!("closed: {frame:?}"),
                _ => {}
            }
        }
    }

    /// Answers `frame` with code 200 and `data`.
    pub fn answer(&mut self, frame: &Value, data: &Value) {
        let answer = json!({
            "code": 200,
            "headers": {"messageId": frame["headers"]["messageId"], "contentType": "application/json"},
            "message": "OK",
            "data": data.to_string(),
        });
        self.socket.send(Message::text(answer.to_string())).unwrap();
    }

    pub fn success(&mut self, frame: &Value) {
        self.answer(frame, &json!({"status": "SUCCESS"}));
    }
}
