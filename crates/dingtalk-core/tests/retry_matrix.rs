//! The retry rules as one table, both API families: a fault × a kind of call → how many times
//! the call reached the emulator, and how it ended.

mod common;

use common::Emu;
use dingtalk_core::{Client, Error, ErrorClass, NewRecord, NewTask, RecordStatus};
use dingtalk_emulator::testing::Fault;
use serde_json::json;

/// The kinds of call whose retry rules differ.
#[derive(Debug, Clone, Copy)]
enum Call {
    /// An oapi read (`getbyuserid`): safe to repeat.
    OapiRead,
    /// An oapi add without `biz_id`: not safe to repeat.
    OapiAdd,
    /// A v1.0 read (get a task): safe to repeat.
    V1Read,
    /// A v1.0 create without `sourceId`: not safe to repeat.
    V1Create,
    /// A v1.0 create with a `sourceId`: safe to repeat.
    V1CreateWithSource,
}

impl Call {
    fn path(self) -> &'static str {
        match self {
            Call::OapiRead => "/topapi/workrecord/getbyuserid",
            Call::OapiAdd => "/topapi/workrecord/add",
            Call::V1Read | Call::V1Create | Call::V1CreateWithSource => "/v1.0/todo/users/",
        }
    }

    fn run(self, client: &Client) -> dingtalk_core::Result<()> {
        let record = NewRecord {
            user_id: "u".into(),
            title: "t".into(),
            url: "https://example.invalid".into(),
            ..NewRecord::default()
        };
        let todos = client.todos();
        match self {
            Call::OapiRead => client
                .work_records()
                .list("u", RecordStatus::Pending, 0, 1)
                .map(drop),
            Call::OapiAdd => client.work_records().create(&record).map(drop),
            Call::V1Read => todos.find_by_source_id("union-m", "none").map(drop),
            Call::V1Create => {
                let task = NewTask::from_json("task", &json!({"subject": "s"}))?;
                todos.create("union-m", &task, None).map(drop)
            }
            Call::V1CreateWithSource => {
                let source = format!("src-{}", fastrand_id());
                let task =
                    NewTask::from_json("task", &json!({"subject": "s", "sourceId": source}))?;
                todos.create("union-m", &task, None).map(drop)
            }
        }
    }
}

/// A sourceId no other row uses.
fn fastrand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Ok,
    Api(ErrorClass),
    Transport,
}

fn end(result: dingtalk_core::Result<()>) -> End {
    match result {
        Ok(()) => End::Ok,
        Err(Error::Api(api)) => End::Api(api.class),
        Err(Error::Transport(_)) => End::Transport,
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// A call, the fault its path meets, the attempts that reach the emulator, how it ends.
type Row = (Call, fn(&'static str) -> Fault, u64, End);

#[test]
fn the_retry_matrix() {
    use Call::*;
    use ErrorClass::*;
    let busy_v1 = |p| Fault::v1(p, 429, "system.busy");
    let server_v1 = |p| Fault::v1(p, 500, "todo.systemError");
    let rows: Vec<Row> = vec![
        // oapi: busy, token, throttling, bans, gateways, dropped connections
        (OapiRead, |p| Fault::errcode(p, -1), 2, End::Ok),
        (OapiAdd, |p| Fault::errcode(p, -1), 1, End::Api(Busy)),
        (OapiAdd, |p| Fault::errcode(p, 42001), 2, End::Ok),
        (
            OapiAdd,
            |p| Fault::errcode(p, 88).sub_code("40014"),
            2,
            End::Ok,
        ),
        (
            OapiRead,
            |p| Fault::errcode(p, 90018).count(3),
            3,
            End::Api(Throttled),
        ),
        (OapiAdd, |p| Fault::errcode(p, 90018), 2, End::Ok),
        (OapiRead, |p| Fault::errcode(p, 90010), 1, End::Api(Banned)),
        (OapiRead, |p| Fault::errcode(p, 60011), 1, End::Api(Final)),
        (
            OapiRead,
            |p| Fault::status(p, 502).body("<html></html>"),
            2,
            End::Ok,
        ),
        (
            OapiAdd,
            |p| Fault::status(p, 502).body("<html></html>"),
            1,
            End::Transport,
        ),
        (OapiRead, Fault::drop, 2, End::Ok),
        (OapiAdd, Fault::drop, 1, End::Transport),
        // v1.0: token, throttling, quota, busy, server errors, permissions
        (
            V1Read,
            |p| Fault::v1(p, 400, "InvalidAuthentication"),
            2,
            End::Ok,
        ),
        (
            V1Create,
            |p| Fault::v1(p, 400, "InvalidAuthentication"),
            2,
            End::Ok,
        ),
        (
            V1Read,
            |p| Fault::v1(p, 400, "InvalidAuthentication").count(2),
            2,
            End::Api(TokenRejected),
        ),
        (
            V1Create,
            |p| Fault::v1(p, 403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"),
            2,
            End::Ok,
        ),
        (
            V1Read,
            |p| Fault::v1(p, 403, "Forbidden.AccessDenied.QpmLimitForAppkeyAndApi").count(3),
            3,
            End::Api(Throttled),
        ),
        (
            V1Create,
            |p| Fault::v1(p, 403, "Forbidden.AccessDenied.ApiCountLimitForOrg"),
            1,
            End::Api(QuotaExhausted),
        ),
        (V1Read, busy_v1, 2, End::Ok),
        (V1Create, busy_v1, 1, End::Api(Busy)),
        (V1CreateWithSource, busy_v1, 2, End::Ok),
        (V1Read, server_v1, 2, End::Ok),
        (V1Create, server_v1, 1, End::Api(Busy)),
        (V1CreateWithSource, server_v1, 2, End::Ok),
        (
            V1Read,
            |p| Fault::v1(p, 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied"),
            1,
            End::Api(Final),
        ),
        (
            V1Read,
            |p| Fault::status(p, 503).body("<html>busy</html>"),
            2,
            End::Ok,
        ),
        (V1Create, Fault::drop, 1, End::Transport),
        (V1CreateWithSource, Fault::drop, 2, End::Ok),
    ];
    let emu = Emu::start();
    let client = emu.client();
    client.access_token(false).unwrap();
    for (i, (call, fault, attempts, expected)) in rows.into_iter().enumerate() {
        let before = emu.count_prefix(call.path());
        emu.fault([fault(call.path())]);
        let ended = end(call.run(&client));
        let made = emu.count_prefix(call.path()) - before;
        emu.control.clear_faults();
        assert_eq!(
            (made, ended),
            (attempts, expected),
            "row {i}: {call:?} × {:?}",
            fault(call.path())
        );
    }
}
