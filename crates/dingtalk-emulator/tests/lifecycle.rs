//! Starting and stopping from Rust (`spawn`), and HTTPS with the self-signed
//! certificate made at start.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use dingtalk_emulator::testing::{Control, Fault};
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
    // The control client speaks HTTPS with the same certificate.
    let control = Control::new(&emulator);
    assert_eq!(control.gettoken_calls(), 1);
    assert!(
        Control::connect(base, None).is_err(),
        "https needs the certificate"
    );

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

#[test]
fn stop_closes_the_port() {
    let emulator = spawn(Config::default()).expect("starts");
    let addr = emulator.local_addr();
    assert!(TcpStream::connect(addr).is_ok());
    emulator.stop();
    assert!(TcpStream::connect(addr).is_err());
    // Dropping stops it too.
    let emulator = spawn(Config::default()).expect("starts");
    let addr = emulator.local_addr();
    drop(emulator);
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn spawn_and_drop_inside_an_async_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let emulator = spawn(Config::default()).expect("starts inside a runtime");
        let stream = tokio::net::TcpStream::connect(emulator.local_addr()).await;
        assert!(stream.is_ok());
        drop(emulator);
    });
}

#[test]
fn many_emulators_side_by_side() {
    let emulators: Vec<_> = (0..8).map(|_| spawn(Config::default()).unwrap()).collect();
    let urls: std::collections::HashSet<_> =
        emulators.iter().map(|e| e.base_url().to_owned()).collect();
    assert_eq!(urls.len(), 8);
}

#[test]
fn stop_does_not_wait_long_for_a_request_in_flight() {
    let emulator = spawn(Config::default()).expect("starts");
    let control = Control::new(&emulator);
    control.faults([Fault::delay("/gettoken", Duration::from_secs(60))]);
    let slow = {
        let url = format!("{}/gettoken", emulator.base_url());
        std::thread::spawn(move || {
            Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(url)
                .send()
        })
    };
    // Wait until the slow request has arrived.
    let deadline = Instant::now() + Duration::from_secs(10);
    while control.gettoken_calls() != 1 {
        assert!(Instant::now() < deadline, "the slow request never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = Instant::now();
    emulator.stop();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(slow.join().unwrap().is_err());
}
