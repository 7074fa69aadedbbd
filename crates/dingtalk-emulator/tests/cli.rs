//! The `dingtalk-emulator` binary: help, bad options, the announced address, signals.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use common::process::{Process, BIN};

use dingtalk_emulator::testing::Control;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("binary runs")
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[test]
fn help_explains_every_option() {
    let output = run(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--listen",
        "--app",
        "--token-ttl",
        "--qps-limit",
        "--tls-self-signed",
        "--cert-out",
        "--user",
        "--strict-users",
        "--exit-with-stdin",
        "listening on",
    ] {
        assert!(help.contains(option), "help lacks {option}");
    }
    let output = run(&["--version"]);
    assert!(output.status.success());
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .starts_with("dingtalk-emulator "));
}

#[test]
fn bad_options_exit_2_with_one_line() {
    for args in [
        &["--bogus"][..],
        &["--app", "no-colon"],
        &["--token-ttl", "soon"],
        &["--qps-limit", "0"],
        &["--listen"],
        &["--listen", "nonsense"],
        &["--cert-out", "x.pem"],
        &["--user", "no-union-id"],
        &["--user", "a:U1", "--user", "a:U2"],
        &["--strict-users=yes"],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("dingtalk-emulator: "), "{stderr}");
    }
}

#[test]
fn announces_the_address_serves_and_stops_on_sigterm() {
    let process = Process::start(&["--app", "k:s&s", "--token-ttl", "60"]);
    assert!(
        process.url.starts_with("http://127.0.0.1:"),
        "{}",
        process.url
    );
    let port: u16 = process.url.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
    let body: Value = http()
        .get(format!("{}/gettoken", process.url))
        .query(&[("appkey", "k"), ("appsecret", "s&s")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["errcode"], 0, "{body}");
    assert_eq!(body["expires_in"], 60);
    // The demo app is only there when no --app is given.
    let body: Value = http()
        .get(format!(
            "{}/gettoken?appkey=demo_app_key&appsecret=demo_app_secret",
            process.url
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["errcode"], 40096);
    assert_eq!(process.terminate(), Some(0));
}

#[test]
fn sigterm_with_an_idle_keep_alive_connection() {
    let process = Process::start(&[]);
    let client = http();
    let status = client
        .get(format!(
            "{}/gettoken?appkey=demo_app_key&appsecret=demo_app_secret",
            process.url
        ))
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 200);
    // `client` keeps its connection open: shutdown must not wait for it.
    assert_eq!(process.terminate(), Some(0));
}

#[test]
fn sigint_stops_it_too() {
    let process = Process::start(&[]);
    assert_eq!(process.signal("-INT"), Some(0));
}

#[test]
fn tls_with_the_certificate_written_out() {
    let cert = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("emulator-cert-{}.pem", std::process::id()));
    let _ = std::fs::remove_file(&cert);
    let process = Process::start(&["--tls-self-signed", "--cert-out", cert.to_str().unwrap()]);
    assert!(
        process.url.starts_with("https://127.0.0.1:"),
        "{}",
        process.url
    );
    let pem = std::fs::read(&cert).expect("certificate written before the address is announced");
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let body: Value = client
        .get(format!(
            "{}/gettoken?appkey=demo_app_key&appsecret=demo_app_secret",
            process.url
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["errcode"], 0);
    assert_eq!(process.terminate(), Some(0));
    let _ = std::fs::remove_file(&cert);
}

#[test]
fn an_address_in_use_fails_with_a_reason() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = run(&["--listen", &addr]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(&addr), "{stderr}");
}

#[test]
fn users_from_the_command_line() {
    let process = Process::start(&["--user", "boss:U-BOSS", "--strict-users"]);
    let control = Control::connect(&process.url, None).unwrap();
    let client = http();
    let token: Value = client
        .get(format!(
            "{}/gettoken?appkey=demo_app_key&appsecret=demo_app_secret",
            process.url
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let user_get = |userid: &str| -> Value {
        client
            .post(format!("{}/topapi/v2/user/get", process.url))
            .query(&[("access_token", token)])
            .body(serde_json::json!({ "userid": userid }).to_string())
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    assert_eq!(user_get("boss")["result"]["unionid"], "U-BOSS");
    assert_eq!(user_get("clerk")["errcode"], 60121);
    // The shared control client works against a process too.
    assert_eq!(control.count("/topapi/v2/user/get"), 2);
    assert_eq!(process.terminate(), Some(0));

    // Without --strict-users, everyone else exists too.
    let process = Process::start(&["--user", "boss:U-BOSS"]);
    let token: Value = http()
        .get(format!(
            "{}/gettoken?appkey=demo_app_key&appsecret=demo_app_secret",
            process.url
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let body: Value = http()
        .post(format!("{}/topapi/v2/user/get", process.url))
        .query(&[("access_token", token["access_token"].as_str().unwrap())])
        .body(r#"{"userid":"clerk"}"#)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["result"]["unionid"], "union-clerk");
    assert_eq!(process.terminate(), Some(0));
}

#[test]
fn with_exit_with_stdin_it_ends_when_its_stdin_does() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--exit-with-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    // Whatever comes in on stdin is not an ending: it still serves.
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, b"anything\n").unwrap();
    assert!(http()
        .get(format!("{url}/_emulator/stats"))
        .send()
        .unwrap()
        .status()
        .is_success());
    assert!(child.try_wait().unwrap().is_none());
    // The writer gone (as when whoever started it was killed): it stops by itself, cleanly.
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
