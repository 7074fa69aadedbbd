//! Witnesses of the Stream gateway's fidelity: DingTalk's official Stream SDKs, Python
//! (`dingtalk-stream` 0.24) and Node.js (`dingtalk-stream` 2.1), each run as a worker by a
//! small script of ours (`tests/sdk/`) against an emulator process, and judged from the
//! emulator's side: they connect with their own subscriptions, answer pings so that they
//! count as pongs, acknowledge events and bot messages in their own shapes, answer a bot
//! message through its session webhook, follow a `disconnect` to a new connection (Python
//! closes itself and needs the gateway's Close in reply; Node waits for the gateway to
//! close), and log no connection error of their own.
//!
//! `make test` installs the SDKs (`scripts/install-sdks.sh`) and names their folder in
//! `DINGTALK_SDKS`; without that variable these tests say so and pass.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::process::Process;
use dingtalk_emulator::testing::Control;
use serde_json::{json, Value};

const BOT: &str = "/v1.0/im/bot/messages/get";
/// Waiting past this fails the test instead of hanging it (Node waits 1 s before it
/// reconnects; Python's import takes a while on a busy machine).
const PATIENCE: Duration = Duration::from_secs(30);

/// One official SDK, and what is particular to it.
struct Sdk {
    name: &'static str,
    /// The interpreter and the script, under `tests/sdk/`.
    program: &'static str,
    script: &'static str,
    /// The `ua` it sends for its ticket.
    ua: &'static str,
    /// The `data` of its acknowledgement of an event with `data`.
    event_ack: fn(&Value) -> Value,
    /// The `message` and `data` of its acknowledgement of a bot message.
    bot_ack: (&'static str, fn() -> Value),
    /// Who closes a connection after `disconnect`, as the gateway logs it.
    closed_after_disconnect: &'static str,
    /// What its log shows when a connection fails.
    failure_marker: &'static str,
}

const PYTHON: Sdk = Sdk {
    name: "python",
    program: "python3",
    script: "python_witness.py",
    ua: "dingtalk-sdk-python/v0.24.3-union",
    // Its EventHandler answers with the event's own data.
    event_ack: |data| data.clone(),
    // Its CallbackHandler leaves `message` empty and wraps what the handler returned.
    bot_ack: ("", || json!({"response": "OK"})),
    // It closes the WebSocket itself on `disconnect`.
    closed_after_disconnect: "client closed",
    // Logged, before a 10 s sleep, when the close handshake fails (code 1006).
    failure_marker: "network exception",
};

const NODE: Sdk = Sdk {
    name: "node",
    program: "node",
    script: "node_witness.cjs",
    ua: "node-witness",
    event_ack: |_| json!({"status": "SUCCESS", "message": "OK"}),
    // socketCallBackResponse(messageId, null).
    bot_ack: ("OK", || json!({"response": null})),
    // It reconnects only when the gateway closes the connection.
    closed_after_disconnect: "closed by the gateway after disconnect",
    failure_marker: "ERROR",
};

/// The folder `scripts/install-sdks.sh` installed the SDKs into, from `DINGTALK_SDKS`.
fn sdks() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("DINGTALK_SDKS") else {
        eprintln!("skipped: DINGTALK_SDKS is not set (make test installs the official SDKs)");
        return None;
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("python").is_dir() && dir.join("node").is_dir(),
        "DINGTALK_SDKS={} holds no installed SDKs: run scripts/install-sdks.sh",
        dir.display()
    );
    Some(dir)
}

/// A witness script running, its output collected.
struct Witness {
    child: Child,
    output: Vec<JoinHandle<String>>,
}

impl Witness {
    fn start(sdk: &Sdk, sdks: &Path, emulator: &str) -> Witness {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/sdk")
            .join(sdk.script);
        let mut child = Command::new(sdk.program)
            .arg(script)
            .env("EMULATOR", emulator)
            .env("APP_KEY", "demo_app_key")
            .env("APP_SECRET", "demo_app_secret")
            .env("PYTHONPATH", sdks.join("python"))
            .env("SDK_NODE", sdks.join("node"))
            // Straight to the emulator on the loopback, whatever proxy the machine has.
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("http_proxy")
            .env_remove("https_proxy")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", sdk.program));
        let stdout = child.stdout.take().map(collect);
        let stderr = child.stderr.take().map(collect);
        Witness {
            child,
            output: stdout.into_iter().chain(stderr).collect(),
        }
    }

    /// Stops the worker; what it printed (stdout, then stderr).
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.output
            .drain(..)
            .map(|reader| reader.join().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n--- stderr ---\n")
    }
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// Polls the Stream log until `done` holds.
fn until(control: &Control, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let log = control.stream_log(0.0);
        if done(&log) {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "{what} within {PATIENCE:?}: {log}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The event `id` of the log.
fn event<'a>(log: &'a Value, id: &str) -> Option<&'a Value> {
    log["events"]
        .as_array()?
        .iter()
        .find(|e| e["eventId"] == id)
}

/// The callback `id` of the log.
fn callback<'a>(log: &'a Value, id: &str) -> Option<&'a Value> {
    log["callbacks"].as_array()?.iter().find(|c| c["id"] == id)
}

