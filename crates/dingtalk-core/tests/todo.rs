//! The v1.0 to-do API against the emulator: every call, paging, ids that need encoding, one
//! token for both families, the sourceId recovery and the errors.

mod common;

use std::time::{Duration, Instant};

use common::Emu;
use dingtalk_core::{Code, Error, ErrorClass, NewTask, Role, TaskChanges};
use dingtalk_emulator::testing::Fault;
use serde_json::{json, Value};

const TASKS: &str = "/v1.0/todo/users/";

fn task(value: Value) -> NewTask {
    NewTask::from_json("task", &value).expect("a valid task")
}

fn api_error(error: &Error) -> &dingtalk_core::ApiError {
    match error {
        Error::Api(api) => api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[test]
fn one_token_serves_both_families_and_union_ids_are_cached() {
    let emu = Emu::start();
    let client = emu.client();
    let union_id = client.union_id("alice").unwrap();
    assert!(!union_id.is_empty());
    assert_eq!(client.union_id("alice").unwrap(), union_id);
    assert_eq!(
        emu.count("/topapi/v2/user/get"),
        1,
        "a unionId is asked once"
    );
    let todos = client.todos();
    todos.list(&union_id, false, None, &[]).unwrap();
    assert_eq!(
        emu.gettoken_calls(),
        1,
        "the oapi token works in the v1.0 header"
    );
    // The emulator refuses a token that is not in the header, so this call proves the header.
    let created = todos
        .create(
            &union_id,
            &task(json!({"subject": "s", "detailUrl": {"appUrl": "https://a"}})),
            None,
        )
        .unwrap();
    assert!(created["id"].is_string());
}

#[test]
fn every_call_of_the_api() {
    let emu = Emu::start();
    let client = emu.client();
    let todos = client.todos();
    let me = client.union_id("boss").unwrap();
    let worker = client.union_id("worker").unwrap();
    let created = todos
        .create(
            &me,
            &task(json!({
                "subject": "报销审批", "description": "d", "dueTime": 1_900_000_000_000_i64,
                "executorIds": [worker], "participantIds": [me],
                "detailUrl": {"appUrl": "https://m", "pcUrl": "https://p"},
                "sourceId": "src-1", "priority": 30, "contentFieldList": {"k": "v"},
            })),
            Some(&me),
        )
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["subject"], "报销审批");
    assert_eq!(created["priority"], 30);

    let got = todos.get(&me, &id).unwrap().expect("the task exists");
    assert_eq!(got["sourceId"], "src-1");
    let by_source = todos.find_by_source_id(&me, "src-1").unwrap().unwrap();
    assert_eq!(by_source["id"], id.as_str());
    assert_eq!(todos.find_by_source_id(&me, "nope").unwrap(), None);

    let changes = TaskChanges::from_json("changes", &json!({"subject": "新标题"})).unwrap();
    assert!(todos.update(&me, &id, &changes, Some(&me)).unwrap());
    assert_eq!(todos.get(&me, &id).unwrap().unwrap()["subject"], "新标题");

    assert!(todos
        .set_executor_status(&me, &id, &[(worker.clone(), true)], None)
        .unwrap());
    let worker_done = todos.list(&worker, true, None, &[Role::Executor]).unwrap();
    assert_eq!(worker_done.tasks.len(), 1);
    assert_eq!(worker_done.tasks[0]["taskId"], id.as_str());

    assert!(todos.complete(&me, &id, true, None).unwrap());
    assert_eq!(todos.get(&me, &id).unwrap().unwrap()["done"], true);
    assert!(todos.list(&me, false, None, &[]).unwrap().tasks.is_empty());
    assert_eq!(todos.all(&me, true, &[]).unwrap().len(), 1);

    assert!(todos.delete(&me, &id, None).unwrap());
    assert_eq!(
        todos.get(&me, &id).unwrap(),
        None,
        "a deleted task reads as absent"
    );
    // Acting on a task that is not there is NotFound, DingTalk's answer kept.
    for err in [
        todos.delete(&me, &id, None).unwrap_err(),
        todos.complete(&me, &id, true, None).unwrap_err(),
        todos.update(&me, &id, &changes, None).unwrap_err(),
        todos
            .set_executor_status(&me, &id, &[(worker.clone(), true)], None)
            .unwrap_err(),
    ] {
        match &err {
            Error::NotFound(api) => {
                assert_eq!(api.http_status, 400);
                assert_eq!(api.message, "task not exist");
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
}

#[test]
fn all_pages_through_next_tokens() {
    let emu = Emu::start();
    let client = emu.client();
    let todos = client.todos();
    let me = "union-pager";
    for i in 0..23 {
        let t = task(json!({"subject": format!("t{i}"), "detailUrl": {"appUrl": "https://a"}}));
        todos.create(me, &t, None).unwrap();
    }
    let first = todos.list(me, false, None, &[]).unwrap();
    assert!(first.next_token.is_some() && !first.tasks.is_empty());
    let all = todos.all(me, false, &[]).unwrap();
    assert_eq!(all.len(), 23);
    let subjects: Vec<_> = all.iter().map(|t| t["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects[0], "t0");
    assert_eq!(subjects[22], "t22");
    assert!(
        emu.count_prefix(TASKS) > 23 + 2,
        "more than one page was fetched"
    );
}

#[test]
fn ids_that_need_encoding_round_trip() {
    let emu = Emu::start();
    let todos = emu.client().todos();
    let union_id = "u/1?#% x 待";
    let created = todos
        .create(
            union_id,
            &task(json!({"subject": "s", "sourceId": "a/b?c#d%e f", "detailUrl": {"appUrl": "https://a"}})),
            None,
        )
        .unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(todos.get(union_id, id).unwrap().unwrap()["id"], id);
    assert_eq!(
        todos
            .find_by_source_id(union_id, "a/b?c#d%e f")
            .unwrap()
            .unwrap()["id"],
        id
    );
    assert_eq!(emu.todos(union_id).len(), 1);
    for bad in ["", ".", ".."] {
        assert!(matches!(
            todos.get(bad, "x"),
            Err(Error::InvalidArgument { name, .. }) if name == "unionId"
        ));
    }
}

#[test]
fn a_retried_create_finds_its_own_task_by_source_id() {
    let emu = Emu::start();
    let todos = emu.client().todos();
    let me = "union-retry";
    let t = task(json!({"subject": "s", "sourceId": "s-1", "executorIds": [me]}));
    let first = todos.create(me, &t, None).unwrap();
    // As if that create's answer had been lost: the retry meets "task exist".
    emu.fault([Fault::v1(TASKS, 500, "todo.taskCreate.systemError")]);
    let again = todos.create(me, &t, None).unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(emu.todos(me).len(), 1);

    // The same sourceId on a different task: not this call's, a duplicate of that task.
    emu.fault([Fault::v1(TASKS, 500, "todo.taskCreate.systemError")]);
    let other = task(json!({"subject": "another", "sourceId": "s-1"}));
    let err = todos.create(me, &other, None).unwrap_err();
    match &err {
        Error::Duplicate(duplicate) => {
            assert!(
                duplicate.detail.contains("belongs to another task"),
                "{err}"
            );
            assert_eq!(duplicate.existing_id.as_deref(), first["id"].as_str());
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
    // A first attempt answered "task exist" is a duplicate too, with DingTalk's answer.
    let err = todos.create(me, &t, None).unwrap_err();
    match &err {
        Error::Duplicate(duplicate) => {
            assert_eq!(duplicate.answer.class, ErrorClass::Final);
            assert!(duplicate.answer.message.contains("task exist"), "{err}");
            assert_eq!(duplicate.existing_id.as_deref(), first["id"].as_str());
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

#[test]
fn a_create_without_source_id_is_never_resent_after_it_may_have_landed() {
    let emu = Emu::start();
    let todos = emu.client().todos();
    let me = "union-unsafe";
    emu.fault([Fault::v1(TASKS, 500, "todo.taskCreate.systemError")]);
    let err = todos
        .create(me, &task(json!({"subject": "s"})), None)
        .unwrap_err();
    assert_eq!(api_error(&err).http_status, 500);
    assert_eq!(emu.count_prefix(TASKS), 1);
    emu.fault([Fault::v1(TASKS, 500, "todo.taskCreate.systemError")]);
    todos
        .create(me, &task(json!({"subject": "s", "sourceId": "safe"})), None)
        .unwrap();
    assert_eq!(emu.count_prefix(TASKS), 3, "with a sourceId it is resent");
}

#[test]
fn v1_errors_keep_status_code_message_request_id_and_scopes() {
    let emu = Emu::start();
    let todos = emu.client().todos();
    emu.fault([Fault::v1(
        TASKS,
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
    )
    .message("没有调用该接口的权限")
    .required_scopes(&["Todo.Todo.Write"])]);
    let err = todos
        .create("union-x", &task(json!({"subject": "s"})), None)
        .unwrap_err();
    let api = api_error(&err);
    assert_eq!(api.http_status, 403);
    assert_eq!(
        api.code,
        Code::Text("Forbidden.AccessDenied.AccessTokenPermissionDenied".into())
    );
    assert_eq!(api.message, "没有调用该接口的权限");
    assert!(api.request_id.is_some());
    assert_eq!(api.required_scopes, ["Todo.Todo.Write"]);
    assert!(err.to_string().contains("Todo.Todo.Write"), "{err}");

    // Not DingTalk's shape: a transport error naming the status.
    emu.faults(
        json!({"path": TASKS, "status": 502, "body": "<html>bad gateway</html>", "count": 3}),
    );
    let err = todos.get("union-x", "t").unwrap_err();
    assert!(matches!(&err, Error::Transport(_)), "{err:?}");
    assert!(err.to_string().contains("502"), "{err}");
}

#[test]
fn one_time_budget_for_a_whole_listing() {
    let emu = Emu::start();
    let client = dingtalk_core::Client::new(
        common::KEY,
        common::SECRET,
        emu.options().timeout(0.6).unwrap(),
    )
    .unwrap();
    let todos = client.todos();
    let me = "union-slow";
    for i in 0..35 {
        let t = task(json!({"subject": format!("t{i}"), "detailUrl": {"appUrl": "https://a"}}));
        todos.create(me, &t, None).unwrap();
    }
    // Each page alone is well within the budget; the four pages together are not.
    emu.fault([Fault::delay(
        "/v1.0/todo/users/union-slow/org/",
        Duration::from_millis(250),
    )
    .count(4)]);
    let started = Instant::now();
    let err = todos.all(me, false, &[]).unwrap_err();
    assert!(matches!(&err, Error::Transport(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let emu = Emu::start();
    let todos = emu.client().todos();
    let name = |r: dingtalk_core::Result<_>| match r {
        Err(Error::InvalidArgument { name, .. }) => name,
        other => panic!("expected InvalidArgument, got {other:?}"),
    };
    assert_eq!(name(todos.get("u", "").map(|_| ())), "taskId");
    assert_eq!(
        name(todos.delete("u", "t", Some("")).map(|_| ())),
        "operatorId"
    );
    assert_eq!(
        name(todos.list("u", false, Some(""), &[]).map(|_| ())),
        "nextToken"
    );
    assert_eq!(
        name(todos.set_executor_status("u", "t", &[], None).map(|_| ())),
        "done"
    );
    assert_eq!(emu.gettoken_calls(), 0);
    assert!(emu.control.stats().requests.is_empty());
}

#[test]
fn a_next_token_that_repeats_is_an_error_not_a_partial_listing() {
    let emu = Emu::start();
    let todos = emu.client().todos();
    let page = r#"{"nextToken":"same","todoCards":[{"taskId":"t1","subject":"s"}]}"#;
    emu.fault([Fault::status("/v1.0/todo/users/union-loop/org/", 200)
        .body(page)
        .count(2)]);
    let err = todos.all("union-loop", false, &[]).unwrap_err();
    assert!(matches!(&err, Error::Transport(_)), "{err:?}");
    assert!(err.to_string().contains("same page cursor"), "{err}");
    assert_eq!(emu.count_prefix("/v1.0/todo/users/union-loop/org/"), 2);
}
