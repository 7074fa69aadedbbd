//! The supervisor against two real WebSocket peers on loopback, each played by a thread of the
//! test: after `disconnect` the old connection is read beside the new one, what it brings is
//! acknowledged over it, and it goes when its peer closes it.

use std::net::TcpListener;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tungstenite::{Message, WebSocket};

use super::supervisor::{Happened, Sending, Supervisor};
use crate::deadline::Deadline;
use crate::net::{self, Transport};

const LONG: Duration = Duration::from_secs(10);

/// A gateway connection played by a thread: it sends each text it is given (`None`: closes),
/// and hands back every text it receives.
struct Peer {
    send: Sender<Option<String>>,
    received: Receiver<String>,
    thread: JoinHandle<()>,
}

fn event(id: &str) -> Option<String> {
    Some(format!(
        r#"{{"type":"EVENT","headers":{{"topic":"*","messageId":"m-{id}","eventId":"{id}","eventType":"t"}},"data":"{{}}"}}"#
    ))
}

fn disconnect() -> Option<String> {
    Some(
        r#"{"type":"SYSTEM","headers":{"topic":"disconnect","messageId":"d"},"data":"{}"}"#
            .to_owned(),
    )
}

/// Connects a client to a new peer; the client's socket and the peer.
fn pair() -> (WebSocket<Transport>, Peer) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (send, commands) = channel::<Option<String>>();
    let (tell, received) = channel();
    let thread = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut socket = tungstenite::accept(tcp).unwrap();
        socket
            .get_mut()
            .set_read_timeout(Some(Duration::from_millis(5)))
            .unwrap();
        loop {
            match commands.try_recv() {
                Ok(Some(text)) => socket.send(Message::text(text)).unwrap(),
                Ok(None) => {
                    let _ = socket.close(None);
                    let _ = socket.flush();
                    return;
                }
                Err(_) => {}
            }
            match socket.read() {
                Ok(Message::Text(text)) => tell.send(text.to_string()).unwrap(),
                Ok(_) => {}
                Err(tungstenite::Error::Io(_)) => {}
                Err(_) => return,
            }
        }
    });
    let tcp = net::connect("127.0.0.1", port, LONG, Deadline::after(LONG)).unwrap();
    let url = format!("ws://127.0.0.1:{port}/connect");
    let (client, _) = tungstenite::client::client(url, Transport::Plain(tcp)).unwrap();
    let peer = Peer {
        send,
        received,
        thread,
    };
    (client, peer)
}

fn next_message(supervisor: &mut Supervisor) -> (String, u64) {
    match supervisor.next(Instant::now() + LONG) {
        Happened::Message(event) => (event.id.clone(), event.handling.connection),
        _ => panic!("expected a message"),
    }
}

fn received(peer: &Peer) -> String {
    peer.received.recv_timeout(LONG).unwrap()
}

#[test]
fn after_disconnect_the_old_connection_is_read_beside_the_new_one() {
    let mut supervisor = Supervisor::default();
    let (first, old) = pair();
    supervisor.activate(first, LONG, LONG);
    old.send.send(event("a")).unwrap();
    let (id, old_id) = next_message(&mut supervisor);
    assert_eq!(id, "a");

    old.send.send(disconnect()).unwrap();
    assert!(matches!(
        supervisor.next(Instant::now() + LONG),
        Happened::Disconnected { proven: true, .. }
    ));
    assert!(!supervisor.has_active());
    assert!(
        received(&old).contains(r#""messageId":"d""#),
        "disconnect acknowledged"
    );

    let (second, new) = pair();
    supervisor.activate(second, LONG, LONG);
    new.send.send(event("c")).unwrap();
    let (id, new_id) = next_message(&mut supervisor);
    assert_eq!(id, "c");
    assert_ne!(new_id, old_id);
    // The old connection still delivers: read, and answered over itself.
    old.send.send(event("b")).unwrap();
    let (id, from) = next_message(&mut supervisor);
    assert_eq!((id.as_str(), from), ("b", old_id));
    assert!(matches!(
        supervisor.send(old_id, "ack b".into()),
        Sending::Done
    ));
    assert!(matches!(
        supervisor.send(new_id, "ack c".into()),
        Sending::Done
    ));
    assert_eq!(received(&old), "ack b");
    assert_eq!(received(&new), "ack c");

    // The gateway closes the old one: it goes, quietly; the new one stays.
    old.send.send(None).unwrap();
    old.thread.join().unwrap();
    assert!(matches!(
        supervisor.next(Instant::now() + Duration::from_millis(200)),
        Happened::Idle
    ));
    assert!(matches!(
        supervisor.send(old_id, "late".into()),
        Sending::Gone
    ));
    assert!(supervisor.has_active());
    supervisor.close();
    new.thread.join().unwrap();
}

#[test]
fn the_active_connection_closed_by_its_peer_is_lost() {
    let mut supervisor = Supervisor::default();
    let (socket, peer) = pair();
    supervisor.activate(socket, LONG, LONG);
    peer.send.send(None).unwrap();
    match supervisor.next(Instant::now() + LONG) {
        Happened::Lost(ended) => {
            assert!(!ended.proven);
            assert!(ended.reason.contains("closed"), "{}", ended.reason);
        }
        _ => panic!("expected the connection lost"),
    }
    assert!(supervisor.is_empty());
    peer.thread.join().unwrap();
}
