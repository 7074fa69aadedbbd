//! Token cache and retry rules against the emulator's faults.

mod common;

use std::time::{Duration, Instant};

use common::{Emu, KEY, SECRET};
use dingtalk_core::{Client, Error, ErrorClass, NewRecord, RecordStatus, TransportErrorKind};
use dingtalk_emulator::Config;
use serde_json::json;

fn record(biz_id: Option<&str>) -> NewRecord {
    NewRecord {
        user_id: "u".into(),
        title: "t".into(),
        url: "https://example.invalid".into(),
        biz_id: biz_id.map(str::to_owned),
        create_time: Some(1_700_000_000_000),
        ..NewRecord::default()
    }
}

fn api_code(error: &Error) -> i64 {
    match error {
        Error::Api(api) => api.errcode().expect("an oapi error"),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[test]
fn one_token_for_every_client_of_the_app() {
    let emu = Emu::start();
    let a = emu.client();
    let b = emu.client();
    assert_eq!(
        a.access_token(false).unwrap(),
        b.access_token(false).unwrap()
    );
    a.work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap();
    b.work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap();
    assert_eq!(emu.gettoken_calls(), 1);
    assert_eq!(a.stats().token_fetches, 1);
    assert_eq!(
        a.stats().requests,
        2,
        "counters are per app, shared by its clients"
    );
    b.access_token(true).unwrap();
    assert_eq!(emu.gettoken_calls(), 2, "force_refresh fetches");
    // Another secret is another cache entry (and here a refused one).
    let other = Client::new(KEY, "wrong", emu.options()).unwrap();
    let err = other.access_token(false).unwrap_err();
    assert_eq!(api_code(&err), 40096);
    assert!(matches!(&err, Error::Api(api) if api.class == ErrorClass::BadCredentials));
}

#[test]
fn expired_token_is_refreshed_and_the_call_retried() {
    let emu = Emu::start();
    let client = emu.client();
    client.access_token(false).unwrap();
    emu.expire_tokens();
    client
        .work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap();
    assert_eq!(emu.gettoken_calls(), 2);
    assert_eq!(client.stats().retries, 1);
}

#[test]
fn short_lived_tokens_are_renewed_before_expiry() {
    let emu = Emu::with(Config {
        token_ttl: Duration::from_secs(2),
        ..Config::default()
    });
    let client = Client::new(KEY, SECRET, emu.options().token_margin(600.0).unwrap()).unwrap();
    client.access_token(false).unwrap();
    client.access_token(false).unwrap();
    assert_eq!(
        emu.gettoken_calls(),
        1,
        "the margin never renews before half the lifetime"
    );
    std::thread::sleep(Duration::from_millis(1100));
    client.access_token(false).unwrap();
    assert_eq!(
        emu.gettoken_calls(),
        2,
        "renewed after half of a 2 s lifetime"
    );
}

#[test]
fn an_absurd_token_lifetime_is_survived() {
    let emu = Emu::with(Config {
        token_ttl: Duration::from_secs(u64::MAX / 2),
        ..Config::default()
    });
    let client = emu.client();
    client.access_token(false).unwrap();
    client.access_token(false).unwrap();
    assert_eq!(emu.gettoken_calls(), 1);
}

#[test]
fn every_token_code_refreshes_once() {
    for fault in [
        json!({"errcode": 40014}),
        json!({"errcode": 42001}),
        json!({"errcode": 40001}),
        json!({"errcode": 88, "sub_code": "42001"}),
        json!({"errcode": 88, "sub_code": "40014"}),
    ] {
        let emu = Emu::start();
        let client = emu.client();
        let mut fault = fault;
        fault["path"] = json!("/topapi/workrecord/add");
        emu.faults(json!([fault.clone()]));
        client.work_records().create(&record(None)).unwrap();
        assert_eq!(emu.gettoken_calls(), 2, "{fault}");
        assert_eq!(emu.count("/topapi/workrecord/add"), 2, "{fault}");
        // Still refused after the refresh: an authentication error, no third attempt.
        fault["count"] = json!(2);
        emu.faults(json!([fault.clone()]));
        let err = client.work_records().create(&record(None)).unwrap_err();
        assert!(
            matches!(&err, Error::Api(api) if api.class == ErrorClass::TokenRejected),
            "{err:?}"
        );
        assert_eq!(emu.count("/topapi/workrecord/add"), 4, "{fault}");
    }
}

#[test]
fn busy_is_retried_for_safe_calls_only() {
    let emu = Emu::start();
    let api = emu.client().work_records();
    emu.faults(
        json!([{"path": "/topapi/workrecord/getbyuserid", "errcode": -1, "errmsg": "系统繁忙"}]),
    );
    api.list("u", RecordStatus::Pending, 0, 1).unwrap();
    assert_eq!(emu.count("/topapi/workrecord/getbyuserid"), 2);

    emu.faults(json!([{"path": "/topapi/workrecord/add", "errcode": -1}]));
    assert_eq!(api_code(&api.create(&record(None)).unwrap_err()), -1);
    assert_eq!(
        emu.count("/topapi/workrecord/add"),
        1,
        "an add without biz_id is not resent"
    );

    emu.faults(json!([{"path": "/topapi/workrecord/add", "errcode": -1}]));
    api.create(&record(Some("b-1"))).unwrap();
    assert_eq!(
        emu.count("/topapi/workrecord/add"),
        3,
        "an add with biz_id is resent"
    );
}

#[test]
fn a_retried_add_whose_first_attempt_landed_returns_that_record() {
    let emu = Emu::start();
    let api = emu.client().work_records();
    // The first attempt is stored, then its answer is lost; the retry meets the duplicate
    // biz_id, and the one record with this call's own create_time is found.
    emu.faults(json!([{"path": "/topapi/workrecord/add", "status": 502, "processed": true}]));
    let new = NewRecord {
        create_time: None,
        ..record(Some("b-9"))
    };
    let id = api.create(&new).unwrap();
    let stored = emu.records("u");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["record_id"], id.as_str());
    assert_eq!(emu.count("/topapi/workrecord/add"), 2);
}

#[test]
fn a_duplicate_that_cannot_be_proven_this_calls_own_is_a_conflict() {
    let emu = Emu::start();
    let api = emu.client().work_records();
    // A record of another call with the same title, url and (explicit) create_time.
    let other = api.create(&record(Some("b-other"))).unwrap();
    let conflict = |new: &NewRecord| {
        // The first attempt is not processed (502), the second is told "duplicate".
        emu.faults(json!([
            {"path": "/topapi/workrecord/add", "status": 502},
            {"path": "/topapi/workrecord/add", "errcode": 854001}
        ]));
        match api.create(new).unwrap_err() {
            Error::Conflict(conflict) => {
                assert_eq!(conflict.answer.errcode(), Some(854001));
                assert!(
                    conflict.to_string().contains("outcome unknown"),
                    "{conflict}"
                );
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    };
    // An explicit create_time proves nothing, even when a record matches it.
    conflict(&record(Some("b-1")));
    // A create_time of this call's own, but no record has it.
    conflict(&NewRecord {
        create_time: None,
        ..record(Some("b-2"))
    });
    assert_eq!(emu.records("u").len(), 1);
    assert_eq!(emu.records("u")[0]["record_id"], other.as_str());
    // A first attempt told "duplicate" met a record this call did not make: a duplicate,
    // with DingTalk's answer (which names no record).
    let Error::Duplicate(duplicate) = api.create(&record(Some("b-other"))).unwrap_err() else {
        panic!("expected a duplicate")
    };
    assert_eq!(
        (duplicate.answer.errcode(), duplicate.answer.class),
        (Some(854001), ErrorClass::Final)
    );
    assert_eq!(duplicate.existing_id, None);
}

#[test]
fn server_errors_and_dropped_connections() {
    let emu = Emu::start();
    let api = emu.client().work_records();
    for fault in [
        json!({"status": 502, "body": "<html>bad gateway</html>"}),
        json!({"drop": true}),
    ] {
        let mut fault = fault;
        fault["path"] = json!("/topapi/workrecord/");
        emu.faults(json!([fault.clone()]));
        api.list("u", RecordStatus::Pending, 0, 1).unwrap();

        emu.faults(json!([fault.clone()]));
        let before = emu.count("/topapi/workrecord/add");
        let err = api.create(&record(None)).unwrap_err();
        assert!(matches!(&err, Error::Transport(_)), "{err:?}");
        assert_eq!(emu.count("/topapi/workrecord/add") - before, 1, "{fault}");
    }
}

#[test]
fn throttling_backs_off_then_gives_up_as_rate_limit() {
    let emu = Emu::start();
    let client = emu.client();
    emu.faults(json!([{"path": "/topapi/workrecord/getbyuserid", "errcode": 90018, "count": 3}]));
    let err = client
        .work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.class == ErrorClass::Throttled && api.errcode() == Some(90018))
    );
    assert_eq!(
        emu.count("/topapi/workrecord/getbyuserid"),
        3,
        "first attempt + 2 retries"
    );
    assert_eq!(client.stats().retries, 2);
    for final_code in [90020, 60011, 40035] {
        emu.faults(json!([{"path": "/topapi/workrecord/getbyuserid", "errcode": final_code}]));
        let before = emu.count("/topapi/workrecord/getbyuserid");
        let err = client
            .work_records()
            .list("u", RecordStatus::Pending, 0, 1)
            .unwrap_err();
        assert_eq!(api_code(&err), final_code);
        assert_eq!(
            emu.count("/topapi/workrecord/getbyuserid") - before,
            1,
            "{final_code} is final"
        );
    }
}

#[test]
fn retries_zero_disables_retrying() {
    let emu = Emu::start();
    let client = Client::new(KEY, SECRET, emu.options().retries(0).unwrap()).unwrap();
    emu.faults(json!([{"path": "/topapi/workrecord/getbyuserid", "errcode": -1}]));
    assert_eq!(
        api_code(
            &client
                .work_records()
                .list("u", RecordStatus::Pending, 0, 1)
                .unwrap_err()
        ),
        -1
    );
    assert_eq!(emu.count("/topapi/workrecord/getbyuserid"), 1);
    // A refused token is renewed once even without retries: DingTalk refused it unprocessed.
    client.access_token(false).unwrap();
    emu.expire_tokens();
    client
        .work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap();
    assert_eq!(emu.gettoken_calls(), 2);
    assert_eq!(client.stats().retries, 1, "the resend shows in the stats");
    // Only once: a token refused again is an authentication error.
    emu.faults(json!([{"path": "/topapi/workrecord/getbyuserid", "errcode": 42001, "count": 2}]));
    let err = client
        .work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.class == ErrorClass::TokenRejected && api.errcode() == Some(42001))
    );
    assert_eq!(emu.gettoken_calls(), 3);
}

