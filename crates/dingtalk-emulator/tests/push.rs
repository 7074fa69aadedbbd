//! Event pushes: the emulator POSTs encrypted events to an endpoint of the test's own (a small
//! server on loopback that records what it gets and answers as told) and judges the answers.
//!
//! The endpoint answers with the reply DingTalk's docs publish ("配置事件推送方式", HTTP push
//! FAQ: token 123456, that aesKey, receiveId dingsnotzck6pm5veliw), which decrypts to `success`:
//! an emulator configured with those settings must count it as an acknowledgement.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::*;
use dingtalk_emulator::{Config, PushConfig};
use serde_json::{json, Value};

const TOKEN: &str = "123456";
const AES_KEY: &str = "1234567890123456789012345678901234567890123";
const RECEIVE_ID: &str = "dingsnotzck6pm5veliw";
const DOCS_REPLY: &str = r#"{"msg_signature":"9a95a004dd16f5c307e849b994173f76aa26e5eb","timeStamp":"1614767836","nonce":"A7Co0cJLMzIDtMMI","encrypt":"YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA=="}"#;

/// How the endpoint answers one request.
#[derive(Clone)]
enum Reply {
    Answer(u16, &'static str),
    /// Reads the request and never answers (the connection stays open until the test ends).
    Silence,
}

/// One request the endpoint received.
#[derive(Debug)]
struct Received {
    request_line: String,
    content_type: Option<String>,
    body: String,
}

/// A loopback endpoint answering requests with `replies` in turn (the last one repeated).
fn endpoint(replies: Vec<Reply>) -> (SocketAddr, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut held = Vec::new();
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let (mut length, mut content_type) = (0, None);
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap(),
                    "content-type" => content_type = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let received = Received {
                request_line: request_line.trim_end().to_owned(),
                content_type,
                body: String::from_utf8(body).unwrap(),
            };
            if tx.send(received).is_err() {
                return;
            }
            match replies.get(n).or(replies.last()).cloned().unwrap() {
                Reply::Answer(status, body) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
                Reply::Silence => held.push(stream),
            }
        }
    });
    (addr, rx)
}

fn push_config(addr: SocketAddr) -> PushConfig {
    let mut push = PushConfig::new(
        &format!("http://{addr}/dingtalk/events?app=1"),
        TOKEN,
        AES_KEY,
    );
    push.receive_id = Some(RECEIVE_ID.to_owned());
    push.retry_delays = vec![Duration::from_millis(20), Duration::from_millis(20)];
    push.timeout = Duration::from_secs(5);
    push
}

fn start_pushing(push: PushConfig) -> Harness {
    start(Config {
        push: Some(push),
        ..Config::default()
    })
}

/// Every event, once no delivery is in flight.
fn settled_events(h: &Harness) -> Vec<Value> {
    let body = h.control.events(20);
    assert_eq!(body["settled"], true, "{body}");
    assert_eq!(body["pending"], 0, "{body}");
    body["events"].as_array().unwrap().clone()
}

fn push_event(h: &Harness, event: &Value) -> Value {
    h.control.push(event)
}

#[test]
fn check_url_at_start_then_events_pushed_as_dingtalk_does() {
    let (addr, received) = endpoint(vec![Reply::Answer(200, DOCS_REPLY)]);
    let h = start_pushing(push_config(addr));

    let check = received.recv_timeout(Duration::from_secs(20)).unwrap();
    let (path, query) = check
        .request_line
        .strip_prefix("POST ")
        .and_then(|rest| rest.strip_suffix(" HTTP/1.1"))
        .and_then(|target| target.split_once('?'))
        .unwrap_or_else(|| panic!("{}", check.request_line));
    assert_eq!(path, "/dingtalk/events");
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["app", "msg_signature", "timestamp", "nonce"]);
    assert!(
        params[1].1.len() == 40
            && params[1]
                .1
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert!(
        params[2].1.parse::<u64>().unwrap() > 1_600_000_000_000,
        "milliseconds"
    );
    assert!(check.content_type.unwrap().starts_with("application/json"));
    let body: Value = serde_json::from_str(&check.body).unwrap();
    let encrypt = body["encrypt"].as_str().unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    // 16 + 4 + {"EventType":"check_url"} (25) + the receiveId (20) = 65 bytes, padded to 96:
    // 128 characters of base64.
    assert_eq!(encrypt.len(), 128, "{encrypt}");

    let pushed = push_event(
        &h,
        &json!({"type": "todo_task_update", "data": {"taskId": "task1", "UnionIdList": ["u1"]}}),
    );
    assert_eq!(pushed["id"], 2);
    received.recv_timeout(Duration::from_secs(20)).unwrap();

    let events = settled_events(&h);
    assert_eq!(events.len(), 2, "{events:?}");
    let (check, update) = (&events[0], &events[1]);
    assert_eq!(check["type"], "check_url");
    assert_eq!(check["event"], json!({"EventType": "check_url"}));
    for event in [check, update] {
        assert_eq!(event["status"], "acknowledged", "{event}");
        assert_eq!(event["acknowledged"], true);
        assert_eq!(event["retries"], 0);
        let attempt = &event["attempts"][0];
        assert_eq!(attempt["http_status"], 200);
        assert_eq!(attempt["decrypted"], "success");
        assert_eq!(attempt["answer"], DOCS_REPLY);
        assert_eq!(attempt["error"], Value::Null);
    }
    let event = &update["event"];
    assert_eq!(event["EventType"], "todo_task_update");
    assert_eq!(event["eventId"], pushed["eventId"]);
    assert_eq!(event["taskId"], "task1");
    assert_eq!(event["UnionIdList"], json!(["u1"]));
    assert_eq!(event["CorpId"], "dingemulatorcorp");
    assert!(event["EventTime"].as_u64().unwrap() > 1_600_000_000_000);
    assert!(event["BizId"].is_string());
}

