//! HTTPS with the self-signed certificate made at start.

use std::time::Duration;

use dingtalk_emulator::{spawn, Config};
use reqwest::blocking::Client;
use reqwest::Certificate;
use serde_json::Value;

fn trusting(pem: &str) -> reqwest::blocking::ClientBuilder {
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .add_root_certificate(Certificate::from_pem(pem.as_bytes()).expect("valid PEM"))
}

#[test]
fn https_with_the_written_certificate() {
    let emulator = spawn(Config {
        tls: true,
        ..Config::default()
    })
    .expect("starts");
    let base = emulator.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let pem = emulator.cert_pem().expect("a certificate");
    assert!(pem.contains("BEGIN CERTIFICATE"));

    let client = trusting(pem).build().unwrap();
    let url = format!("{base}/gettoken?appkey=demo_app_key&appsecret=demo_app_secret");
    let body: Value = client.get(&url).send().unwrap().json().unwrap();
    assert_eq!(body["errcode"], 0, "{body}");

    // The certificate also names localhost.
    let by_name = trusting(pem)
        .resolve("localhost", emulator.local_addr())
        .build()
        .unwrap();
    let url = format!(
        "https://localhost:{}/gettoken?appkey=demo_app_key&appsecret=demo_app_secret",
        emulator.local_addr().port()
    );
    let body: Value = by_name.get(&url).send().unwrap().json().unwrap();
    assert_eq!(body["errcode"], 0, "{body}");

    // A client that does not trust it refuses to talk.
    let untrusting = Client::builder().no_proxy().build().unwrap();
    assert!(untrusting.get(emulator.base_url()).send().is_err());
    // Plain HTTP on the TLS port fails rather than hangs.
    let plain = base.replacen("https://", "http://", 1);
    assert!(Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .get(plain)
        .send()
        .is_err());
    // Still serving afterwards.
    assert_eq!(
        client.get(format!("{base}/nope")).send().unwrap().status(),
        404
    );
    emulator.stop();
}

#[test]
fn plain_http_has_no_certificate() {
    let emulator = spawn(Config::default()).expect("starts");
    assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
    assert!(!emulator.base_url().ends_with('/'));
    assert_eq!(emulator.cert_pem(), None);
}