#[test]
fn the_time_budget_bounds_the_whole_call() {
    let emu = Emu::start();
    let client = Client::new(KEY, SECRET, emu.options().timeout(0.3).unwrap()).unwrap();
    client.access_token(false).unwrap();
    emu.faults(json!([{"path": "/topapi/workrecord/getbyuserid", "delay_ms": 3000}]));
    let started = Instant::now();
    let err = client
        .work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no hang: {:?}",
        started.elapsed()
    );
}

#[test]
fn no_secret_or_token_in_any_error() {
    let emu = Emu::start();
    let secret = "s3cr3t &#+ value";
    let emu_app = Emu::with(Config {
        apps: vec![("app-x".into(), secret.into())],
        ..Config::default()
    });
    let client = Client::new("app-x", secret, emu_app.options()).unwrap();
    let token = client.access_token(false).unwrap();
    emu_app.faults(json!([
        {"path": "/topapi/workrecord/getbyuserid", "status": 500, "body": format!("echo {token} {secret}")},
    ]));
    let client0 = Client::new("app-x", secret, emu_app.options().retries(0).unwrap()).unwrap();
    let err = client0
        .work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap_err()
        .to_string();
    assert!(!err.contains(&token) && !err.contains(secret), "{err}");
    // A refused connection: reqwest's own text would carry the URL with the secret.
    let closed = Client::new(
        "app-x",
        secret,
        dingtalk_core::Options::default()
            .base_url("http://127.0.0.1:9")
            .unwrap()
            .retries(0)
            .unwrap(),
    )
    .unwrap();
    let err = closed.access_token(false).unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Connect),
        "{err:?}"
    );
    let text = format!("{err} {err:?} {closed:?}");
    assert!(!text.contains(secret) && !text.contains("s3cr3t"), "{text}");
    drop(emu);
}

#[test]
fn https_with_the_emulators_certificate() {
    let emu = Emu::with(Config {
        tls: true,
        ..Config::default()
    });
    assert!(emu.url().starts_with("https://"));
    let pem = std::env::temp_dir().join(format!("dingtalk-core-test-{}.pem", std::process::id()));
    std::fs::write(&pem, emu.server.cert_pem().unwrap()).unwrap();
    let trusting = Client::new(
        KEY,
        SECRET,
        emu.options().ca_file(pem.to_str().unwrap()).unwrap(),
    )
    .unwrap();
    trusting
        .work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap();
    let untrusting = Client::new(
        KEY,
        "other-secret-for-a-fresh-cache-key",
        emu.options().retries(0).unwrap(),
    )
    .unwrap();
    let err = untrusting.access_token(false).unwrap_err();
    assert!(matches!(&err, Error::Transport(_)), "{err:?}");
    std::fs::remove_file(pem).ok();
}
