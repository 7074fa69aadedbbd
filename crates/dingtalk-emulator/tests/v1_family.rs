//! What every v1.0 call shares: the token only in its header, errors in the v1.0
//! shape, faults, the QPS limit and expired tokens on v1.0 paths, and stats.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dingtalk_emulator::testing::Fault;
use dingtalk_emulator::Config;
use reqwest::Method;
use serde_json::json;

#[test]
fn the_token_counts_only_in_its_header() {
    let h = start_default();
    let token = h.token();
    let body = task("t");
    let path = tasks_path("boss");
    // No header: refused, even with a valid token in the query string.
    for path in [path.clone(), format!("{path}?access_token={token}")] {
        assert_v1_error(
            &h.v1(Method::POST, None, &path, Some(&body)),
            400,
            "AuthenticationFailed.MissingParameter",
            TOKEN_HEADER,
        );
    }
    assert_v1_error(
        &h.v1(Method::POST, Some(""), &path, Some(&body)),
        400,
        "AuthenticationFailed.MissingParameter",
        TOKEN_HEADER,
    );
    // Not Bearer, not quoted: the raw token.
    for wrong in [
        format!("Bearer {token}"),
        format!("\"{token}\""),
        "0123456789abcdef0123456789abcdef".to_owned(),
    ] {
        assert_v1_error(
            &h.v1(Method::POST, Some(&wrong), &path, Some(&body)),
            400,
            "InvalidAuthentication",
            "access_token",
        );
    }
    // Refused calls store nothing.
    assert!(h.control.all_todos().is_empty());
    let (status, created) = h.v1(Method::POST, Some(&token), &path, Some(&body));
    assert_eq!(status, 200, "{created}");
    // Every to-do call checks it, before anything else.
    let id = created["id"].as_str().unwrap();
    for (method, path) in [
        (Method::GET, task_path("boss", id)),
        (Method::GET, format!("{}/sources/x", tasks_path("boss"))),
        (Method::PUT, task_path("boss", id)),
        (
            Method::PUT,
            format!("{}/executorStatus", task_path("boss", id)),
        ),
        (Method::DELETE, task_path("boss", id)),
        (Method::POST, query_path("boss")),
    ] {
        assert_v1_error(
            &h.v1(method.clone(), None, &path, Some(&json!({}))),
            400,
            "AuthenticationFailed.MissingParameter",
            "",
        );
        assert_v1_error(
            &h.v1(method, Some("nope"), &path, Some(&json!({}))),
            400,
            "InvalidAuthentication",
            "",
        );
    }
    assert_eq!(h.control.all_todos().len(), 1, "nothing was changed");
}

#[test]
fn both_token_calls_give_tokens_for_both_families() {
    let h = start_default();
    let (_, v1) = h.post(
        "/v1.0/oauth2/accessToken",
        &json!({"appKey": "demo_app_key", "appSecret": "demo_app_secret"}),
    );
    let v1_token = v1["accessToken"].as_str().unwrap().to_owned();
    let (status, _) = h.v1(
        Method::POST,
        Some(&v1_token),
        &tasks_path("boss"),
        Some(&task("t")),
    );
    assert_eq!(status, 200);
    // The same token works in oapi's query string.
    let (_, body) = h.call(&v1_token, USER_GET, &json!({"userid": "boss"}));
    assert_eq!(body["errcode"], 0, "{body}");
}

#[test]
fn expired_tokens_are_invalid_authentication() {
    let h = start_default();
    let todos = h.todos();
    todos.created("boss", &task("t"));
    h.control.expire_tokens();
    assert_v1_error(
        &todos.list("boss", &json!({})),
        400,
        "InvalidAuthentication",
        "access_token",
    );
    assert_v1_error(
        &todos.create("boss", &task("u")),
        400,
        "InvalidAuthentication",
        "",
    );
    let fresh = h.todos();
    assert_ne!(fresh.token, todos.token);
    assert_eq!(fresh.subjects("boss", &json!({})), ["t"]);
}

