//! The work-record endpoints: every field, limit and error of the reference.

mod common;

use std::collections::HashSet;

use common::*;
use serde_json::{json, Value};

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

fn without(mut body: Value, field: &str) -> Value {
    body.as_object_mut().unwrap().remove(field);
    body
}

#[test]
fn add_answers_the_documented_shape_with_unique_ids() {
    let h = start_default();
    let token = h.token();
    let (status, body) = h.call(&token, ADD, &record("u1", "Approve"));
    assert_eq!(status, 200);
    assert_eq!(body["errcode"], 0);
    assert_eq!(body["errmsg"], "ok");
    assert!(body["request_id"].is_string());
    let mut ids = HashSet::new();
    ids.insert(body["record_id"].as_str().unwrap().to_owned());
    for _ in 0..20 {
        assert!(ids.insert(h.add(&token, &record("u1", "Approve"))));
    }
}

#[test]
fn add_stores_every_field() {
    let h = start_default();
    let token = h.token();
    let full = json!({
        "userid": "u1",
        "create_time": 1_700_000_000_123_i64,
        "title": "报销审批",
        "url": "https://example.com/m",
        "pcUrl": "https://example.com/pc",
        "pc_open_type": 4,
        "originator_user_id": "boss",
        "source_name": "ERP",
        "biz_id": "order-1",
        "formItemList": [{"title": "金额", "content": "42 元"}, {"title": "t", "content": ""}],
    });
    let record_id = h.add(&token, &full);
    let stored = &h.control.records("u1")[0];
    assert_eq!(stored["record_id"], record_id.as_str());
    for field in [
        "title",
        "url",
        "pcUrl",
        "pc_open_type",
        "originator_user_id",
        "source_name",
        "biz_id",
        "create_time",
    ] {
        assert_eq!(stored[field], full[field], "{field}");
    }
    assert_eq!(stored["forms"], full["formItemList"]);
    assert_eq!(stored["status"], 0);
    // Optional fields left out are null.
    h.add(&token, &record("u2", "plain"));
    let plain = &h.control.records("u2")[0];
    assert_eq!(plain["pcUrl"], Value::Null);
    assert_eq!(plain["biz_id"], Value::Null);
    assert!(h.control.records("nobody").is_empty());
}

#[test]
fn add_requires_each_required_field() {
    let h = start_default();
    let token = h.token();
    for field in ["userid", "create_time", "title", "url", "formItemList"] {
        assert_errcode(
            &h.call(&token, ADD, &without(record("u", "t"), field)),
            40035,
            field,
        );
        assert_errcode(
            &h.call(&token, ADD, &with(record("u", "t"), field, Value::Null)),
            40035,
            field,
        );
    }
    assert_errcode(
        &h.call(&token, ADD, &with(record("u", "t"), "userid", json!(""))),
        40035,
        "userid",
    );
    assert_errcode(
        &h.call(&token, ADD, &with(record("u", "t"), "userid", json!(7))),
        40035,
        "userid",
    );
    assert_errcode(
        &h.call(&token, ADD, &with(record("u", "t"), "url", json!(["x"]))),
        40035,
        "url",
    );
}

#[test]
fn add_checks_types_and_limits() {
    let h = start_default();
    let token = h.token();
    let base = record("u", "t");
    // create_time: an integer number of milliseconds.
    for bad in [
        json!(1.5e12),
        json!("1700000000000"),
        json!(1_700_000_000),
        json!(-1),
    ] {
        assert_errcode(
            &h.call(&token, ADD, &with(base.clone(), "create_time", bad)),
            40035,
            "create_time",
        );
    }
    // title: at most 50 characters, counted as characters, not bytes.
    h.add(&token, &with(base.clone(), "title", json!("审".repeat(50))));
    assert_errcode(
        &h.call(
            &token,
            ADD,
            &with(base.clone(), "title", json!("审".repeat(51))),
        ),
        40035,
        "title",
    );
    assert_errcode(
        &h.call(
            &token,
            ADD,
            &with(base.clone(), "title", json!("a".repeat(51))),
        ),
        40035,
        "title",
    );
    // formItemList: at most 20 items of {title, content}.
    let item = json!({"title": "k", "content": "v"});
    h.add(
        &token,
        &with(base.clone(), "formItemList", json!(vec![item.clone(); 20])),
    );
    h.add(&token, &with(base.clone(), "formItemList", json!([])));
    assert_errcode(
        &h.call(
            &token,
            ADD,
            &with(base.clone(), "formItemList", json!(vec![item.clone(); 21])),
        ),
        40035,
        "formItemList",
    );
    assert_errcode(
        &h.call(
            &token,
            ADD,
            &with(base.clone(), "formItemList", json!({"title": "k"})),
        ),
        40035,
        "formItemList",
    );
    assert_errcode(
        &h.call(
            &token,
            ADD,
            &with(base.clone(), "formItemList", json!([item, "x"])),
        ),
        40035,
        "formItemList[1]",
    );
    assert_errcode(
        &h.call(
            &token,
            ADD,
            &with(base.clone(), "formItemList", json!([{"title": "k"}])),
        ),
        40035,
        "formItemList[0].content",
    );
    assert_errcode(
        &h.call(
            &token,
            ADD,
            &with(
                base.clone(),
                "formItemList",
                json!([{"title": 1, "content": "v"}]),
            ),
        ),
        40035,
        "formItemList[0].title",
    );
    // Optional fields are checked when present.
    h.add(&token, &with(base.clone(), "pc_open_type", json!(2)));
    assert_errcode(
        &h.call(&token, ADD, &with(base.clone(), "pc_open_type", json!(3))),
        40035,
        "pc_open_type",
    );
    for field in ["pcUrl", "originator_user_id", "source_name", "biz_id"] {
        assert_errcode(
            &h.call(&token, ADD, &with(base.clone(), field, json!(5))),
            40035,
            field,
        );
    }
}

