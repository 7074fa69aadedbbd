//! Work notifications over real HTTP: asyncsend_v2, getsendprogress, getsendresult, recall, and
//! what the inbox shows of them.

mod common;

use common::{assert_errcode, start, start_default, Harness};
use dingtalk_emulator::testing::Fault;
use dingtalk_emulator::Config;
use serde_json::{json, Value};

const SEND: &str = "/topapi/message/corpconversation/asyncsend_v2";
const PROGRESS: &str = "/topapi/message/corpconversation/getsendprogress";
const RESULT: &str = "/topapi/message/corpconversation/getsendresult";
const RECALL: &str = "/topapi/message/corpconversation/recall";
const AGENT: i64 = 123_456;

fn text(content: &str) -> Value {
    json!({"msgtype": "text", "text": {"content": content}})
}

fn send(h: &Harness, token: &str, users: &str, msg: &Value) -> u64 {
    let (_, body) = h.call(
        token,
        SEND,
        &json!({"agent_id": AGENT, "userid_list": users, "msg": msg}),
    );
    assert_eq!(body["errcode"], 0, "{body}");
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    body["task_id"].as_u64().expect("a numeric task_id")
}

fn result(h: &Harness, token: &str, task_id: u64) -> Value {
    let (_, body) = h.call(
        token,
        RESULT,
        &json!({"agent_id": AGENT, "task_id": task_id}),
    );
    assert_eq!(body["errcode"], 0, "{body}");
    body["send_result"].clone()
}

#[test]
fn a_notice_reaches_each_user_and_is_reported_done() {
    let h = start_default();
    let token = h.token();
    let card = json!({"msgtype": "action_card", "action_card": {"title": "Expense", "markdown": "## approved",
                      "single_title": "Open", "single_url": "https://example.com/e/1"}});
    let task_id = send(&h, &token, "ann,bob,ann", &card);
    assert!(
        task_id >= 100_000_000_000,
        "{task_id} looks like DingTalk's"
    );

    let inbox = h.control.messages_where(&[("channel", "work_notice")]);
    assert_eq!(
        inbox.len(),
        2,
        "one entry per user, a repeated userid once: {inbox:?}"
    );
    for (entry, user) in inbox.iter().zip(["ann", "bob"]) {
        assert_eq!(entry["user"], user);
        assert_eq!(entry["message"], card);
        assert_eq!(entry["task_id"], task_id);
        assert_eq!(
            (entry["dropped"].clone(), entry["recalled"].clone()),
            (json!(false), json!(false))
        );
        assert_eq!(
            (entry["conversation"].clone(), entry["webhook"].clone()),
            (Value::Null, Value::Null)
        );
    }

    let (_, progress) = h.call(
        &token,
        PROGRESS,
        &json!({"agent_id": AGENT, "task_id": task_id}),
    );
    assert_eq!(
        progress["progress"],
        json!({"progress_in_percent": 100, "status": 2}),
        "{progress}"
    );

    let sent = result(&h, &token, task_id);
    assert_eq!(sent["unread_user_id_list"], json!(["ann", "bob"]));
    for empty in [
        "invalid_user_id_list",
        "forbidden_user_id_list",
        "failed_user_id_list",
        "read_user_id_list",
        "invalid_dept_id_list",
        "forbidden_list",
    ] {
        assert_eq!(sent[empty], json!([]), "{empty} in {sent}");
    }
    h.control.mark_read(&[inbox[1]["id"].as_u64().unwrap()]);
    let sent = result(&h, &token, task_id);
    assert_eq!(
        (
            sent["read_user_id_list"].clone(),
            sent["unread_user_id_list"].clone()
        ),
        (json!(["bob"]), json!(["ann"]))
    );
}

#[test]
fn the_same_content_to_the_same_user_the_same_day_is_dropped_and_reported() {
    let h = start_default();
    let token = h.token();
    let first = send(&h, &token, "ann", &text("build failed"));
    // The same content with its keys in another order is the same content.
    let again = json!({"text": {"content": "build failed"}, "msgtype": "text"});
    let second = send(&h, &token, "ann,bob", &again);
    assert_ne!(first, second);
    let sent = result(&h, &token, second);
    assert_eq!(sent["forbidden_user_id_list"], json!(["ann"]));
    assert_eq!(
        sent["forbidden_list"],
        json!([{"code": "143106", "count": 1, "userid": "ann"}])
    );
    assert_eq!(sent["unread_user_id_list"], json!(["bob"]));
    let ann = h.control.messages_where(&[("user", "ann")]);
    assert_eq!(
        ann.iter()
            .map(|m| m["dropped"].as_bool())
            .collect::<Vec<_>>(),
        [Some(false), Some(true)]
    );
    // Other content still reaches her.
    send(&h, &token, "ann", &text("build fixed"));
    assert_eq!(
        h.control.messages_where(&[("user", "ann")]).last().unwrap()["dropped"],
        false
    );
}