/// Waits until the inbox holds an answer through a session webhook for `user`; the answers.
fn until_replied(control: &Control, user: &str) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let replies = control.messages_where(&[("user", user), ("channel", "session_webhook")]);
        if !replies.is_empty() {
            return replies;
        }
        assert!(
            Instant::now() < deadline,
            "no answer through the session webhook"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Pushes an event with `data` and waits until it is acknowledged; its log entry.
fn acknowledged_event(control: &Control, data: &Value) -> Value {
    let pushed = control.push(&json!({"type": "todo_task_update", "data": data}));
    let id = pushed["eventId"].as_str().unwrap().to_owned();
    let log = until(control, "the event acknowledged", |log| {
        event(log, &id).is_some_and(|e| e["status"] == "acknowledged")
    });
    event(&log, &id).cloned().unwrap()
}

/// The acknowledgement of `delivery` in an SDK's shape: code 200, the delivery's messageId
/// with the JSON content type, `message`, `data` as `expected_data`.
fn assert_ack_shape(delivery: &Value, message: &str, expected_data: &Value) {
    let answer: Value = serde_json::from_str(delivery["answer"].as_str().unwrap()).unwrap();
    assert_eq!(answer["code"], 200, "{answer}");
    assert_eq!(
        answer["headers"]["messageId"], delivery["messageId"],
        "{answer}"
    );
    assert_eq!(
        answer["headers"]["contentType"], "application/json",
        "{answer}"
    );
    assert_eq!(answer["message"], message, "{answer}");
    let data: Value = serde_json::from_str(answer["data"].as_str().unwrap()).unwrap();
    assert_eq!(&data, expected_data, "{answer}");
}

fn witness(sdk: &Sdk) {
    let Some(sdks) = sdks() else { return };
    let emulator = Process::start(&[
        "--stream-ping-interval",
        "0.2",
        "--stream-disconnect-grace",
        "0.5",
    ]);
    let control = Control::connect(&emulator.url, None).unwrap();
    let worker = Witness::start(sdk, &sdks, &emulator.url);

    // It connects with its own subscriptions: every event, and bot messages.
    let log = until(&control, "a connection", |log| log["open"] == 1);
    let first = &log["connections"][0];
    assert_eq!(first["ua"], sdk.ua, "{}", sdk.name);
    let subscriptions = first["subscriptions"].as_array().unwrap();
    assert!(
        subscriptions.contains(&json!({"type": "EVENT", "topic": "*"})),
        "{first}"
    );
    assert!(
        subscriptions.contains(&json!({"type": "CALLBACK", "topic": BOT})),
        "{first}"
    );

    // An event is delivered and acknowledged in the SDK's shape.
    let data = json!({"taskId": "t1", "unionIdList": ["union-boss"]});
    let entry = acknowledged_event(&control, &data);
    assert_eq!(entry["redeliveries"], 0, "{entry}");
    assert_ack_shape(&entry["deliveries"][0], "OK", &(sdk.event_ack)(&data));

    // A bot message is acknowledged, and answered through its session webhook.
    let said = control.bot_say("ann", "hello", &json!({}));
    let id = said["id"].as_str().unwrap().to_owned();
    let log = until(&control, "the bot message acknowledged", |log| {
        callback(log, &id).is_some_and(|c| c["status"] == "acknowledged")
    });
    let entry = callback(&log, &id).unwrap();
    assert_eq!(entry["redeliveries"], 0, "{entry}");
    let (message, data) = sdk.bot_ack;
    assert_ack_shape(&entry["deliveries"][0], message, &data());
    let replies = until_replied(&control, "ann");
    assert_eq!(
        replies[0]["message"],
        json!({"msgtype": "text", "text": {"content": "echo: hello"}})
    );
    assert_eq!(replies[0]["at"]["atUserIds"], json!(["ann"]));

    // Its answers to pings count as pongs.
    let log = until(&control, "two pongs", |log| {
        log["connections"][0]["pongs"].as_u64() >= Some(2)
    });
    assert_eq!(log["connections"][0]["stray_frames"], 0, "{log}");

    // After `disconnect` it is on a new connection with a new ticket.
    assert_eq!(control.stream_disconnect(), 1);
    let log = until(&control, "the next connection", |log| {
        log["connections"][0]["open"] == false && log["open"] == 1
    });
    let (old, new) = (&log["connections"][0], &log["connections"][1]);
    assert_eq!(old["close_reason"], sdk.closed_after_disconnect, "{log}");
    assert_eq!(old["stray_frames"], 0, "{old}");
    assert_ne!(old["ticket"], new["ticket"]);
    let entry = acknowledged_event(&control, &json!({"taskId": "t2"}));
    assert_eq!(entry["deliveries"][0]["connection"], new["id"], "{entry}");

    let output = worker.stop();
    assert!(
        output.contains(&format!(
            "event todo_task_update {}",
            entry["eventId"].as_str().unwrap()
        )),
        "{output}"
    );
    assert!(
        !output.contains(sdk.failure_marker),
        "{}: {output}",
        sdk.name
    );
    assert_eq!(emulator.terminate(), Some(0));
}

#[test]
fn the_official_python_sdk_works_against_the_gateway() {
    witness(&PYTHON);
}

#[test]
fn the_official_node_sdk_works_against_the_gateway() {
    witness(&NODE);
}
