//! The app robot's bodies. A message is `msgKey` (a template of DingTalk's) and `msgParam`, its
//! parameters as a JSON **string**; each template is converted to the one message shape:
//!
//! | msgKey | msgParam | one shape |
//! |---|---|---|
//! | `sampleText` | `content` | `text{content}` |
//! | `sampleMarkdown` | `title, text` | `markdown{title,text}` |
//! | `sampleLink` | `title, text, messageUrl, picUrl` | `link{...}` |
//! | `sampleActionCard` | `title, text, singleTitle, singleURL` | `action_card{title,markdown,single_title,single_url}` |
//! | `sampleActionCard2`..`5` | `title, text, actionTitleN, actionURLN` (2..5 buttons) | `action_card{..., btn_orientation "0", btn_json_list}` |
//! | `sampleActionCard6` | `title, text, buttonTitle1/2, buttonUrl1/2` | `action_card{..., btn_orientation "1", btn_json_list}` |
//! | `sampleImageMsg` | `photoURL` | `image{media_id}` |
//! | `sampleAudio` | `mediaId, duration` | `voice{media_id,duration}` |
//! | `sampleFile` | `mediaId, fileName, fileType` | `file{media_id,file_name,file_type}` |
//! | `sampleVideo` | `duration, videoMediaId, videoType, picMediaId` | `video{...}` |

use serde_json::{json, Map, Value};

use crate::api::message::shape::{optional_text, text};

/// The `msgKey`s the robot sends.
pub const MSG_KEYS: [&str; 12] = [
    "sampleText",
    "sampleMarkdown",
    "sampleLink",
    "sampleActionCard",
    "sampleActionCard2",
    "sampleActionCard3",
    "sampleActionCard4",
    "sampleActionCard5",
    "sampleActionCard6",
    "sampleImageMsg",
    "sampleAudio",
    "sampleFile",
];
/// `sampleVideo` too; kept apart so the table above stays readable.
const VIDEO: &str = "sampleVideo";
/// The longest `msgParam`, in bytes (DingTalk's group-message page: 15,000).
pub const MAX_PARAM_BYTES: usize = 15_000;

/// Why a message was refused: DingTalk's code for it, and a message that names the field.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

fn refusal(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
    }
}

/// `msgKey` and `msgParam` (present: the caller checked that), as the one message shape.
pub fn message(msg_key: &str, msg_param: &Value) -> Result<Value, Refusal> {
    if !MSG_KEYS.contains(&msg_key) && msg_key != VIDEO {
        return Err(refusal(
            "invalidParameter.msgKey.invalid",
            format!(
                "The msgKey is invalid: {msg_key:?} is none of {}, {VIDEO}",
                MSG_KEYS.join(", ")
            ),
        ));
    }
    let invalid = |message: String| refusal("invalidParameter.msgParam.invalid", message);
    let Value::String(param) = msg_param else {
        return Err(invalid(
            "The msgParam must be in JSON format: a JSON string, not an object".to_owned(),
        ));
    };
    if param.len() > MAX_PARAM_BYTES {
        return Err(refusal(
            "invalidParameter.msgParam.tooLong",
            format!(
                "msgParam is {} bytes, at most {MAX_PARAM_BYTES}",
                param.len()
            ),
        ));
    }
    let Ok(Value::Object(param)) = serde_json::from_str::<Value>(param) else {
        return Err(invalid(
            "The msgParam must be in JSON format: a JSON object in a string".to_owned(),
        ));
    };
    converted(msg_key, &param).map_err(invalid)
}

fn converted(msg_key: &str, param: &Map<String, Value>) -> Result<Value, String> {
    let p = "msgParam";
    Ok(match msg_key {
        "sampleText" => json!({"msgtype": "text", "text": {"content": text(param, p, "content")?}}),
        "sampleMarkdown" => json!({"msgtype": "markdown", "markdown": {
            "title": text(param, p, "title")?, "text": text(param, p, "text")?}}),
        "sampleLink" => {
            let mut link = Map::new();
            for name in ["title", "text", "messageUrl"] {
                link.insert(name.to_owned(), Value::String(text(param, p, name)?));
            }
            if let Some(pic) = optional_text(param, p, "picUrl")? {
                link.insert("picUrl".to_owned(), Value::String(pic));
            }
            json!({"msgtype": "link", "link": link})
        }
        "sampleActionCard" => json!({"msgtype": "action_card", "action_card": {
            "title": text(param, p, "title")?, "markdown": text(param, p, "text")?,
            "single_title": text(param, p, "singleTitle")?, "single_url": text(param, p, "singleURL")?}}),
        "sampleActionCard6" => buttons(param, "1", 2, "buttonTitle", "buttonUrl")?,
        "sampleImageMsg" => {
            json!({"msgtype": "image", "image": {"media_id": text(param, p, "photoURL")?}})
        }
        "sampleAudio" => json!({"msgtype": "voice", "voice": {
            "media_id": text(param, p, "mediaId")?, "duration": text(param, p, "duration")?}}),
        "sampleFile" => json!({"msgtype": "file", "file": {"media_id": text(param, p, "mediaId")?,
            "file_name": text(param, p, "fileName")?, "file_type": text(param, p, "fileType")?}}),
        VIDEO => json!({"msgtype": "video", "video": {
            "video_media_id": text(param, p, "videoMediaId")?, "video_type": text(param, p, "videoType")?,
            "pic_media_id": text(param, p, "picMediaId")?, "duration": text(param, p, "duration")?}}),
        // sampleActionCard2 to 5: that many buttons, one above the other.
        _ => {
            let count = msg_key
                .strip_prefix("sampleActionCard")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(2);
            buttons(param, "0", count, "actionTitle", "actionURL")?
        }
    })
}

