//! Tests of [`Callback`] against the vectors DingTalk publishes, every malformed push, and random
//! input (which must never panic).

use super::*;

/// A published push: the app's settings, the query, the ciphertext, the plaintext it holds, and
/// the 16 random bytes found in front of it (so that sealing can be replayed exactly).
struct Vector {
    source: &'static str,
    token: &'static str,
    aes_key: &'static str,
    receive_id: &'static str,
    signature: &'static str,
    timestamp: &'static str,
    nonce: &'static str,
    encrypt: &'static str,
    plaintext: &'static str,
    random: &'static [u8; 16],
}

const VECTORS: [Vector; 4] = [
    Vector {
        source: "DingTalk docs, 配置事件推送方式 (configure-stream-push), HTTP push FAQ",
        token: "123456",
        aes_key: "1234567890123456789012345678901234567890123",
        receive_id: "dingsnotzck6pm5veliw",
        signature: "9a95a004dd16f5c307e849b994173f76aa26e5eb",
        timestamp: "1614767836",
        nonce: "A7Co0cJLMzIDtMMI",
        encrypt: "YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA==",
        plaintext: "success",
        random: b"dICkEDLj0eb6yAbc",
    },
    Vector {
        source: "DingTalk's crypto library, DingCallbackCrypto3.py demo",
        token: "mryue",
        aes_key: "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7",
        receive_id: "ding6ccabc44d2c8d38b",
        signature: "03044561471240d4a14bb09372dfcfd4fd0e40cb",
        timestamp: "1608001896814",
        nonce: "WL4PK6yA",
        encrypt: "0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3",
        plaintext: r#"{"EventType":"check_url"}"#,
        random: b"l7Y3EcX2CU5w8av3",
    },
    Vector {
        source: "DingTalk's crypto library, DingTalkCrypto.go and DingTalkEncryptor.cs demos",
        token: "tokenxxxx",
        aes_key: "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus",
        receive_id: "dingxxxxxx",
        signature: "f36f4ba5337d426c7d4bca0dbcb06b3ddc1388fc",
        timestamp: "1605695694141",
        nonce: "WelUQl6bCqcBa2fM",
        encrypt: "X1VSe9cTJUMZu60d3kyLYTrBq5578ZRJtteU94wG0Q4Uk6E/wQYeJRIC0/UFW5Wkya1Ihz9oXAdLlyC9TRaqsQ==",
        plaintext: "success",
        random: b"WelUQl6bCqcBa2fM",
    },
    Vector {
        source: "DingTalk's crypto library, dingtalk_callback_crypto.rs tests",
        token: "123456",
        aes_key: "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij",
        receive_id: "suite4xxxxxxxxxxxxxxx",
        signature: "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0",
        timestamp: "1445827045067",
        nonce: "nEXhMP4r",
        encrypt: "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==",
        plaintext: r#"{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite4xxxxxxxxxxxxxxx"}"#,
        random: b"hU3bEfGZZewzhG5a",
    },
];

impl Vector {
    fn callback(&self) -> Callback {
        Callback::new(self.token, self.aes_key, self.receive_id).unwrap()
    }

    fn query(&self) -> PushQuery<'static> {
        PushQuery::from_pairs(&[
            ("msg_signature", self.signature),
            ("timestamp", self.timestamp),
            ("nonce", self.nonce),
        ])
    }

    fn body(&self) -> Vec<u8> {
        serde_json::json!({ "encrypt": self.encrypt })
            .to_string()
            .into_bytes()
    }
}

fn body(encrypt: &str) -> Vec<u8> {
    serde_json::json!({ "encrypt": encrypt })
        .to_string()
        .into_bytes()
}

#[test]
fn published_vectors_decrypt() {
    for v in &VECTORS {
        let message = v.callback().decrypt(&v.query(), &v.body());
        assert_eq!(
            message.as_deref(),
            Ok(v.plaintext.as_bytes()),
            "{}",
            v.source
        );
    }
}

#[test]
fn published_vectors_encrypt_deterministically_with_their_random_bytes() {
    for v in &VECTORS {
        let sealed = v
            .callback()
            .seal(v.plaintext, v.timestamp, v.nonce, v.random)
            .unwrap();
        assert_eq!(
            sealed,
            Sealed {
                msg_signature: v.signature.to_owned(),
                time_stamp: v.timestamp.to_owned(),
                nonce: v.nonce.to_owned(),
                encrypt: v.encrypt.to_owned(),
            },
            "{}",
            v.source
        );
    }
}

