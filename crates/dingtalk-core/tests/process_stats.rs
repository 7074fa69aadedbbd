//! `process_stats()`: what this process holds and has done, every app together. Alone in its
//! test binary (its own process), so the counts are exact.

mod common;

use common::{Emu, SECRET};
use dingtalk_core::{process_stats, Client, ProcessStats, RecordStatus};
use serde_json::json;

#[test]
fn counts_apps_clients_and_calls_of_the_whole_process() {
    assert_eq!(
        process_stats(),
        ProcessStats::default(),
        "nothing before any call"
    );

    let emu = Emu::start();
    let a = emu.client();
    let made = process_stats();
    assert_eq!(
        made.http_clients, 0,
        "making a client builds no HTTP client"
    );
    assert_eq!(made.apps_with_token, 0);

    a.work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap();
    emu.faults(json!([{"path": "/topapi/workrecord/getbyuserid", "errcode": -1}]));
    a.work_records()
        .list("u", RecordStatus::Pending, 0, 1)
        .unwrap();
    // A second app the emulator does not know, on a second HTTP client (its own connect
    // timeout): its fetch is refused, so it holds no token.
    let b = Client::new(
        "unknown_app",
        SECRET,
        emu.options().connect_timeout(2.0).unwrap(),
    )
    .unwrap();
    assert!(b.access_token(false).is_err());

    let after = process_stats();
    assert_eq!(after.requests, 3, "{after:?}");
    assert_eq!(after.retries, 1, "{after:?}");
    assert_eq!(after.token_fetches, 2, "{after:?}");
    assert_eq!(after.http_clients, 2, "{after:?}");
    assert_eq!(after.apps_with_token, 1, "{after:?}");
}
