//! The work-record workflow against the emulator, over real HTTP.

mod common;

use common::Emu;
use dingtalk_core::{Error, FormItem, NewRecord, RecordStatus};

fn record(user: &str, title: &str) -> NewRecord {
    NewRecord {
        user_id: user.into(),
        title: title.into(),
        url: "https://example.invalid/r".into(),
        forms: vec![FormItem {
            title: "金额".into(),
            content: "100".into(),
        }],
        ..NewRecord::default()
    }
}

#[test]
fn create_list_find_complete() {
    let emu = Emu::start();
    let api = emu.client().work_records();
    let user = "user &#+ 1";
    let new = NewRecord {
        pc_url: Some("https://pc.invalid".into()),
        pc_open_type: Some(2),
        source_name: Some("tests".into()),
        originator_user_id: Some("boss".into()),
        biz_id: Some("biz-1".into()),
        create_time: Some(1_700_000_000_123),
        ..record(user, "审批: 报销")
    };
    let id = api.create(&new).unwrap();

    let stored = emu.records(user);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["record_id"], id.as_str());
    assert_eq!(stored[0]["create_time"], 1_700_000_000_123_i64);
    assert_eq!(stored[0]["pcUrl"], "https://pc.invalid");
    assert_eq!(stored[0]["biz_id"], "biz-1");
    assert_eq!(stored[0]["forms"][0]["title"], "金额");

    let page = api.list(user, RecordStatus::Pending, 0, 50).unwrap();
    assert!(!page.has_more);
    assert_eq!(page.records[0].record_id, id);
    assert_eq!(page.records[0].title, "审批: 报销");
    assert_eq!(
        api.find(user, &id).unwrap().unwrap().forms[0].content,
        "100"
    );
    assert!(api.find(user, "no-such-record").unwrap().is_none());

    assert!(api.complete(user, &id).unwrap());
    assert!(api
        .list(user, RecordStatus::Pending, 0, 50)
        .unwrap()
        .records
        .is_empty());
    assert_eq!(api.all(user, RecordStatus::Done).unwrap()[0].record_id, id);
    assert_eq!(
        api.find(user, &id).unwrap().unwrap().record_id,
        id,
        "found among done records"
    );
}

#[test]
fn complete_accepts_the_biz_id() {
    let emu = Emu::start();
    let api = emu.client().work_records();
    api.create(&NewRecord {
        biz_id: Some("order-7".into()),
        ..record("u", "t")
    })
    .unwrap();
    assert!(api.complete("u", "order-7").unwrap());
    assert_eq!(emu.records("u")[0]["status"], 1);
}

#[test]
fn pages_through_51_records() {
    let emu = Emu::start();
    let api = emu.client().work_records();
    for i in 0..51 {
        api.create(&record("p", &format!("r{i}"))).unwrap();
    }
    let first = api.list("p", RecordStatus::Pending, 0, 50).unwrap();
    assert!(first.has_more);
    assert_eq!(first.records.len(), 50);
    let second = api.list("p", RecordStatus::Pending, 50, 50).unwrap();
    assert!(!second.has_more);
    assert_eq!(second.records.len(), 1);
    assert!(api
        .list("p", RecordStatus::Pending, 500, 50)
        .unwrap()
        .records
        .is_empty());
    let all = api.all("p", RecordStatus::Pending).unwrap();
    assert_eq!(all.len(), 51);
    assert_eq!(all[50].title, "r50");
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let emu = Emu::start();
    let api = emu.client().work_records();
    let long = record("u", &"字".repeat(51));
    assert!(
        matches!(api.create(&long), Err(Error::InvalidArgument { name, .. }) if name == "title")
    );
    assert!(
        matches!(api.list("u", RecordStatus::Pending, -1, 10), Err(Error::InvalidArgument { name, .. }) if name == "offset")
    );
    assert!(
        matches!(api.list("u", RecordStatus::Pending, 0, 51), Err(Error::InvalidArgument { name, .. }) if name == "limit")
    );
    assert!(
        matches!(api.complete("", "x"), Err(Error::InvalidArgument { name, .. }) if name == "userId")
    );
    assert!(
        matches!(emu.client().get("no-slash", &[]), Err(Error::InvalidArgument { name, .. }) if name == "path")
    );
    assert_eq!(emu.gettoken_calls(), 0);
    assert!(emu.control.stats().requests.is_empty());
}

#[test]
fn generic_get_and_post_return_the_whole_body() {
    let emu = Emu::start();
    let client = emu.client();
    let body = serde_json::json!({"userid": "g", "offset": 0, "limit": 5, "status": 0});
    let answer = client
        .post("/topapi/workrecord/getbyuserid", &body)
        .unwrap();
    assert_eq!(answer["errcode"], 0);
    assert!(answer["records"]["list"].is_array());
    let err = client
        .get("/no/such/api", &[("a".into(), "b c".into())])
        .unwrap_err();
    assert!(
        matches!(err, Error::Api(_) | Error::Transport(_)),
        "{err:?}"
    );
}

#[test]
fn get_of_the_gettoken_path_is_an_ordinary_call() {
    let emu = Emu::start();
    let answer = emu
        .client()
        .get(
            "/gettoken",
            &[
                ("appkey".into(), common::KEY.into()),
                ("appsecret".into(), common::SECRET.into()),
            ],
        )
        .unwrap();
    assert_eq!(answer["errcode"], 0);
    assert!(answer["access_token"].is_string());
}