#[test]
fn events_open_as_json_objects_and_replies_do_not() {
    let check_url = &VECTORS[1];
    let event = check_url
        .callback()
        .open(&check_url.query(), &check_url.body())
        .unwrap();
    assert_eq!(event.get("EventType"), Some(&Value::from("check_url")));
    let reply = &VECTORS[0];
    let error = reply
        .callback()
        .open(&reply.query(), &reply.body())
        .unwrap_err();
    assert!(matches!(error, CallbackError::NotAnEvent(_)), "{error}");
    let callback = reply.callback();
    for (text, kind) in [
        ("[1]", "an array"),
        ("7", "a number"),
        ("\"x\"", "a string"),
    ] {
        let sealed = callback.encrypt(text, "1", "n").unwrap();
        let query = PushQuery::from_pairs(&[
            ("signature", &sealed.msg_signature),
            ("timeStamp", &sealed.time_stamp),
            ("nonce", &sealed.nonce),
        ]);
        let error = callback.open(&query, &body(&sealed.encrypt)).unwrap_err();
        assert_eq!(error, CallbackError::NotAnEvent(format!("it is {kind}")));
    }
}

#[test]
fn both_spellings_of_the_query_are_read() {
    let v = &VECTORS[1];
    let old = PushQuery::from_pairs(&[
        ("signature", v.signature),
        ("timeStamp", v.timestamp),
        ("nonce", v.nonce),
    ]);
    assert!(v.callback().open(&old, &v.body()).is_ok());
}

#[test]
fn reply_and_encrypt_round_trip() {
    let v = &VECTORS[0];
    let callback = v.callback();
    let reply = callback.reply("success").unwrap();
    assert!(reply.time_stamp.parse::<u64>().unwrap() > 1_600_000_000_000);
    assert_eq!(reply.nonce.len(), 16);
    let query = PushQuery::from_pairs(&[
        ("msg_signature", &reply.msg_signature),
        ("timestamp", &reply.time_stamp),
        ("nonce", &reply.nonce),
    ]);
    assert_eq!(
        callback.decrypt(&query, &body(&reply.encrypt)).unwrap(),
        b"success"
    );
    // A fresh random prefix and nonce every time.
    assert_ne!(callback.reply("success").unwrap().encrypt, reply.encrypt);
    assert_ne!(callback.reply("success").unwrap().nonce, reply.nonce);
    let sealed = callback.encrypt("中文 ✓", "99", "1").unwrap();
    assert_eq!(
        (sealed.time_stamp.as_str(), sealed.nonce.as_str()),
        ("99", "1")
    );
    let query = PushQuery::from_pairs(&[
        ("msg_signature", &sealed.msg_signature),
        ("timestamp", "99"),
        ("nonce", "1"),
    ]);
    assert_eq!(
        callback.decrypt(&query, &body(&sealed.encrypt)).unwrap(),
        "中文 ✓".as_bytes()
    );
}

#[test]
fn arguments_are_checked() {
    let key = VECTORS[0].aes_key;
    let invalid = |r: Result<Callback, CallbackError>| match r {
        Err(CallbackError::InvalidArgument { name, .. }) => name,
        other => panic!("expected an argument error, got {other:?}"),
    };
    assert_eq!(invalid(Callback::new("", key, "r")), "token");
    assert_eq!(invalid(Callback::new("t", "short", "r")), "aesKey");
    assert_eq!(invalid(Callback::new("t", key, "")), "receiveId");
    let callback = Callback::new("t", key, "r").unwrap();
    assert!(matches!(
        callback.encrypt("x", "", "n"),
        Err(CallbackError::InvalidArgument {
            name: "timestamp",
            ..
        })
    ));
    assert!(matches!(
        callback.encrypt("x", "1", ""),
        Err(CallbackError::InvalidArgument { name: "nonce", .. })
    ));
    // Debug shows the receiveId and nothing secret.
    let debug = format!("{callback:?}");
    assert!(
        debug.contains("\"r\"") && !debug.contains(key) && !debug.contains("\"t\""),
        "{debug}"
    );
}

/// A callback and a way to sign any ciphertext for it, so that malformed ciphertexts get past
/// the signature check.
fn signed(callback_token: &str, encrypt: &str) -> (String, Vec<u8>) {
    (
        sign(callback_token.as_bytes(), b"1", b"n", encrypt.as_bytes()),
        body(encrypt),
    )
}