#[test]
fn v1_faults_answer_in_the_v1_shape() {
    let h = start_default();
    let todos = h.todos();
    h.control.faults([
        Fault::v1(
            "/v1.0/todo/",
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        )
        .message("没有调用该接口的权限")
        .required_scopes(&["Todo.Todo.Write"]),
        Fault::v1("/v1.0/todo/", 429, "system.busy").count(2),
        Fault::v1("/v1.0/todo/", 500, "todo.taskCreate.systemError"),
    ]);
    let (status, body) = todos.create("boss", &task("t"));
    assert_v1_error(
        &(status, body.clone()),
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        "没有调用该接口的权限",
    );
    assert_eq!(
        body["accessdenieddetail"],
        json!({"requiredScopes": ["Todo.Todo.Write"]})
    );
    for _ in 0..2 {
        let answer = todos.list("boss", &json!({}));
        assert_v1_error(&answer, 429, "system.busy", "injected fault system.busy");
        assert!(answer.1.get("accessdenieddetail").is_none());
    }
    let response = h
        .http
        .post(h.url(&tasks_path("boss")))
        .header(TOKEN_HEADER, &todos.token)
        .body(task("t").to_string())
        .send()
        .unwrap();
    let header = response.headers()["x-acs-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let answer = read(response);
    assert_v1_error(&answer, 500, "todo.taskCreate.systemError", "");
    assert_eq!(answer.1["requestid"], header.as_str());
    // Faulted calls store nothing; the next one is answered.
    assert!(h.control.all_todos().is_empty());
    assert_eq!(todos.create("boss", &task("t")).0, 200);
    assert_eq!(h.control.count(&tasks_path("boss")), 3);
}

#[test]
fn the_other_fault_kinds_work_on_v1_paths() {
    let h = start_default();
    let todos = h.todos();
    h.control.faults([
        Fault::status("/v1.0/todo/", 503).body("<html>busy</html>"),
        Fault::status("/v1.0/todo/", 200).body(r#"{"status":1111,"wait":5}"#),
        Fault::errcode("/v1.0/todo/", -1),
    ]);
    let response = h
        .http
        .post(h.url(&query_path("boss")))
        .header(TOKEN_HEADER, &todos.token)
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.text().unwrap(), "<html>busy</html>");
    assert_eq!(
        todos.list("boss", &json!({})),
        (200, json!({"status": 1111, "wait": 5}))
    );
    assert_eq!(todos.list("boss", &json!({})).1["errcode"], -1);

    h.control.faults([Fault::drop("/v1.0/todo/")]);
    let dropped = client()
        .post(h.url(&tasks_path("boss")))
        .header(TOKEN_HEADER, &todos.token)
        .body(task("t").to_string())
        .send();
    assert!(dropped.is_err(), "a dropped connection is no answer");
    assert!(h.control.all_todos().is_empty());

    h.control
        .faults([Fault::delay("/v1.0/todo/", Duration::from_millis(200))]);
    let started = Instant::now();
    assert_eq!(todos.create("boss", &task("t")).0, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[test]
fn the_qps_limit_answers_403_on_v1_paths() {
    let h = start(Config {
        qps_limit: Some(3),
        ..Config::default()
    });
    let todos = h.todos();
    let started = Instant::now();
    let answers: Vec<_> = (0..10).map(|_| todos.list("boss", &json!({}))).collect();
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status == 403)
        .collect();
    let passed = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(refused.len() + passed, 10);
    if started.elapsed() < Duration::from_secs(1) {
        assert!((3..=6).contains(&passed), "{answers:?}");
    }
    assert_v1_error(
        refused.first().expect("some calls are refused"),
        403,
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        "limit",
    );
    // Another API of the same app has its own allowance.
    assert_eq!(todos.create("boss", &task("t")).0, 200);
    // The allowance comes back: poll until a list passes.
    let deadline = Instant::now() + Duration::from_secs(5);
    while todos.list("boss", &json!({})).0 != 200 {
        assert!(Instant::now() < deadline, "the limit never lifted");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn stats_count_v1_paths_and_reset_clears_todos() {
    let h = start_default();
    let todos = h.todos();
    let id = todos.created("boss", &task("t"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    todos.get("boss", &id);
    todos.get("boss", &id);
    todos.list("boss", &json!({}));
    h.v1(Method::GET, None, &tasks_path("boss"), None); // wrong method still counts
    let stats = h.control.stats();
    assert_eq!(stats.count(&tasks_path("boss")), 2);
    assert_eq!(stats.count(&task_path("boss", &id)), 2);
    assert_eq!(stats.count(&query_path("boss")), 1);
    assert_eq!(stats.count_prefix("/v1.0/todo/"), 5);

    h.control.reset();
    assert!(h.control.all_todos().is_empty());
    let fresh = h.todos();
    assert_v1_error(
        &fresh.get("boss", &id),
        400,
        "todo.taskQuery.paramError",
        "not exist",
    );
    assert!(fresh.subjects("boss", &json!({})).is_empty());
}

#[test]
fn control_todos_shows_a_user_or_everything() {
    let h = start_default();
    let todos = h.todos();
    todos.created("a", &json!({"subject": "one", "executorIds": ["x"]}));
    todos.created("b", &json!({"subject": "two"}));
    let subjects = |list: Vec<serde_json::Value>| -> Vec<String> {
        list.iter()
            .map(|t| t["subject"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(subjects(h.control.todos("x")), ["one"]);
    assert_eq!(subjects(h.control.todos("b")), ["two"]);
    assert_eq!(subjects(h.control.all_todos()), ["one", "two"]);
    assert!(h.control.todos("nobody").is_empty());
    let stored = &h.control.todos("a")[0];
    assert_eq!(stored["deleted"], false);
    assert_eq!(stored["executorStatus"], json!({}));
    assert_eq!(stored["todoType"], "TODO");
}
