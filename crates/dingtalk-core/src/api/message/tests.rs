//! Reading the one shape: what is accepted, what each refusal names, and the builders' arrays.

use serde_json::{json, Value};

use super::shape::{Body, Buttons, Message};
use crate::error::Error;

fn read(value: Value) -> Result<Message, Error> {
    Message::from_json("message", &value)
}

fn refused(value: Value) -> (String, String) {
    match read(value) {
        Err(Error::InvalidArgument { name, reason }) => (name, reason),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[test]
fn every_msgtype_reads_and_writes_back_the_same_array() {
    let messages = [
        json!({"msgtype": "text", "text": {"content": "警报: disk full"}}),
        json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "# h\n- a"}}),
        json!({"msgtype": "link", "link": {"title": "t", "text": "x",
               "messageUrl": "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fa",
               "picUrl": "https://p/1.png"}}),
        json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
               "single_title": "Open", "single_url": "https://a"}}),
        json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
               "btn_orientation": "1", "btn_json_list": [
                   {"title": "Yes", "action_url": "https://y"},
                   {"title": "No", "action_url": "https://n"}]}}),
        json!({"msgtype": "oa", "oa": {"message_url": "https://a",
               "head": {"bgcolor": "FFBBBBBB", "text": "头部"},
               "body": {"title": "b", "form": [{"key": "k", "value": "v"}]}}}),
        json!({"msgtype": "image", "image": {"media_id": "@lADOADmaWMzazQKA"}}),
        json!({"msgtype": "file", "file": {"media_id": "@lAz"}}),
        json!({"msgtype": "voice", "voice": {"media_id": "@lAz", "duration": "10"}}),
        json!({"msgtype": "text", "text": {"content": "x"},
               "at": {"atUserIds": ["u1"], "atMobiles": ["138"], "isAtAll": false}}),
    ];
    for message in messages {
        let read = read(message.clone()).unwrap();
        assert_eq!(read.to_json(), message);
    }
}

#[test]
fn lenient_spellings_become_dingtalks() {
    let card = read(
        json!({"msgtype": "action_card", "action_card": {"title": "t",
        "markdown": "m", "btn_orientation": 0,
        "btn_json_list": [{"title": "a", "action_url": "https://a"}]}}),
    )
    .unwrap();
    assert!(matches!(&card.body, Body::ActionCard(c)
        if matches!(&c.buttons, Buttons::List { horizontal: false, .. })));
    let voice =
        read(json!({"msgtype": "voice", "voice": {"media_id": "m", "duration": 59}})).unwrap();
    assert_eq!(voice.to_json()["voice"]["duration"], "59");
    let link = read(
        json!({"msgtype": "link", "link": {"title": "t", "text": "x",
        "messageUrl": "https://a", "picUrl": null}}),
    )
    .unwrap();
    assert_eq!(link.to_json()["link"]["picUrl"], "");
}

#[test]
fn refusals_name_the_field() {
    let cases = [
        (json!("text"), "message"),
        (json!([]), "message"),
        (json!({"text": {"content": "x"}}), "message"),
        (json!({"msgtype": "sms", "sms": {}}), "message[msgtype]"),
        (json!({"msgtype": 1}), "message[msgtype]"),
        (json!({"msgtype": "text"}), "message"),
        (
            json!({"msgtype": "text", "text": {"content": "x"}, "markdown": {}}),
            "message",
        ),
        (
            json!({"msgtype": "text", "text": {}}),
            "message[text][content]",
        ),
        (
            json!({"msgtype": "text", "text": {"content": ""}}),
            "message[text][content]",
        ),
        (
            json!({"msgtype": "text", "text": {"content": 5}}),
            "message[text][content]",
        ),
        (
            json!({"msgtype": "text", "text": {"content": "x", "contents": "y"}}),
            "message[text]",
        ),
        (
            json!({"msgtype": "markdown", "markdown": {"text": "x"}}),
            "message[markdown][title]",
        ),
        (
            json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "ftp://a"}}),
            "message[link][messageUrl]",
        ),
        (
            json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "/a"}}),
            "message[link][messageUrl]",
        ),
        (
            json!({"msgtype": "link", "link": {"title": "t", "text": "x",
                "messageUrl": "https://a", "picUrl": "javascript:alert(1)"}}),
            "message[link][picUrl]",
        ),
        (
            json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m"}}),
            "message[action_card]",
        ),
        (
            json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
                "single_title": "a", "single_url": "https://a", "btn_json_list": []}}),
            "message[action_card]",
        ),
        (
            json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
                "btn_json_list": []}}),
            "message[action_card][btn_json_list]",
        ),
        (
            json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
                "btn_orientation": "2", "btn_json_list": [{"title": "a", "action_url": "https://a"}]}}),
            "message[action_card][btn_orientation]",
        ),
        (
            json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
                "btn_json_list": [{"title": "a", "action_url": "mailto:x"}]}}),
            "message[action_card][btn_json_list][0][action_url]",
        ),
        (
            json!({"msgtype": "oa", "oa": {"message_url": "https://a",
                "head": {"bgcolor": "0xFFBBBB", "text": "h"}, "body": {}}}),
            "message[oa][head][bgcolor]",
        ),
        (
            json!({"msgtype": "oa", "oa": {"message_url": "https://a",
                "head": {"bgcolor": "FFBBBBBB", "text": "一二三四五六七八九十一"}, "body": {}}}),
            "message[oa][head][text]",
        ),
        (
            json!({"msgtype": "oa", "oa": {"message_url": "https://a",
                "head": {"bgcolor": "FFBBBBBB"}}}),
            "message[oa][body]",
        ),
        (
            json!({"msgtype": "voice", "voice": {"media_id": "m", "duration": 61}}),
            "message[voice][duration]",
        ),
        (
            json!({"msgtype": "image", "image": {"media_id": ""}}),
            "message[image][media_id]",
        ),
        (
            json!({"msgtype": "text", "text": {"content": "x"}, "at": {"isAtAll": "yes"}}),
            "message[at][isAtAll]",
        ),
        (
            json!({"msgtype": "text", "text": {"content": "x"}, "at": {"atMobiles": [1]}}),
            "message[at][atMobiles][0]",
        ),
        (
            json!({"msgtype": "text", "text": {"content": "x"}, "at": {"atUsers": []}}),
            "message[at]",
        ),
    ];
    for (value, expected) in cases {
        let (name, reason) = refused(value.clone());
        assert_eq!(name, expected, "{value}: {reason}");
    }
}

#[test]
fn the_webhooks_action_card_spelling_is_named() {
    let (name, reason) = refused(json!({"msgtype": "actionCard", "actionCard": {}}));
    assert_eq!(name, "message[msgtype]");
    assert!(reason.contains("action_card"), "{reason}");
}

#[test]
fn builders_write_the_one_shape() {
    assert_eq!(
        Message::text("hi").to_json(),
        json!({"msgtype": "text", "text": {"content": "hi"}})
    );
    assert_eq!(
        Message::markdown("t", "x").to_json(),
        json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "x"}})
    );
    assert_eq!(
        Message::link("t", "x", "https://a", "").to_json(),
        json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "https://a",
               "picUrl": ""}})
    );
    assert_eq!(
        Message::action_card("t", "m", "Open", "https://a").to_json(),
        json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m",
               "single_title": "Open", "single_url": "https://a"}})
    );
}