fn open_signed(callback: &Callback, token: &str, encrypt: &str) -> CallbackError {
    let (signature, body) = signed(token, encrypt);
    let query = PushQuery::from_pairs(&[
        ("msg_signature", &signature),
        ("timestamp", "1"),
        ("nonce", "n"),
    ]);
    callback.open(&query, &body).unwrap_err()
}

#[test]
fn every_malformed_push_has_its_own_error() {
    let v = &VECTORS[0];
    let callback = v.callback();
    let good_body = v.body();
    let q = |pairs: &[(&str, &'static str)]| -> PushQuery<'static> {
        let owned: Vec<(&str, &'static str)> = pairs.to_vec();
        PushQuery::from_lookup(move |name| {
            owned
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, value)| Param::Text(value.as_bytes()))
        })
    };
    let missing = |query: PushQuery<'_>| callback.open(&query, &good_body).unwrap_err();
    assert_eq!(
        missing(q(&[("timestamp", v.timestamp), ("nonce", v.nonce)])),
        CallbackError::MissingParameter("msg_signature (or signature)")
    );
    assert_eq!(
        missing(q(&[("signature", v.signature), ("nonce", v.nonce)])),
        CallbackError::MissingParameter("timestamp (or timeStamp)")
    );
    assert_eq!(
        missing(q(&[("signature", v.signature), ("timestamp", v.timestamp)])),
        CallbackError::MissingParameter("nonce")
    );
    let array_nonce = PushQuery::from_lookup(|name| match name {
        "nonce" => Some(Param::NotText("array")),
        "signature" => Some(Param::Text(v.signature.as_bytes())),
        "timestamp" => Some(Param::Text(v.timestamp.as_bytes())),
        _ => None,
    });
    assert_eq!(
        callback
            .open(&array_nonce, &good_body)
            .unwrap_err()
            .to_string(),
        "the query parameter nonce is array, not a string"
    );

    let query = v.query();
    let with_body = |body: &[u8]| callback.open(&query, body).unwrap_err();
    assert!(matches!(
        with_body(b"encrypt=abc"),
        CallbackError::BodyNotJson(_)
    ));
    assert!(matches!(with_body(b""), CallbackError::BodyNotJson(_)));
    for (body, why) in [
        (&br#"["encrypt"]"#[..], "it is not a JSON object"),
        (br#"{"Encrypt":"x"}"#, "it has no encrypt field"),
        (br#"{"encrypt":null}"#, "its encrypt field is not a string"),
        (br#"{"encrypt":42}"#, "its encrypt field is not a string"),
    ] {
        assert_eq!(with_body(body), CallbackError::BodyWithoutEncrypt(why));
    }

    // The signature is checked before anything is decrypted: a garbage ciphertext with a wrong
    // signature is a signature error, not a base64 one.
    assert_eq!(
        with_body(&body("!!!not base64!!!")),
        CallbackError::SignatureMismatch
    );
    let wrong_token = Callback::new("654321", v.aes_key, v.receive_id).unwrap();
    assert_eq!(
        wrong_token.open(&query, &good_body).unwrap_err(),
        CallbackError::SignatureMismatch
    );

    let token = v.token;
    assert!(matches!(
        open_signed(&callback, token, "!!!not base64!!!"),
        CallbackError::InvalidBase64(_)
    ));
    assert_eq!(
        open_signed(&callback, token, "AAAA"),
        CallbackError::CiphertextLength(3)
    );
    assert_eq!(
        open_signed(&callback, token, ""),
        CallbackError::CiphertextLength(0)
    );

    // Sealing by hand with chosen framing exercises the checks after decryption.
    let key = &callback.key;
    let raw = |text: Vec<u8>| key.encrypt_blocks(text);
    let mut bad_pad = vec![b'x'; 63];
    bad_pad.push(33);
    assert_eq!(
        open_signed(&callback, token, &raw(bad_pad)),
        CallbackError::PadOutOfRange(33)
    );
    let mut zero_pad = vec![b'x'; 63];
    zero_pad.push(0);
    assert_eq!(
        open_signed(&callback, token, &raw(zero_pad)),
        CallbackError::PadOutOfRange(0)
    );
    let mut uneven_pad = vec![b'x'; 60];
    uneven_pad.extend_from_slice(&[4, 4, 3, 4]);
    assert_eq!(
        open_signed(&callback, token, &raw(uneven_pad)),
        CallbackError::PadMismatch(4)
    );
    let mut too_short = vec![b'x'; 10];
    too_short.extend_from_slice(&[22; 22]);
    assert_eq!(
        open_signed(&callback, token, &raw(too_short)),
        CallbackError::TooShort(10)
    );
    let mut past_end = vec![b'r'; 16];
    past_end.extend_from_slice(&100u32.to_be_bytes());
    past_end.extend_from_slice(b"short");
    past_end.extend_from_slice(&[7; 7]);
    assert_eq!(
        open_signed(&callback, token, &raw(past_end)),
        CallbackError::LengthPastEnd {
            declared: 100,
            available: 5
        }
    );

    // The receiveId mismatch names the receiveId found.
    let corp = Callback::new(v.token, v.aes_key, "dingcorpid123").unwrap();
    let error = corp.open(&query, &good_body).unwrap_err();
    assert_eq!(
        error,
        CallbackError::ReceiveIdMismatch {
            found: "\"dingsnotzck6pm5veliw\"".to_owned(),
            expected: "\"dingcorpid123\"".to_owned(),
        }
    );
    let message = error.to_string();
    assert!(
        message.contains("dingsnotzck6pm5veliw") && message.contains("app key"),
        "{message}"
    );
    let mut long_id = vec![b'r'; 16];
    long_id.extend_from_slice(&0u32.to_be_bytes());
    long_id.extend_from_slice(&[b'\n'; 300]);
    crate::callback::crypto::pad(&mut long_id);
    match open_signed(&callback, token, &raw(long_id)) {
        CallbackError::ReceiveIdMismatch { found, .. } => {
            assert!(
                found.starts_with("\"\\n\\n") && found.ends_with('…'),
                "{found}"
            );
            assert!(found.len() < 250, "{found}");
        }
        other => panic!("{other:?}"),
    }

    // No error message holds the token or the aesKey.
    let all = [
        with_body(b"{"),
        open_signed(&callback, token, "AAAA"),
        wrong_token.open(&query, &good_body).unwrap_err(),
    ];
    for error in all {
        let text = error.to_string();
        assert!(!text.contains(v.aes_key) && !text.contains(token), "{text}");
    }
}

/// Random input never panics, whatever gets past which check. Seeded, so a failure reproduces.
#[test]
fn random_input_never_panics() {
    let v = &VECTORS[0];
    let callback = v.callback();
    let mut rng = fastrand::Rng::with_seed(0x0d1e_6a1c);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for round in 0..6000 {
        let len = rng.usize(0..200);
        let encrypt: String = match round % 3 {
            // Random base64-ish text.
            0 => (0..len)
                .map(|_| char::from(alphabet[rng.usize(..alphabet.len())]))
                .collect(),
            // Valid base64 of random bytes: decrypts to garbage.
            1 => {
                let bytes: Vec<u8> = (0..len / 16 * 16).map(|_| rng.u8(..)).collect();
                key_free_base64(&bytes)
            }
            // A real ciphertext with random bytes changed: decrypts to near-valid text.
            _ => {
                let mut bytes = base64_decode(v.encrypt);
                for _ in 0..rng.usize(1..4) {
                    let at = rng.usize(..bytes.len());
                    bytes[at] = rng.u8(..);
                }
                key_free_base64(&bytes)
            }
        };
        let error = open_signed(&callback, v.token, &encrypt);
        let kind = format!("{error:?}");
        let kind = kind.split(['(', ' ']).next().unwrap_or_default().to_owned();
        *outcomes.entry(kind).or_default() += 1;
        // Random bytes as the raw body and query values, unsigned.
        let raw: Vec<u8> = (0..rng.usize(0..64)).map(|_| rng.u8(..)).collect();
        let query = PushQuery::from_lookup(|_| Some(Param::Text(&raw)));
        assert!(callback.open(&query, &raw).is_err());
    }
    // The random ciphertexts reached the checks after decryption, not only base64's.
    for kind in [
        "InvalidBase64",
        "CiphertextLength",
        "PadOutOfRange",
        "PadMismatch",
        "LengthPastEnd",
        "ReceiveIdMismatch",
        "NotAnEvent",
    ] {
        assert!(outcomes.get(kind).copied().unwrap_or(0) > 0, "{outcomes:?}");
    }
}

fn key_free_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}
