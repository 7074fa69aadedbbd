//! A group's webhook robot (自定义机器人): no app token. The robot's own `access_token` rides in
//! the query, and a robot with a signing secret ("加签") adds `timestamp` and `sign` to every
//! request; answers come in the oapi family's `errcode` envelope, with codes of their own. The
//! code table and the signature live here and nowhere else.

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::blocking::RequestBuilder;
use sha2::Sha256;

use super::oapi::judge_envelope;
use super::{Dialect, Disclosure};
use crate::config::Options;
use crate::error::{Error, ErrorClass, Result};
use crate::http::RawResponse;

/// "Send too fast": past 20 messages a minute; DingTalk then mutes the robot for 10 minutes.
pub const TOO_FAST: i64 = 130_101;
/// The newer table's "throttled".
const THROTTLED: i64 = 410_100;
/// The robot's security settings refused the message: a keyword, the signature or the IP.
pub const REFUSED_BY_SECURITY: i64 = 310_000;
/// The robot's token is wrong or the robot is gone: 300001 "token is not exist", and the newer
/// table's 400101 (no such access_token), 400102 (robot stopped), 400106 (no such robot).
const TOKEN_CODES: [i64; 4] = [300_001, 400_101, 400_102, 400_106];

/// The webhook dialect.
pub(crate) struct Webhook;

/// What a webhook errcode means.
pub(crate) fn classify(errcode: i64, _sub_code: Option<&str>) -> ErrorClass {
    if errcode == TOO_FAST || errcode == THROTTLED {
        // Resending while muted only keeps the robot muted: reported, never retried.
        ErrorClass::Banned
    } else if TOKEN_CODES.contains(&errcode) {
        ErrorClass::BadCredentials
    } else if errcode == -1 {
        ErrorClass::Busy
    } else {
        ErrorClass::Final
    }
}

/// Which of the three causes of a 310000 DingTalk's text names, in words of this client.
fn security_hint(errmsg: &str) -> String {
    let text = errmsg.to_ascii_lowercase();
    let cause = if text.contains("timestamp") || errmsg.contains("时间戳") {
        "no signature, or its timestamp is more than an hour from DingTalk's clock: give the \
         robot's secret (SEC...) when it has one, and check this host's clock"
    } else if text.contains("sign") || errmsg.contains("签名") {
        "the signature does not match: check the robot's secret (SEC...), and that this host's \
         clock is within an hour of DingTalk's"
    } else if text.contains("keyword") || errmsg.contains("关键词") {
        "the message holds none of the robot's security keywords"
    } else if text.contains("whitelist") || text.starts_with("ip ") || errmsg.contains("白名单")
    {
        "this host's IP address is not in the robot's allowed ranges"
    } else {
        "the robot's security settings refused it (a keyword missing, a signature that does not \
         match, or an IP address not allowed)"
    };
    format!("refused by the robot's security settings: {cause}")
}

impl Dialect for Webhook {
    fn base_url<'o>(&self, options: &'o Options) -> &'o str {
        // A webhook's executor has the robot's URL, without its query, as its base.
        &options.base_url
    }

    fn authorize(&self, request: RequestBuilder, token: &str) -> RequestBuilder {
        request.query(&[("access_token", token)])
    }

    fn reserved_query_keys(&self) -> &'static [&'static str] {
        &["access_token", "timestamp", "sign"]
    }

    fn judge(&self, path: &str, raw: &RawResponse, disclosure: Disclosure<'_>) -> Result<()> {
        judge_envelope(path, raw, disclosure, classify).map_err(|error| match error {
            Error::Api(mut api) if api.errcode() == Some(REFUSED_BY_SECURITY) => {
                api.hint = Some(security_hint(&api.message));
                Error::Api(api)
            }
            other => other,
        })
    }
}

/// A robot's credentials: the `access_token` of its webhook URL and, for a robot with
/// "加签", its signing secret. Both are secrets: `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Robot {
    pub(crate) access_token: String,
    pub(crate) secret: Option<String>,
}

impl fmt::Debug for Robot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Robot")
            .field("access_token", &"***")
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The `timestamp` and `sign` of one request.
pub(crate) struct Signature {
    pub(crate) timestamp: String,
    /// Base64, not yet URL-encoded: the query encoding does that.
    pub(crate) sign: String,
}

impl Robot {
    /// The signature of a request sent at `now_ms`, for a robot with a secret.
    pub(crate) fn signature(&self, now_ms: i64) -> Option<Signature> {
        let secret = self.secret.as_deref()?;
        Some(Signature {
            timestamp: now_ms.to_string(),
            sign: sign(secret, now_ms),
        })
    }
}

/// DingTalk's signature: base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret)). It is
/// URL-encoded as a query value when sent, which makes it DingTalk's
/// `urlencode(base64(...))`.
pub(crate) fn sign(secret: &str, timestamp_ms: i64) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn judge(body: &str) -> Result<()> {
        Webhook.judge(
            "/robot/send",
            &RawResponse::of(200, body),
            Disclosure::hiding(&["tok-123456"]),
        )
    }

    #[test]
    fn classifies_codes() {
        use ErrorClass::*;
        for (errcode, class) in [
            (130_101, Banned),
            (410_100, Banned),
            (300_001, BadCredentials),
            (400_101, BadCredentials),
            (400_106, BadCredentials),
            (310_000, Final),
            (400_105, Final),
            (-1, Busy),
        ] {
            assert_eq!(classify(errcode, None), class, "{errcode}");
        }
    }

    #[test]
    fn a_security_refusal_names_its_cause() {
        for (errmsg, cause) in [
            (
                "sign not match, more: [https://example.com]",
                "signature does not match",
            ),
            ("invalid timestamp", "clock"),
            ("keywords not in content, more: [x]", "keywords"),
            ("ip 10.0.0.1 not in whitelist", "IP address"),
            ("something else", "a keyword missing"),
        ] {
            let body = format!(r#"{{"errcode":310000,"errmsg":"{errmsg}"}}"#);
            let Err(Error::Api(api)) = judge(&body) else {
                panic!("expected an API error")
            };
            assert_eq!(api.class, ErrorClass::Final);
            let shown = api.to_string();
            assert!(shown.contains(cause), "{shown}");
            assert!(shown.contains(errmsg), "{shown}");
        }
        judge(r#"{"errcode":0,"errmsg":"ok"}"#).unwrap();
    }

    #[test]
    fn a_token_echoed_in_an_answer_is_scrubbed() {
        let Err(Error::Api(api)) =
            judge(r#"{"errcode":300001,"errmsg":"token tok-123456 is not exist"}"#)
        else {
            panic!("expected an API error")
        };
        assert!(!api.to_string().contains("tok-123456"), "{api}");
    }

    #[test]
    fn signs_as_dingtalk_documents() {
        // Computed apart from this code (Python's hmac and base64) for this secret and time.
        let robot = Robot {
            access_token: "t".into(),
            secret: Some("SEC0123456789abcdef".into()),
        };
        let signature = robot.signature(1_700_000_000_000).unwrap();
        assert_eq!(signature.timestamp, "1700000000000");
        assert_eq!(
            signature.sign,
            "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk="
        );
        let unsigned = Robot {
            secret: None,
            ..robot.clone()
        };
        assert!(unsigned.signature(1).is_none());
        assert!(!format!("{robot:?}").contains("SEC0123"));
    }
}