#[test]
fn answers_that_are_not_an_encrypted_success_are_retried_then_given_up() {
    let (addr, received) = endpoint(vec![
        Reply::Answer(200, r#"{"errcode":0}"#),
        Reply::Answer(200, "success"),
    ]);
    let h = start_pushing(push_config(addr));
    let events = settled_events(&h);
    let event = &events[0];
    assert_eq!(event["status"], "failed", "{event}");
    assert_eq!(event["acknowledged"], false);
    assert_eq!(event["retries"], 2, "10 s and 30 s in DingTalk, 20 ms here");
    let errors: Vec<&str> = event["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["error"].as_str().unwrap())
        .collect();
    assert_eq!(
        errors,
        [
            "the answer has no msg_signature",
            "the answer is not a JSON object",
            "the answer is not a JSON object"
        ]
    );
    assert_eq!(received.try_iter().count(), 3);
}

#[test]
fn a_failed_push_is_retried_until_acknowledged() {
    let (addr, _received) = endpoint(vec![
        Reply::Answer(500, "oops"),
        Reply::Answer(200, DOCS_REPLY),
    ]);
    let h = start_pushing(push_config(addr));
    let event = &settled_events(&h)[0];
    assert_eq!(event["status"], "acknowledged", "{event}");
    assert_eq!(event["retries"], 1);
    assert_eq!(event["attempts"][0]["http_status"], 500);
    assert_eq!(event["attempts"][0]["error"], "HTTP 500");
    assert_eq!(event["attempts"][1]["acknowledged"], true);
}

#[test]
fn an_answer_for_another_receive_id_or_text_is_not_an_acknowledgement() {
    let (addr, _received) = endpoint(vec![Reply::Answer(200, DOCS_REPLY)]);
    let mut push = push_config(addr);
    push.receive_id = Some("dingcorpid".to_owned());
    push.retry_delays = Vec::new();
    let h = start_pushing(push);
    let event = &settled_events(&h)[0];
    assert_eq!(event["status"], "failed");
    let error = event["attempts"][0]["error"].as_str().unwrap();
    assert!(error.contains("\"dingsnotzck6pm5veliw\""), "{error}");

    let (addr, _received) = endpoint(vec![Reply::Answer(200, DOCS_REPLY)]);
    let mut push = push_config(addr);
    push.token = "another".to_owned();
    push.retry_delays = Vec::new();
    let h = start_pushing(push);
    let error = settled_events(&h)[0]["attempts"][0]["error"].clone();
    assert_eq!(error, "msg_signature does not match the push token");
}

#[test]
fn silence_and_refused_connections_count_as_failures() {
    let (addr, _received) = endpoint(vec![Reply::Silence]);
    let mut push = push_config(addr);
    push.timeout = Duration::from_millis(200);
    push.retry_delays = Vec::new();
    let h = start_pushing(push);
    let attempt = settled_events(&h)[0]["attempts"][0].clone();
    assert_eq!(attempt["http_status"], Value::Null);
    assert!(
        attempt["error"]
            .as_str()
            .unwrap()
            .starts_with("no answer within"),
        "{attempt}"
    );

    // A port nothing listens on: bind one, then free it.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut push = push_config(closed);
    push.retry_delays = Vec::new();
    let h = start_pushing(push);
    let attempt = settled_events(&h)[0]["attempts"][0].clone();
    assert!(
        attempt["error"]
            .as_str()
            .unwrap()
            .starts_with("request failed"),
        "{attempt}"
    );
}

#[test]
fn reset_forgets_events_and_stops_their_retries() {
    let (addr, received) = endpoint(vec![Reply::Answer(500, "no")]);
    let mut push = push_config(addr);
    push.retry_delays = vec![Duration::from_secs(600)];
    let h = start_pushing(push);
    received.recv_timeout(Duration::from_secs(20)).unwrap();
    let (_, body) = h.get("/_emulator/events");
    assert_eq!(body["pending"], 1, "waiting 600 s to retry: {body}");
    h.control.reset();
    let (_, mut body) = h.get("/_emulator/events?wait=0");
    body.as_object_mut().unwrap().remove("stream");
    assert_eq!(
        body,
        json!({"receive_id": RECEIVE_ID, "events": [], "pending": 0, "settled": true})
    );
}

#[test]
fn the_control_api_refuses_mistakes() {
    let h = start_default();
    let (status, body) = h.control.call(
        "POST",
        "/_emulator/push",
        Some(br#"{"type": "todo_task_create"}"#),
    );
    // Without a push URL the event goes to Stream connections only.
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], json!(null));
    let (_, body) = h.get("/_emulator/events");
    assert_eq!(body["events"], json!([]));
    assert_eq!(body["stream"]["events"][0]["type"], "todo_task_create");

    let (addr, _received) = endpoint(vec![Reply::Answer(200, DOCS_REPLY)]);
    let h = start_pushing(push_config(addr));
    for bad in [
        json!({}),
        json!({"type": ""}),
        json!({"type": 1}),
        json!({"type": "x", "data": []}),
        json!({"type": "x", "extra": 1}),
        json!([]),
    ] {
        let bad = bad.to_string();
        let (status, body) = h
            .control
            .call("POST", "/_emulator/push", Some(bad.as_bytes()));
        assert_eq!(status, 400, "{bad}: {body}");
    }
    assert_eq!(h.get("/_emulator/events?wait=soon").0, 400);
}

#[test]
fn a_bad_push_configuration_stops_the_start() {
    let mut push = PushConfig::new("http://127.0.0.1:9/", TOKEN, "short");
    assert!(dingtalk_emulator::spawn(Config {
        push: Some(push.clone()),
        ..Config::default()
    })
    .is_err());
    push.aes_key = AES_KEY.to_owned();
    push.url = "ftp://x/".to_owned();
    assert!(dingtalk_emulator::spawn(Config {
        push: Some(push),
        ..Config::default()
    })
    .is_err());
}

#[test]
fn to_do_changes_are_pushed_as_todo_events() {
    let (addr, received) = endpoint(vec![Reply::Answer(200, DOCS_REPLY)]);
    let h = start_pushing(push_config(addr));
    received.recv_timeout(Duration::from_secs(20)).unwrap(); // check_url
    let todos = h.todos();
    let mut body = task("pushed");
    body["executorIds"] = json!(["union-b"]);
    body["participantIds"] = json!(["union-c", "union-b"]);
    let task = todos.created("union-a", &body);
    let id = task["id"].as_str().unwrap();
    let (status, _) = todos.update("union-a", id, &json!({"done": true}), None);
    assert_eq!(status, 200);
    let (status, _) = todos.delete("union-a", id, None);
    assert_eq!(status, 200);
    for _ in 0..3 {
        received.recv_timeout(Duration::from_secs(20)).unwrap();
    }
    let events = settled_events(&h);
    let body = h.control.events(20);
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "check_url",
            "todo_task_create",
            "todo_task_update",
            "todo_task_delete"
        ]
    );
    // As DingTalk's HTTP push: the task id and everyone on the task, at the top level;
    // nothing of the task itself.
    let everyone = json!(["union-a", "union-b", "union-c"]);
    for event in &events[1..] {
        assert_eq!(event["status"], "acknowledged", "{event}");
        let mut keys: Vec<&String> = event["event"].as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "BizId",
                "CorpId",
                "EventTime",
                "EventType",
                "UnionIdList",
                "eventId",
                "taskId"
            ],
            "{event}"
        );
        assert_eq!(event["event"]["taskId"], id);
        assert_eq!(event["event"]["UnionIdList"], everyone);
    }
    // As DingTalk's Stream mode: the same under `data`, the list spelt `unionIdList`, and
    // under the eventId the push used.
    let streamed = body["stream"]["events"].as_array().unwrap();
    assert_eq!(streamed.len(), 3, "{body}");
    for (event, pushed) in streamed.iter().zip(&events[1..]) {
        assert_eq!(
            event["data"],
            json!({"taskId": id, "unionIdList": everyone})
        );
        assert_eq!(event["eventId"], pushed["event"]["eventId"], "{body}");
    }
}