/// An action card with `count` buttons named `{title}N` / `{url}N` (N from 1).
fn buttons(
    param: &Map<String, Value>,
    orientation: &str,
    count: usize,
    title: &str,
    url: &str,
) -> Result<Value, String> {
    let p = "msgParam";
    let list = (1..=count)
        .map(|n| {
            Ok(json!({"title": text(param, p, &format!("{title}{n}"))?,
                      "action_url": text(param, p, &format!("{url}{n}"))?}))
        })
        .collect::<Result<Vec<Value>, String>>()?;
    Ok(json!({"msgtype": "action_card", "action_card": {
        "title": text(param, p, "title")?, "markdown": text(param, p, "text")?,
        "btn_orientation": orientation, "btn_json_list": list}}))
}

/// A list of non-empty strings, without repeats; `None` when it is not one.
pub fn string_list(value: &Value) -> Option<Vec<String>> {
    let mut list: Vec<String> = Vec::new();
    for item in value.as_array()? {
        let item = item.as_str().filter(|s| !s.is_empty())?;
        if !list.iter().any(|seen| seen == item) {
            list.push(item.to_owned());
        }
    }
    Some(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(key: &str, param: Value) -> Result<Value, Refusal> {
        message(key, &Value::String(param.to_string()))
    }

    #[test]
    fn each_template_becomes_the_one_shape() {
        let cases = [
            (
                "sampleText",
                json!({"content": "hi"}),
                json!({"msgtype": "text", "text": {"content": "hi"}}),
            ),
            (
                "sampleMarkdown",
                json!({"title": "t", "text": "# x"}),
                json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "# x"}}),
            ),
            (
                "sampleLink",
                json!({"title": "t", "text": "x", "messageUrl": "https://m", "picUrl": "https://p"}),
                json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "https://m", "picUrl": "https://p"}}),
            ),
            (
                "sampleActionCard",
                json!({"title": "t", "text": "m", "singleTitle": "go", "singleURL": "https://g"}),
                json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m", "single_title": "go", "single_url": "https://g"}}),
            ),
            (
                "sampleActionCard2",
                json!({"title": "t", "text": "m", "actionTitle1": "a", "actionURL1": "https://a",
                                         "actionTitle2": "b", "actionURL2": "https://b"}),
                json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m", "btn_orientation": "0",
                    "btn_json_list": [{"title": "a", "action_url": "https://a"}, {"title": "b", "action_url": "https://b"}]}}),
            ),
            (
                "sampleActionCard6",
                json!({"title": "t", "text": "m", "buttonTitle1": "a", "buttonUrl1": "https://a",
                                         "buttonTitle2": "b", "buttonUrl2": "https://b"}),
                json!({"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m", "btn_orientation": "1",
                    "btn_json_list": [{"title": "a", "action_url": "https://a"}, {"title": "b", "action_url": "https://b"}]}}),
            ),
            (
                "sampleImageMsg",
                json!({"photoURL": "@lA"}),
                json!({"msgtype": "image", "image": {"media_id": "@lA"}}),
            ),
            (
                "sampleAudio",
                json!({"mediaId": "@a", "duration": "10"}),
                json!({"msgtype": "voice", "voice": {"media_id": "@a", "duration": "10"}}),
            ),
            (
                "sampleFile",
                json!({"mediaId": "@f", "fileName": "a.pdf", "fileType": "pdf"}),
                json!({"msgtype": "file", "file": {"media_id": "@f", "file_name": "a.pdf", "file_type": "pdf"}}),
            ),
        ];
        for (key, param, expected) in cases {
            assert_eq!(convert(key, param), Ok(expected), "{key}");
        }
        let five = convert(
            "sampleActionCard5",
            json!({"title": "t", "text": "m",
            "actionTitle1": "1", "actionURL1": "u", "actionTitle2": "2", "actionURL2": "u", "actionTitle3": "3",
            "actionURL3": "u", "actionTitle4": "4", "actionURL4": "u", "actionTitle5": "5", "actionURL5": "u"}),
        );
        assert_eq!(
            five.unwrap()["action_card"]["btn_json_list"]
                .as_array()
                .map(Vec::len),
            Some(5)
        );
    }

    #[test]
    fn refusals_carry_dingtalks_codes() {
        let code = |key: &str, param: Value| message(key, &param).unwrap_err().code;
        assert_eq!(
            code("sampleSms", json!("{}")),
            "invalidParameter.msgKey.invalid"
        );
        assert_eq!(
            code("sampleText", json!({"content": "x"})),
            "invalidParameter.msgParam.invalid"
        );
        assert_eq!(
            code("sampleText", json!("not json")),
            "invalidParameter.msgParam.invalid"
        );
        assert_eq!(
            code("sampleText", json!("[1]")),
            "invalidParameter.msgParam.invalid"
        );
        assert_eq!(
            code("sampleText", json!("x".repeat(MAX_PARAM_BYTES + 1))),
            "invalidParameter.msgParam.tooLong"
        );
        let missing = convert(
            "sampleActionCard3",
            json!({"title": "t", "text": "m", "actionTitle1": "a"}),
        )
        .unwrap_err();
        assert!(
            missing.message.contains("msgParam.actionURL1"),
            "{missing:?}"
        );
        assert_eq!(
            string_list(&json!(["a", "b", "a"])),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(string_list(&json!(["a", 1])), None);
        assert_eq!(string_list(&json!("a")), None);
    }
}