#[test]
fn unknown_users_departments_and_everyone() {
    let h = start(Config {
        users: vec![
            ("ann".into(), "U-ANN".into()),
            ("bob".into(), "U-BOB".into()),
        ],
        strict_users: true,
        ..Config::default()
    });
    let token = h.token();
    let (_, body) = h.call(
        &token,
        SEND,
        &json!({"agent_id": "123456", "userid_list": "ann,ghost",
        "dept_id_list": "7,8", "msg": text("hi")}),
    );
    let task_id = body["task_id"].as_u64().expect("task_id");
    let sent = result(&h, &token, task_id);
    assert_eq!(sent["invalid_user_id_list"], json!(["ghost"]));
    assert_eq!(
        sent["invalid_dept_id_list"],
        json!([7, 8]),
        "the emulator knows no departments"
    );
    assert_eq!(sent["unread_user_id_list"], json!(["ann"]));

    let (_, body) = h.call(
        &token,
        SEND,
        &json!({"agent_id": AGENT, "to_all_user": true, "msg": text("all")}),
    );
    let everyone = result(&h, &token, body["task_id"].as_u64().unwrap());
    assert_eq!(
        everyone["unread_user_id_list"],
        json!(["ann", "bob"]),
        "every --user"
    );
}

#[test]
fn refusals_carry_dingtalks_codes() {
    let h = start(Config {
        agents: vec![("demo_app_key".into(), AGENT)],
        ..Config::default()
    });
    let token = h.token();
    let notice = |body: Value| h.call(&token, SEND, &body);
    assert_errcode(
        &h.post(
            SEND,
            &json!({"agent_id": AGENT, "userid_list": "a", "msg": text("x")}),
        ),
        41001,
        "access_token",
    );
    assert_errcode(
        &notice(json!({"agent_id": AGENT + 1, "userid_list": "a", "msg": text("x")})),
        40056,
        "agentid",
    );
    assert_errcode(
        &notice(json!({"userid_list": "a", "msg": text("x")})),
        40035,
        "agent_id",
    );
    assert_errcode(
        &notice(json!({"agent_id": AGENT, "msg": text("x")})),
        1_430_000,
        "接受者为空",
    );
    assert_errcode(
        &notice(json!({"agent_id": AGENT, "userid_list": ["a"], "msg": text("x")})),
        40035,
        "userid_list",
    );
    let users: Vec<String> = (0..5001).map(|n| format!("u{n}")).collect();
    assert_errcode(
        &notice(json!({"agent_id": AGENT, "userid_list": users.join(","), "msg": text("x")})),
        40035,
        "at most 5000",
    );
    let depts: Vec<String> = (0..501).map(|n| n.to_string()).collect();
    assert_errcode(
        &notice(json!({"agent_id": AGENT, "dept_id_list": depts.join(","), "msg": text("x")})),
        40035,
        "at most 500",
    );
    assert_errcode(
        &notice(json!({"agent_id": AGENT, "userid_list": "a", "msg": text(&"x".repeat(2048))})),
        40035,
        "msg: at most 2048 bytes",
    );
    assert_errcode(
        &notice(
            json!({"agent_id": AGENT, "userid_list": "a", "msg": {"msgtype": "markdown", "markdown": {"title": "t"}}}),
        ),
        40035,
        "msg.markdown.text",
    );
    assert_errcode(
        &notice(
            json!({"agent_id": AGENT, "userid_list": "a", "msg": {"msgtype": "actionCard", "actionCard": {}}}),
        ),
        40035,
        "msg.msgtype",
    );
    let task_id = send(&h, &token, "ann", &text("x"));
    assert_errcode(
        &h.call(
            &token,
            RESULT,
            &json!({"agent_id": AGENT, "task_id": task_id + 1}),
        ),
        40035,
        "task_id",
    );
    assert_errcode(
        &h.call(
            &token,
            PROGRESS,
            &json!({"agent_id": AGENT + 1, "task_id": task_id}),
        ),
        40056,
        "agentid",
    );
    assert_errcode(
        &h.call(
            &token,
            RECALL,
            &json!({"agent_id": AGENT, "task_id": task_id}),
        ),
        40035,
        "msg_task_id",
    );
    assert!(
        h.control.messages().len() == 1,
        "no refused send was delivered"
    );
}

#[test]
fn a_recalled_notice_is_marked_in_the_inbox() {
    let h = start_default();
    let token = h.token();
    let task_id = send(&h, &token, "ann,bob", &text("oops"));
    let (_, body) = h.call(
        &token,
        RECALL,
        &json!({"agent_id": AGENT, "msg_task_id": task_id}),
    );
    assert_eq!(
        (body["errcode"].clone(), body["errmsg"].clone()),
        (json!(0), json!("ok")),
        "{body}"
    );
    assert!(h.control.messages().iter().all(|m| m["recalled"] == true));
    let other = start_default();
    let (_, body) = other.call(
        &other.token(),
        RECALL,
        &json!({"agent_id": AGENT, "msg_task_id": task_id}),
    );
    assert_eq!(body["errcode"], 40035, "another emulator's task: {body}");
}

#[test]
fn faults_apply_to_the_work_notice_paths() {
    let h = start_default();
    let token = h.token();
    h.control.faults([
        Fault::status(SEND, 502).body("<html>Bad Gateway</html>"),
        Fault::errcode(SEND, -1),
        Fault::status(SEND, 502).processed(),
    ]);
    let body = json!({"agent_id": AGENT, "userid_list": "ann", "msg": text("x")});
    let raw = || {
        let url = h.url(&format!("{SEND}?access_token={token}"));
        h.http
            .post(url)
            .body(body.to_string())
            .send()
            .expect("answer")
    };
    assert_eq!(raw().status().as_u16(), 502);
    assert_errcode(&h.call(&token, SEND, &body), -1, "系统繁忙");
    assert!(h.control.messages().is_empty(), "faulted before the work");
    assert_eq!(raw().status().as_u16(), 502);
    assert_eq!(
        h.control.messages().len(),
        1,
        "the answer was lost after the notice was sent"
    );
    assert_eq!(h.control.count(SEND), 3);
}
