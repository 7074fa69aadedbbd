//! Removes secrets from text that came from the network before it reaches an error message.
//!
//! A server, a gateway or a proxy that echoes a request puts the app secret or the token back in
//! whatever spelling it saw or re-made: raw, percent-encoded (upper- or lower-case hex, `+` or
//! `%20` for a space, every character encoded or only some), or JSON-escaped (`\/`, `\u0041`).
//! So the search does not compare spellings: it reads the text as a sequence of *units* (one raw
//! byte, one `%XX`, one `\uXXXX` or `\/` escape, one `+`), decodes each unit to the byte it stands
//! for, and matches the secret against the decoded bytes, replacing the units that spelled it.

/// Secrets shorter than this are not searched for: a one-letter "secret" would turn every
/// message into asterisks, and real app secrets and tokens are dozens of characters long.
const MIN_SECRET_CHARS: usize = 4;

/// What replaces a secret.
const MASK: &str = "***";

/// One unit of the text: how long it is, and which byte it stands for.
#[derive(Clone, Copy)]
struct Unit {
    len: usize,
    /// The byte it stands for; a `+` stands for a space or for itself.
    byte: u8,
    plus: bool,
}

impl Unit {
    fn matches(self, wanted: u8) -> bool {
        self.byte == wanted || (self.plus && wanted == b' ')
    }
}

fn hex(digits: &[u8]) -> Option<u32> {
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

/// The unit that starts at `at` (`at` must be inside `text`).
fn unit_at(text: &[u8], at: usize) -> Unit {
    let rest = &text[at..];
    let unit = |len, byte| Unit {
        len,
        byte,
        plus: false,
    };
    match rest {
        [b'%', ..] if rest.len() >= 3 => {
            hex(&rest[1..3]).map_or(unit(1, b'%'), |v| unit(3, v as u8))
        }
        [b'\\', b'u', ..] if rest.len() >= 6 => match hex(&rest[2..6]) {
            // Only ASCII is decoded: a secret's other characters arrive as raw UTF-8 bytes.
            Some(v) if v < 0x80 => unit(6, v as u8),
            _ => unit(1, b'\\'),
        },
        [b'\\', escaped @ (b'/' | b'"' | b'\\'), ..] => unit(2, *escaped),
        [b'+', ..] => Unit {
            plus: true,
            ..unit(1, b'+')
        },
        [byte, ..] => unit(1, *byte),
        [] => unit(1, 0),
    }
}

/// The end (a byte offset) of a spelling of `secret` that starts at byte `at`, if there is one.
fn spelled_at(text: &[u8], at: usize, secret: &[u8]) -> Option<usize> {
    let mut end = at;
    for wanted in secret {
        if end >= text.len() {
            return None;
        }
        let unit = unit_at(text, end);
        if !unit.matches(*wanted) {
            return None;
        }
        end += unit.len;
    }
    Some(end)
}

/// Replaces every spelling of each secret in `text` with `***` (see the module docs).
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let secrets: Vec<&[u8]> = secrets
        .iter()
        .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
        .map(|s| s.as_bytes())
        .collect();
    if secrets.is_empty() {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut copied = 0; // bytes of `text` already handled
    let mut at = 0;
    // Every byte is a possible start, even inside an escape: "%2Bxx" holds a raw "2Bxx" too.
    while at < bytes.len() {
        match secrets.iter().find_map(|s| spelled_at(bytes, at, s)) {
            Some(end) => {
                out.extend_from_slice(&bytes[copied..at]);
                out.extend_from_slice(MASK.as_bytes());
                copied = end;
                at = end;
            }
            None => at += 1,
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    // A match starts and ends on whole characters (a secret is valid UTF-8, and escapes are
    // ASCII), so this is lossless; lossy only to stay free of panics.
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `text` holds `word` in any spelling (see the module docs).
pub(crate) fn mentions(text: &[u8], word: &str) -> bool {
    (0..text.len()).any(|at| spelled_at(text, at, word.as_bytes()).is_some())
}

/// Cuts a text to `max` characters, on a character boundary, marking the cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// The longest body quoted in an error message, in characters.
const MAX_BODY_CHARS: usize = 200;

/// A body fit for an error message: secrets removed first, then cut (cutting first could leave
/// the head of a secret that straddles the cut, which no search would then recognise).
pub(crate) fn snippet(body: &[u8], secrets: &[&str]) -> String {
    let text = String::from_utf8_lossy(body);
    cut(redact(&text, secrets).trim(), MAX_BODY_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_secret() {
        let text = "url ?appsecret=s3cr3t&access_token=9f86d081 and 9f86d081 again";
        assert_eq!(
            redact(text, &["s3cr3t", "9f86d081", ""]),
            "url ?appsecret=***&access_token=*** and *** again"
        );
        assert_eq!(redact("connection refused", &["s"]), "connection refused");
    }

    #[test]
    fn redacts_every_spelling_of_a_secret() {
        let secret = "s3cr3t #+&=/?待";
        for spelling in [
            "s3cr3t #+&=/?待",
            // form encoding, as the query was sent
            "s3cr3t+%23%2B%26%3D%2F%3F%E5%BE%85",
            // %20 for the space, lower-case hex
            "s3cr3t%20%23%2b%26%3d%2f%3f%e5%be%85",
            // only what a query must encode
            "s3cr3t%20%23%2B%26%3D/?待",
            // JSON-escaped
            r"s3cr3t #+&=\/?待",
            r"s\u0033cr3t #+&=/?待",
            // every character encoded
            "%73%33%63%72%33%74%20%23%2B%26%3D%2F%3F%E5%BE%85",
        ] {
            let text = format!("GET /gettoken?appkey=k&appsecret={spelling}&x=1 HTTP/1.1");
            assert_eq!(
                redact(&text, &[secret]),
                "GET /gettoken?appkey=k&appsecret=***&x=1 HTTP/1.1",
                "{spelling}"
            );
        }
        // A literal "+" in the secret is matched by "+" and "%2B", a space by "+" and "%20".
        assert_eq!(redact("a+b%2Bc d", &["a b+c d"]), "***");
    }

    #[test]
    fn mentions_find_any_spelling() {
        assert!(mentions(br#"{"access\u005ftoken":1}"#, "access_token"));
        assert!(mentions(b"?access%5Ftoken=x", "access_token"));
        assert!(!mentions(b"<html>Bad Gateway</html>", "access_token"));
    }

    #[test]
    fn text_that_only_resembles_a_secret_is_kept() {
        assert_eq!(redact("tok%", &["tok%2"]), "tok%");
        assert_eq!(redact("50% off, %zz", &["secret"]), "50% off, %zz");
        assert_eq!(redact("待办 \\u00", &["待办x"]), "待办 \\u00");
    }

    #[test]
    fn secrets_are_removed_before_the_body_is_cut() {
        let token = "9f86d081884c7d659a2feaa0c55ad015";
        let body = format!("{}{token}{}", "x".repeat(190), "y".repeat(50));
        let quoted = snippet(body.as_bytes(), &[token]);
        assert!(!quoted.contains("9f86d08"), "{quoted}");
        assert!(quoted.contains("***"));
    }

    #[test]
    fn snippet_cuts_long_bodies_on_char_boundaries() {
        let body = "系".repeat(300);
        let cut = snippet(body.as_bytes(), &[]);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
        assert_eq!(snippet(b"  short \n", &[]), "short");
    }
}
