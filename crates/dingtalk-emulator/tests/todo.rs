//! The v1.0 to-do endpoints: create, get, get by sourceId, update, executorStatus,
//! delete and the list, with DingTalk's fields, limits, errors and paging.

mod common;

use common::*;
use serde_json::{json, Value};

const PAGE: usize = 10;

fn id_of(task: &Value) -> String {
    task["id"].as_str().expect("id").to_owned()
}

#[test]
fn create_answers_the_task_object() {
    let h = start_default();
    let todos = h.todos();
    let body = json!({
        "subject": "报销审批",
        "description": "请在周五前处理",
        "dueTime": 1_800_000_000_000_i64,
        "executorIds": ["exec1", "exec2"],
        "participantIds": ["watcher"],
        "detailUrl": {"appUrl": "dingtalk://x", "pcUrl": "https://example.com/x"},
        "sourceId": "order-1",
        "priority": 30,
        "isOnlyShowExecutor": false,
        "notifyConfigs": {"dingNotify": "1"},
        "contentFieldList": [{"fieldKey": "金额", "fieldValue": "42 元"}],
    });
    let (status, task) = todos.create_as("boss", &body, Some("clerk"));
    assert_eq!(status, 200, "{task}");
    let id = id_of(&task);
    assert!(!id.is_empty());
    for field in [
        "subject",
        "description",
        "dueTime",
        "executorIds",
        "detailUrl",
        "sourceId",
        "priority",
        "isOnlyShowExecutor",
        "notifyConfigs",
        "contentFieldList",
    ] {
        assert_eq!(task[field], body[field], "{field}");
    }
    // The creator (the path's unionId) and the executors are participants too.
    assert_eq!(
        task["participantIds"],
        json!(["watcher", "boss", "exec1", "exec2"])
    );
    assert_eq!(task["creatorId"], "boss");
    // operatorId comes from the query string.
    assert_eq!(task["modifierId"], "clerk");
    assert_eq!(task["done"], false);
    assert_eq!(task["bizTag"], "isv_dingtalkTodo");
    assert_eq!(task["source"], "isv_dingtalkTodo");
    let created = task["createdTime"].as_i64().unwrap();
    assert!(created > 1_700_000_000_000, "{task}");
    assert_eq!(task["modifiedTime"], created);
    assert_eq!(task["startTime"], created);
    assert!(task.get("finishTime").is_none(), "{task}");
    // Success bodies spell it requestId.
    assert!(task["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(task.get("requestid").is_none());

    // get answers the same object; creatorId in the body names another creator.
    let (status, got) = todos.get("boss", &id);
    assert_eq!(status, 200);
    let without_request_id = |mut v: Value| {
        v.as_object_mut().unwrap().remove("requestId");
        v
    };
    assert_eq!(without_request_id(got), without_request_id(task));
    let other = todos.created(
        "boss",
        &json!({"subject": "s", "creatorId": "ceo", "executorIds": ["boss"]}),
    );
    assert_eq!(other["creatorId"], "ceo");
    assert_eq!(other["modifierId"], "boss");
    assert_eq!(other["participantIds"], json!(["ceo", "boss"]));
    assert!(other.get("detailUrl").is_none());
}

#[test]
fn a_second_source_id_is_task_exist_and_found_by_source_id() {
    let h = start_default();
    let todos = h.todos();
    let body = json!({"subject": "s", "sourceId": "order-9"});
    let first = todos.created("boss", &body);
    assert_v1_error(
        &todos.create("boss", &body),
        400,
        "todo.taskCreate.paramError",
        "task exist",
    );
    // Also from another user: one task per sourceId.
    assert_v1_error(
        &todos.create("other", &body),
        400,
        "todo.taskCreate.paramError",
        "task exist",
    );
    let (status, found) = todos.by_source("boss", "order-9");
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["id"], first["id"]);
    assert!(found["requestId"].is_string());
    assert_v1_error(
        &todos.by_source("boss", "order-10"),
        400,
        "todo.taskQuery.paramError",
        "not exist",
    );
    // Deleting the task frees its sourceId.
    assert_eq!(todos.delete("boss", &id_of(&first), None).0, 200);
    assert_v1_error(
        &todos.by_source("boss", "order-9"),
        400,
        "todo.taskQuery.paramError",
        "not exist",
    );
    let again = todos.created("boss", &body);
    assert_ne!(again["id"], first["id"]);
    assert_eq!(h.control.todos("boss").len(), 2);
    assert_eq!(h.control.todos("boss")[0]["deleted"], true);
}

#[test]
fn missing_or_deleted_tasks_do_not_exist() {
    let h = start_default();
    let todos = h.todos();
    let id = id_of(&todos.created("boss", &task("t")));
    let (status, body) = todos.delete("boss", &id, Some("clerk"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"], true);
    assert!(body["requestId"].is_string());
    for missing in [id.as_str(), "0123456789abcdef0123456789abcdef"] {
        assert_v1_error(
            &todos.get("boss", missing),
            400,
            "todo.taskQuery.paramError",
            "not exist",
        );
        assert_v1_error(
            &todos.update("boss", missing, &json!({"done": true}), None),
            400,
            "todo.taskUpdate.paramError",
            "task not exist",
        );
        assert_v1_error(
            &todos.executor_status(
                "boss",
                missing,
                &json!({"executorStatusList": [{"id": "boss", "isDone": true}]}),
                None,
            ),
            400,
            "todo.taskExecutorStatusUpdate.paramError",
            "task not exist",
        );
        assert_v1_error(
            &todos.delete("boss", missing, None),
            400,
            "todo.taskDelete.paramError",
            "task not exist",
        );
    }
    // The control API still shows it, marked deleted, with who deleted it.
    let stored = h.control.todos("boss");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], id.as_str());
    assert_eq!(stored[0]["deleted"], true);
    assert_eq!(stored[0]["modifierId"], "clerk");
}

#[test]
fn update_changes_what_it_names() {
    let h = start_default();
    let todos = h.todos();
    let task = todos.created(
        "boss",
        &json!({"subject": "old", "description": "keep", "executorIds": ["a"], "priority": 10}),
    );
    let id = id_of(&task);
    let (status, body) = todos.update(
        "boss",
        &id,
        &json!({
            "subject": "new",
            "dueTime": 1_800_000_000_000_i64,
            "executorIds": ["b", "c"],
            "participantIds": ["w"],
            "contentFieldList": [{"fieldKey": "k", "fieldValue": "v"}],
            "unknownField": "ignored",
        }),
        Some("clerk"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"], true);
    assert!(body["requestId"].is_string());
    let (_, got) = todos.get("boss", &id);
    assert_eq!(got["subject"], "new");
    assert_eq!(got["description"], "keep");
    assert_eq!(got["priority"], 10);
    assert_eq!(got["dueTime"], 1_800_000_000_000_i64);
    assert_eq!(got["executorIds"], json!(["b", "c"]));
    assert_eq!(got["participantIds"], json!(["w", "boss", "b", "c"]));
    assert_eq!(
        got["contentFieldList"],
        json!([{"fieldKey": "k", "fieldValue": "v"}])
    );
    assert_eq!(got["modifierId"], "clerk");
    assert!(got["modifiedTime"].as_i64() >= task["modifiedTime"].as_i64());

    // done sets finishTime; undone clears it.
    todos.update("boss", &id, &json!({"done": true}), None);
    let (_, done) = todos.get("boss", &id);
    assert_eq!(done["done"], true);
    assert!(done["finishTime"].as_i64().is_some(), "{done}");
    assert_eq!(done["modifierId"], "boss");
    todos.update("boss", &id, &json!({"done": false}), None);
    let (_, undone) = todos.get("boss", &id);
    assert_eq!(undone["done"], false);
    assert!(undone.get("finishTime").is_none(), "{undone}");
}

#[test]
fn executor_status_is_per_executor() {
    let h = start_default();
    let todos = h.todos();
    let id = id_of(&todos.created(
        "boss",
        &json!({"subject": "s", "executorIds": ["a", "b"],
                "detailUrl": {"pcUrl": "https://example.com"}}),
    ));
    let (status, body) = todos.executor_status(
        "boss",
        &id,
        &json!({"executorStatusList": [{"id": "a", "isDone": true}]}),
        Some("a"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"], true);
    // a sees it done, b and the creator do not; the task as a whole is not done.
    let listed = |union: &str, done: bool| todos.subjects(union, &json!({"isDone": done}));
    assert_eq!(listed("a", true), ["s"]);
    assert!(listed("a", false).is_empty());
    assert_eq!(listed("b", false), ["s"]);
    assert_eq!(listed("boss", false), ["s"]);
    let (_, task) = todos.get("boss", &id);
    assert_eq!(task["done"], false);
    assert_eq!(task["modifierId"], "a");
    let stored = &h.control.todos("a")[0];
    assert_eq!(stored["executorStatus"], json!({"a": true}));

    for (body, needle) in [
        (
            json!({"executorStatusList": [{"id": "stranger", "isDone": true}]}),
            "stranger",
        ),
        (json!({"executorStatusList": []}), "empty"),
        (
            json!({"executorStatusList": [{"id": "a", "isDone": "yes"}]}),
            "executorStatusList[0]",
        ),
    ] {
        assert_v1_error(
            &todos.executor_status("boss", &id, &body, None),
            400,
            "todo.taskExecutorStatusUpdate.paramError",
            needle,
        );
    }
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"id": format!("u{i}"), "isDone": true}))
        .collect();
    assert_v1_error(
        &todos.executor_status("boss", &id, &json!({"executorStatusList": many}), None),
        400,
        "todo.taskExecutorStatusUpdate.paramError",
        "executors is oversize",
    );
    assert_v1_error(
        &todos.executor_status("boss", &id, &json!({}), None),
        400,
        "MissingexecutorStatusList",
        "executorStatusList",
    );
}

#[test]
fn create_limits_and_messages() {
    let h = start_default();
    let todos = h.todos();
    let people = |n: usize| -> Vec<String> { (0..n).map(|i| format!("u{i}")).collect() };
    let code = "todo.taskCreate.paramError";
    for (body, needle) in [
        (json!({"subject": "x".repeat(1025)}), "subject is oversize"),
        (json!({"subject": ""}), "subject is empty"),
        (
            json!({"subject": "s", "description": "d".repeat(4097)}),
            "description is oversize",
        ),
        (
            json!({"subject": "s", "executorIds": people(101)}),
            "executors is oversize",
        ),
        (
            json!({"subject": "s", "participantIds": people(101)}),
            "participants is oversize",
        ),
        (
            json!({"subject": "s", "dueTime": 1_700_000_000}),
            "dueTime is invalid",
        ),
        (json!({"subject": "s", "dueTime": -1}), "dueTime is invalid"),
        (
            json!({"subject": "s", "priority": 50}),
            "priority is invalid",
        ),
        (
            json!({"subject": "s", "notifyConfigs": {"dingNotify": 1}}),
            "notifyConfigs.dingNotify",
        ),
        (
            json!({"subject": "s", "detailUrl": {"appUrl": "u".repeat(1025)}}),
            "detailUrl.appUrl is oversize",
        ),
        (
            json!({"subject": "s", "contentFieldList": [{"fieldKey": "k", "fieldValue": "v".repeat(1025)}]}),
            "fieldValue is oversize",
        ),
        (
            json!({"subject": "s", "operatorId": "boss"}),
            "query parameter",
        ),
        (json!({"subject": 5}), "subject"),
    ] {
        assert_v1_error(&todos.create("boss", &body), 400, code, needle);
    }
    assert_v1_error(
        &todos.create("boss", &json!({"description": "no subject"})),
        400,
        "Missingsubject",
        "subject",
    );
    let (status, body) = h.v1(
        reqwest::Method::POST,
        Some(&todos.token),
        &tasks_path("boss"),
        None,
    );
    assert_v1_error(&(status, body), 400, "Missingsubject", "subject");
    let broken = read(
        h.http
            .post(h.url(&tasks_path("boss")))
            .header(TOKEN_HEADER, &todos.token)
            .body("{not json")
            .send()
            .unwrap(),
    );
    assert_v1_error(&broken, 400, "InvalidParameter", "JSON");
    // At the limits, everything fits: 1024 characters (not bytes), 100 people.
    let fits = json!({
        "subject": "字".repeat(1024),
        "description": "字".repeat(4096),
        "executorIds": people(100),
        "participantIds": people(100),
        "dueTime": 1_000_000_000_000_i64,
    });
    assert_eq!(todos.create("boss", &fits).0, 200);
    assert!(
        h.control.all_todos().len() == 1,
        "only the task that fits is stored"
    );
}

#[test]
fn update_limits_allow_a_thousand_people() {
    let h = start_default();
    let todos = h.todos();
    let id = id_of(&todos.created("boss", &task("t")));
    let people = |n: usize| -> Vec<String> { (0..n).map(|i| format!("u{i}")).collect() };
    let code = "todo.taskUpdate.paramError";
    assert_eq!(
        todos
            .update("boss", &id, &json!({"executorIds": people(1000)}), None)
            .0,
        200
    );
    for (body, needle) in [
        (
            json!({"executorIds": people(1001)}),
            "executors is oversize",
        ),
        (
            json!({"participantIds": people(1001)}),
            "participants is oversize",
        ),
        (json!({"subject": "x".repeat(1025)}), "subject is oversize"),
        (
            json!({"description": "x".repeat(4097)}),
            "description is oversize",
        ),
        (json!({"dueTime": 1_700_000_000}), "dueTime is invalid"),
        (json!({"done": "yes"}), "done"),
        (json!({"operatorId": "boss"}), "query parameter"),
    ] {
        assert_v1_error(&todos.update("boss", &id, &body, None), 400, code, needle);
    }
}

#[test]
fn the_list_pages_with_opaque_tokens_and_ends_with_null() {
    let h = start_default();
    let todos = h.todos();
    let total = 2 * PAGE + 3;
    for i in 0..total {
        todos.created("boss", &task(&format!("t{i:02}")));
    }
    let pages = todos.pages("boss", &json!({"isDone": false}));
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p["todoCards"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [PAGE, PAGE, 3]);
    for page in &pages[..2] {
        let token = page["nextToken"].as_str().unwrap();
        assert!(!token.is_empty());
        assert!(
            token.parse::<u64>().is_err(),
            "opaque, not a number: {token}"
        );
        assert!(page["requestId"].is_string());
    }
    assert_eq!(pages[2]["nextToken"], Value::Null);
    let expected: Vec<String> = (0..total).map(|i| format!("t{i:02}")).collect();
    assert_eq!(todos.subjects("boss", &json!({"isDone": false})), expected);

    // DingTalk's own example starts with "0", and an empty token is a first page too.
    for first in [json!("0"), json!(""), Value::Null] {
        let (status, page) = todos.list("boss", &json!({"nextToken": first}));
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["todoCards"][0]["subject"], "t00");
    }
    for bad in ["15", "nope", "00000000000000000000000000"] {
        assert_v1_error(
            &todos.list("boss", &json!({"nextToken": bad})),
            400,
            "todo.orgTaskQuery.paramError",
            "nextToken is invalid",
        );
    }

    // Exactly two full pages: the second one already says null.
    let h = start_default();
    let todos = h.todos();
    for i in 0..2 * PAGE {
        todos.created("boss", &task(&format!("t{i}")));
    }
    let pages = todos.pages("boss", &json!({}));
    assert_eq!(pages.len(), 2);
    // Nobody's list is an empty last page.
    let (_, empty) = todos.list("nobody", &json!({}));
    assert_eq!(empty["todoCards"], json!([]));
    assert_eq!(empty["nextToken"], Value::Null);
}

#[test]
fn list_cards_and_what_is_listed() {
    let h = start_default();
    let todos = h.todos();
    let listed = todos.created(
        "boss",
        &json!({"subject": "listed", "executorIds": ["exec"], "sourceId": "s-1", "priority": 40,
                "dueTime": 1_800_000_000_000_i64, "detailUrl": {"appUrl": "dingtalk://a"}}),
    );
    // No detailUrl: DingTalk does not list it.
    todos.created(
        "boss",
        &json!({"subject": "unlisted", "executorIds": ["exec"]}),
    );
    // Only for executors.
    todos.created(
        "boss",
        &json!({"subject": "executors only", "executorIds": ["exec"], "isOnlyShowExecutor": true,
                "detailUrl": {"pcUrl": "https://example.com"}}),
    );
    let (status, page) = todos.list("exec", &json!({"isDone": false}));
    assert_eq!(status, 200);
    let card = &page["todoCards"][0];
    assert_eq!(
        card,
        &json!({
            "taskId": listed["id"],
            "subject": "listed",
            "dueTime": 1_800_000_000_000_i64,
            "detailUrl": {"appUrl": "dingtalk://a"},
            "priority": 40,
            "createdTime": listed["createdTime"],
            "modifiedTime": listed["modifiedTime"],
            "creatorId": "boss",
            "sourceId": "s-1",
            "bizTag": "isv_dingtalkTodo",
            "isDone": false,
            "todoType": "TODO",
        })
    );
    assert!(card.get("id").is_none(), "a card's id is taskId");
    assert_eq!(
        todos.subjects("exec", &json!({})),
        ["listed", "executors only"]
    );
    assert_eq!(todos.subjects("boss", &json!({})), ["listed"]);
    assert_eq!(
        todos.subjects("exec", &json!({"todoType": "TODO"})),
        ["listed", "executors only"]
    );
    assert!(todos
        .subjects("exec", &json!({"todoType": "READ"}))
        .is_empty());
}

#[test]
fn done_tasks_are_listed_apart() {
    let h = start_default();
    let todos = h.todos();
    let a = id_of(&todos.created("boss", &task("a")));
    todos.created("boss", &task("b"));
    todos.update("boss", &a, &json!({"done": true}), None);
    assert_eq!(todos.subjects("boss", &json!({"isDone": true})), ["a"]);
    assert_eq!(todos.subjects("boss", &json!({"isDone": false})), ["b"]);
    // Without isDone, both.
    assert_eq!(todos.subjects("boss", &json!({})), ["a", "b"]);
    let (_, page) = todos.list("boss", &json!({"isDone": true}));
    assert_eq!(page["todoCards"][0]["isDone"], true);
}

#[test]
fn role_types_are_an_or_of_ands() {
    let h = start_default();
    let todos = h.todos();
    // boss creates and executes "mine", creates "delegated", and watches "watched".
    todos.created(
        "boss",
        &json!({"subject": "mine", "executorIds": ["boss"],
        "detailUrl": {"appUrl": "dingtalk://a"}}),
    );
    todos.created(
        "boss",
        &json!({"subject": "delegated", "executorIds": ["clerk"],
        "detailUrl": {"appUrl": "dingtalk://a"}}),
    );
    todos.created(
        "clerk",
        &json!({"subject": "watched", "executorIds": ["clerk"],
        "participantIds": ["boss"], "detailUrl": {"appUrl": "dingtalk://a"}}),
    );
    let roles = |roles: Value| todos.subjects("boss", &json!({"roleTypes": roles}));
    assert_eq!(roles(json!([])), ["mine", "delegated", "watched"]);
    assert_eq!(roles(json!([["executor"]])), ["mine"]);
    assert_eq!(roles(json!([["creator"]])), ["mine", "delegated"]);
    assert_eq!(roles(json!([["executor", "creator"]])), ["mine"]);
    assert_eq!(
        roles(json!([["executor"], ["participant"]])),
        ["mine", "delegated", "watched"]
    );
    assert_eq!(
        roles(json!([["executor"], ["creator"]])),
        ["mine", "delegated"]
    );
    for bad in [
        json!([["boss"]]),
        json!(["executor"]),
        json!([[]]),
        json!("executor"),
    ] {
        assert_v1_error(
            &todos.list("boss", &json!({"roleTypes": bad})),
            400,
            "todo.orgTaskQuery.paramError",
            "roleTypes",
        );
    }
}

#[test]
fn ids_that_need_encoding_round_trip() {
    let h = start_default();
    let todos = h.todos();
    let union_id = "u/1?x#y%z w";
    let source_id = "order/7?a=b#c%25 d";
    let task = todos.created(
        union_id,
        &json!({"subject": "s", "sourceId": source_id, "executorIds": [union_id],
                "detailUrl": {"appUrl": "dingtalk://a"}}),
    );
    assert_eq!(task["creatorId"], union_id);
    assert_eq!(task["sourceId"], source_id);
    let id = id_of(&task);
    assert_eq!(todos.get(union_id, &id).1["id"], id.as_str());
    assert_eq!(todos.by_source(union_id, source_id).1["id"], id.as_str());
    let (status, _) = todos.update(union_id, &id, &json!({"subject": "t"}), Some(union_id));
    assert_eq!(status, 200);
    assert_eq!(todos.get(union_id, &id).1["modifierId"], union_id);
    assert_eq!(todos.subjects(union_id, &json!({})), ["t"]);
    assert_eq!(h.control.todos(union_id).len(), 1);
    // The raw path is what the stats count.
    let raw = format!("/v1.0/todo/users/{}/tasks", segment(union_id));
    assert_eq!(h.control.count(&raw), 1);
    // Unencoded, the '/' splits the path: an unknown API.
    let (status, body) = h.v1(
        reqwest::Method::GET,
        Some(&todos.token),
        &format!("/v1.0/todo/users/a/b/tasks/{id}"),
        None,
    );
    assert_v1_error(&(status, body), 404, "InvalidAction.NotFound", "");
    assert_eq!(todos.delete(union_id, &id, None).0, 200);
}

#[test]
fn every_change_is_announced_inside_the_emulator() {
    use dingtalk_emulator::TodoEventKind;
    let h = start_default();
    let mut events = h.emulator.subscribe_todo_events();
    let todos = h.todos();
    let id = id_of(&todos.created("boss", &json!({"subject": "s", "executorIds": ["a"]})));
    todos.update("boss", &id, &json!({"subject": "t"}), None);
    todos.executor_status(
        "a",
        &id,
        &json!({"executorStatusList": [{"id": "a", "isDone": true}]}),
        None,
    );
    todos.update("boss", &id, &json!({"done": true}), None);
    todos.delete("boss", &id, None);
    // Refused calls change nothing and announce nothing.
    todos.delete("boss", &id, None);
    todos.create("boss", &json!({"subject": ""}));
    // Each event was sent before its call was answered.
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        assert_eq!(event.task_id, id);
        assert_eq!(event.task["id"], id.as_str());
        seen.push((
            event.kind.as_str(),
            event.union_id,
            event.task["subject"].clone(),
            event.task["done"].clone(),
        ));
    }
    assert_eq!(
        seen,
        [
            (
                "todo_task_create",
                "boss".to_owned(),
                json!("s"),
                json!(false)
            ),
            (
                "todo_task_update",
                "boss".to_owned(),
                json!("t"),
                json!(false)
            ),
            ("todo_task_update", "a".to_owned(), json!("t"), json!(false)),
            (
                "todo_task_update",
                "boss".to_owned(),
                json!("t"),
                json!(true)
            ),
            (
                "todo_task_delete",
                "boss".to_owned(),
                json!("t"),
                json!(true)
            ),
        ]
    );
    assert_eq!(TodoEventKind::Delete.as_str(), "todo_task_delete");
}