#[test]
fn bodies_that_are_not_json_objects() {
    let h = start_default();
    let token = h.token();
    for path in [ADD, UPDATE, GET] {
        for garbage in [
            &b"not json"[..],
            b"",
            b"[1,2]",
            b"\"str\"",
            b"{\"userid\":",
            b"\xff\xfe\x00{}",
            b"null",
        ] {
            let answer = h.call_bytes(&token, path, garbage.to_vec());
            assert_errcode(&answer, 40035, "JSON");
        }
    }
    // Invalid UTF-8 inside a JSON string is not JSON either.
    let mut bytes = br#"{"userid":""#.to_vec();
    bytes.extend_from_slice(b"\xc3\x28");
    bytes.extend_from_slice(br#"","offset":0,"limit":1,"status":0}"#);
    assert_errcode(&h.call_bytes(&token, GET, bytes), 40035, "JSON");
}

#[test]
fn duplicate_biz_id_for_the_same_user() {
    let h = start_default();
    let token = h.token();
    let first = with(record("u1", "t"), "biz_id", json!("order-7"));
    h.add(&token, &first);
    assert_errcode(&h.call(&token, ADD, &first), 854001, "biz_id");
    // Still refused once the first is done.
    assert_eq!(
        h.call(
            &token,
            UPDATE,
            &json!({"userid": "u1", "record_id": "order-7"})
        )
        .1["errcode"],
        0
    );
    assert_errcode(&h.call(&token, ADD, &first), 854001, "biz_id");
    // Another user may use the same biz_id.
    h.add(&token, &with(record("u2", "t"), "biz_id", json!("order-7")));
    assert_eq!(h.control.records("u1").len(), 1);
}

#[test]
fn update_by_record_id_or_biz_id() {
    let h = start_default();
    let token = h.token();
    let by_id = h.add(&token, &record("u1", "one"));
    let by_biz = h.add(&token, &with(record("u1", "two"), "biz_id", json!("b-2")));
    let keep = h.add(&token, &record("u1", "three"));

    let (status, body) = h.call(&token, UPDATE, &json!({"userid": "u1", "record_id": by_id}));
    assert_eq!(status, 200);
    assert_eq!(body["errcode"], 0);
    assert_eq!(body["errmsg"], "ok");
    assert_eq!(body["result"], true);
    assert!(body["request_id"].is_string());
    assert_eq!(
        h.call(&token, UPDATE, &json!({"userid": "u1", "record_id": "b-2"}))
            .1["result"],
        true
    );
    // Marking a done record again is fine.
    assert_eq!(
        h.call(&token, UPDATE, &json!({"userid": "u1", "record_id": by_id}))
            .1["errcode"],
        0
    );

    let ids = |page: &Value| -> Vec<String> {
        page["records"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["record_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&h.page(&token, "u1", 0, 50, 1)),
        [by_id.clone(), by_biz]
    );
    assert_eq!(ids(&h.page(&token, "u1", 0, 50, 0)), [keep]);
    let statuses: Vec<_> = h
        .control
        .records("u1")
        .iter()
        .map(|r| r["status"].clone())
        .collect();
    assert_eq!(statuses, [json!(1), json!(1), json!(0)]);

    // Unknown record, or a record of another user: 40035 naming record_id.
    assert_errcode(
        &h.call(
            &token,
            UPDATE,
            &json!({"userid": "u1", "record_id": "nope"}),
        ),
        40035,
        "record_id",
    );
    assert_errcode(
        &h.call(&token, UPDATE, &json!({"userid": "u2", "record_id": by_id})),
        40035,
        "record_id",
    );
    assert_errcode(
        &h.call(&token, UPDATE, &json!({"record_id": by_id})),
        40035,
        "userid",
    );
    assert_errcode(
        &h.call(&token, UPDATE, &json!({"userid": "u1"})),
        40035,
        "record_id",
    );
}

#[test]
fn getbyuserid_answers_exactly_the_reference_shape() {
    let h = start_default();
    let token = h.token();
    let full = with(
        with(record("u1", "标题"), "pcUrl", json!("https://pc")),
        "biz_id",
        json!("b"),
    );
    let record_id = h.add(&token, &full);
    let page = h.page(&token, "u1", 0, 10, 0);
    let request_id = page["request_id"].clone();
    assert!(request_id.is_string());
    assert_eq!(
        page,
        json!({
            "errcode": 0,
            "request_id": request_id,
            "records": {
                "has_more": false,
                "list": [{
                    "record_id": record_id,
                    "create_time": 1_700_000_000_000_i64,
                    "title": "标题",
                    "url": "https://example.com/todo",
                    "forms": [{"title": "Amount", "content": "42"}],
                }],
            },
        })
    );
    // Unknown users have no records.
    assert_eq!(
        h.page(&token, "nobody", 0, 10, 0)["records"],
        json!({"has_more": false, "list": []})
    );
}

#[test]
fn getbyuserid_orders_by_create_time() {
    let h = start_default();
    let token = h.token();
    let mut expected = Vec::new();
    for (title, time) in [("b", 2), ("a", 1), ("c", 3), ("b2", 2)] {
        let body = with(
            record("u", title),
            "create_time",
            json!(1_700_000_000_000_i64 + time),
        );
        h.add(&token, &body);
        expected.push((time, title));
    }
    expected.sort_by_key(|(time, _)| *time); // stable: ties keep insertion order
    let page = h.page(&token, "u", 0, 50, 0);
    let titles: Vec<_> = page["records"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        titles,
        expected
            .iter()
            .map(|(_, t)| t.to_string())
            .collect::<Vec<_>>()
    );
}

fn add_many(h: &Harness, token: &str, userid: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| h.add(token, &record(userid, &format!("r{i}"))))
        .collect()
}

fn page_ids(page: &Value) -> Vec<String> {
    page["records"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn pagination_edges() {
    let h = start_default();
    let token = h.token();
    let fifty = add_many(&h, &token, "fifty", 50);
    let page = h.page(&token, "fifty", 0, 50, 0);
    assert_eq!(page_ids(&page), fifty);
    assert_eq!(page["records"]["has_more"], false);
    let page = h.page(&token, "fifty", 0, 49, 0);
    assert_eq!(page["records"]["has_more"], true);
    let page = h.page(&token, "fifty", 49, 1, 0);
    assert_eq!(page_ids(&page), [fifty[49].clone()]);
    assert_eq!(page["records"]["has_more"], false);

    let fifty_one = add_many(&h, &token, "fifty-one", 51);
    let first = h.page(&token, "fifty-one", 0, 50, 0);
    assert_eq!(page_ids(&first), fifty_one[..50]);
    assert_eq!(first["records"]["has_more"], true);
    let second = h.page(&token, "fifty-one", 50, 50, 0);
    assert_eq!(page_ids(&second), fifty_one[50..]);
    assert_eq!(second["records"]["has_more"], false);

    // Offset at or beyond the end: empty, no more.
    for offset in [51, 52, 1000, i64::MAX] {
        let page = h.page(&token, "fifty-one", offset, 50, 0);
        assert_eq!(
            page["records"],
            json!({"has_more": false, "list": []}),
            "offset {offset}"
        );
    }
    // Nothing is done yet.
    assert_eq!(
        h.page(&token, "fifty-one", 0, 50, 1)["records"]["list"],
        json!([])
    );
}

#[test]
fn getbyuserid_errors() {
    let h = start_default();
    let token = h.token();
    let query = json!({"userid": "u", "offset": 0, "limit": 10, "status": 0});
    assert_errcode(
        &h.call(&token, GET, &with(query.clone(), "offset", json!(-1))),
        40068,
        "offset",
    );
    for limit in [0, 51, -3, 1000] {
        assert_errcode(
            &h.call(&token, GET, &with(query.clone(), "limit", json!(limit))),
            40069,
            "limit",
        );
    }
    assert_eq!(
        h.call(&token, GET, &with(query.clone(), "limit", json!(1)))
            .1["errcode"],
        0
    );
    assert_eq!(
        h.call(&token, GET, &with(query.clone(), "limit", json!(50)))
            .1["errcode"],
        0
    );
    for status in [json!(2), json!(-1), json!("0")] {
        assert_errcode(
            &h.call(&token, GET, &with(query.clone(), "status", status)),
            40035,
            "status",
        );
    }
    for field in ["userid", "offset", "limit", "status"] {
        assert_errcode(
            &h.call(&token, GET, &without(query.clone(), field)),
            40035,
            field,
        );
    }
    assert_errcode(
        &h.call(&token, GET, &with(query.clone(), "offset", json!(1.5))),
        40035,
        "offset",
    );
    assert_errcode(
        &h.call(&token, GET, &with(query.clone(), "limit", json!("10"))),
        40035,
        "limit",
    );
}

#[test]
fn concurrent_adds_are_all_kept() {
    let h = start_default();
    let token = h.token();
    let ids: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| add_many(&h, &token, "busy", 25)))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 200);
    let mut listed = Vec::new();
    let mut offset = 0;
    loop {
        let page = h.page(&token, "busy", offset, 50, 0);
        listed.extend(page_ids(&page));
        if page["records"]["has_more"] == false {
            break;
        }
        offset += 50;
    }
    assert_eq!(listed.len(), 200);
    assert_eq!(
        listed.iter().collect::<HashSet<_>>(),
        ids.iter().collect::<HashSet<_>>()
    );
}
