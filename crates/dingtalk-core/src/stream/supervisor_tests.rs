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
    supervisor.close(Deadline::after(Duration::ZERO));
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

/// A gateway that reads its connection only after `busy`: it hands back each text it then
/// reads, answers the client's Close with its own, and ends.
fn busy_gateway(busy: Duration) -> (WebSocket<Transport>, Receiver<String>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tell, received) = channel();
    let thread = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut socket = tungstenite::accept(tcp).unwrap();
        socket.send(Message::text(event("a").unwrap())).unwrap();
        thread::sleep(busy);
        loop {
            match socket.read() {
                Ok(Message::Text(text)) => {
                    let _ = tell.send(text.to_string());
                }
                Ok(_) => {}
                // The Close was answered (tungstenite queues and sends the reply): done.
                Err(_) => return,
            }
        }
    });
    let tcp = net::connect("127.0.0.1", port, LONG, Deadline::after(LONG)).unwrap();
    let url = format!("ws://127.0.0.1:{port}/connect");
    let (client, _) = tungstenite::client::client(url, Transport::Plain(tcp)).unwrap();
    (client, received, thread)
}

/// Closing waits for the gateway's Close: by then the gateway has read the acknowledgement sent
/// just before, however busy it was.
#[test]
fn closing_waits_until_the_gateway_has_read_what_was_sent() {
    let mut supervisor = Supervisor::default();
    let (client, received, gateway) = busy_gateway(Duration::from_millis(300));
    supervisor.activate(client, LONG, LONG);
    let (id, connection) = next_message(&mut supervisor);
    assert_eq!(id, "a");
    assert!(matches!(
        supervisor.send(connection, "ack a".into()),
        Sending::Done
    ));
    supervisor.close(Deadline::after(LONG));
    assert_eq!(received.try_recv().as_deref(), Ok("ack a"));
    gateway.join().unwrap();
}

/// A gateway that never answers the Close holds the close until its deadline, no longer.
#[test]
fn closing_ends_by_its_deadline_when_the_gateway_says_nothing() {
    let mut supervisor = Supervisor::default();
    let (client, _received, _gateway) = busy_gateway(LONG);
    supervisor.activate(client, LONG, LONG);
    let (_, connection) = next_message(&mut supervisor);
    let _ = supervisor.send(connection, "ack a".into());
    let started = Instant::now();
    supervisor.close(Deadline::after(Duration::from_millis(200)));
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(150), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}
