//! What a client tells its observer: typed events, built only when one is set, with no secret.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Emu, KEY, SECRET};
use dingtalk_core::observe::{Event, LimitOption, Observer, Retry};
use dingtalk_core::{Client, RecordStatus};
use serde_json::json;

#[derive(Default)]
struct Recorder(Mutex<Vec<Event>>);

impl Observer for Recorder {
    fn observe(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorder {
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn observed(options: dingtalk_core::Options) -> (Client, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let client = Client::observed(KEY, SECRET, options, Some(recorder.clone())).unwrap();
    (client, recorder)
}

#[test]
fn a_call_tells_its_token_fetch_retries_and_throttling() {
    let emu = Emu::start();
    let (client, recorder) = observed(emu.options());
    let records = client.work_records();
    records.list("u", RecordStatus::Pending, 0, 1).unwrap();
    assert_eq!(
        recorder.take(),
        [Event::TokenFetched {
            store: "memory",
            lifetime: Duration::from_secs(7200)
        }]
    );

    emu.faults(json!([
        {"path": "/topapi/workrecord/getbyuserid", "errcode": 90018},
        {"path": "/topapi/workrecord/getbyuserid", "errcode": -1, "errmsg": "echo {query}"},
    ]));
    records.list("u", RecordStatus::Pending, 0, 1).unwrap();
    let events = recorder.take();
    let [Event::Throttled(throttled), Event::Retrying(first), Event::Retrying(second)] =
        events.as_slice()
    else {
        panic!("{events:?}");
    };
    assert_eq!(throttled.api, "POST /topapi/workrecord/getbyuserid");
    assert_eq!(throttled.code.as_deref(), Some("90018"));
    assert_eq!(
        (first.answer.attempt, second.answer.attempt),
        (1, 2),
        "each retry names the attempt that failed"
    );
    let Retry { answer, .. } = second;
    assert_eq!(answer.code.as_deref(), Some("-1"));
    let token = client.access_token(false).unwrap();
    assert!(
        answer.reason.contains("access_token=***"),
        "{}",
        answer.reason
    );
    assert!(!format!("{events:?}").contains(&token));
    assert!(!format!("{events:?}").contains(SECRET));
}

#[test]
fn store_failures_and_rate_limit_waits_are_told() {
    let emu = Emu::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = emu
        .options()
        .token_store(&format!("redis://:store-pw@127.0.0.1:{closed}/0"))
        .unwrap()
        .rate_limit(4.0)
        .unwrap();
    let (client, recorder) = observed(options);
    let records = client.work_records();
    records.list("u", RecordStatus::Pending, 0, 1).unwrap();
    records.list("u", RecordStatus::Pending, 0, 1).unwrap();
    let events = recorder.take();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::StoreFailed { store: "redis", .. })),
        "{events:?}"
    );
    assert!(
        events.iter().any(
            |e| matches!(e, Event::RateLimitWait { api, waited, option: LimitOption::RateLimit }
            if api == "POST /topapi/workrecord/getbyuserid" && !waited.is_zero())
        ),
        "{events:?}"
    );
    assert!(!format!("{events:?}").contains("store-pw"));
}

#[test]
fn a_client_without_an_observer_and_one_observed_by_another_share_the_app() {
    let emu = Emu::start();
    let (client, recorder) = observed(emu.options());
    let other = Arc::new(Recorder::default());
    let elsewhere = client.observed_by(Some(other.clone()));
    elsewhere.access_token(false).unwrap();
    client.access_token(false).unwrap();
    assert_eq!(other.take().len(), 1, "the fetch, told where it was made");
    assert!(
        recorder.take().is_empty(),
        "the token is shared: no second fetch"
    );
    assert_eq!(emu.gettoken_calls(), 1);
}
