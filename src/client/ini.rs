//! The `dingtalk.*` ini entries: one per `Client` option (`dingtalk.timeout` for `timeout`),
//! derived from the options table, which give ops a default per server, pool or directory.
//!
//! An entry is text; empty means "not set". It is read with the core's own setter of its option
//! (the same checks as the constructor's array), and a bad value is a `ValueError` naming the
//! entry, not the option, so that the reader knows to look in the configuration, not the code.
//! No secret is an entry: ini values show in `phpinfo()`.

use std::sync::LazyLock;

use dingtalk_core::{Error, Options};

use super::options::OPTIONS;
use crate::php::ini::SettingError;
use crate::php::value::NOT_UTF8;
use crate::setter::Setter;

/// What every entry's name starts with: the extension's name.
pub const PREFIX: &str = "dingtalk.";

/// The entry of option `option`.
pub fn entry(option: &str) -> String {
    format!("{PREFIX}{option}")
}

/// Every entry, one per option, in the table's order.
pub fn entries() -> &'static [String] {
    static ENTRIES: LazyLock<Vec<String>> =
        LazyLock::new(|| OPTIONS.iter().map(|(name, _)| entry(name)).collect());
    &ENTRIES
}

/// Sets option `option` from the text of its entry; an empty text leaves `options` as they are.
pub fn apply(
    options: Options,
    option: &str,
    setter: Setter<Options>,
    raw: &[u8],
) -> Result<Options, SettingError> {
    if raw.is_empty() {
        return Ok(options);
    }
    let fail = |reason: String| SettingError {
        entry: entry(option),
        reason,
    };
    let text = std::str::from_utf8(raw).map_err(|_| fail(NOT_UTF8.to_owned()))?;
    let set = match setter {
        Setter::Text(set) => set(options, text),
        Setter::Seconds(set) => {
            let seconds = number(text).ok_or_else(|| {
                fail(format!(
                    "must be a number of seconds, {} given",
                    shown(text)
                ))
            })?;
            set(options, seconds)
        }
        Setter::Number(set) => {
            let value = number(text)
                .ok_or_else(|| fail(format!("must be a number, {} given", shown(text))))?;
            set(options, value)
        }
        Setter::Int(set) => {
            let int = integer(text)
                .ok_or_else(|| fail(format!("must be an integer, {} given", shown(text))))?;
            set(options, int)
        }
        Setter::Bytes(set) => {
            let bytes = quantity(text).ok_or_else(|| {
                fail(format!(
                    "must be a number of bytes (like 4194304, 4096K or 4M), {} given",
                    shown(text)
                ))
            })?;
            set(options, bytes)
        }
    };
    // The core names the option (`options[timeout]`); its reason holds for the entry as well.
    set.map_err(|error| match error {
        Error::InvalidArgument { reason, .. } => fail(reason),
        other => fail(other.to_string()),
    })
}

/// A number as PHP's ini files write one (`10`, `2.5`, `1e3`); spaces around it are ignored.
pub fn number(text: &str) -> Option<f64> {
    text.trim().parse().ok()
}

/// An integer (`2`, `-1`); spaces around it are ignored.
pub fn integer(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// A number of bytes, with PHP's quantity suffixes (`K`, `M`, `G`: powers of 1024, either
/// case), as `memory_limit` takes them.
pub fn quantity(text: &str) -> Option<i64> {
    let text = text.trim();
    let (digits, shift) = match text.as_bytes().last()? {
        b'k' | b'K' => (&text[..text.len() - 1], 10),
        b'm' | b'M' => (&text[..text.len() - 1], 20),
        b'g' | b'G' => (&text[..text.len() - 1], 30),
        _ => (text, 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok()?.checked_mul(1_i64 << shift)
}

/// A value quoted in a message: numbers only reach here, but cut anyway (a file may hold
/// anything).
fn shown(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    let cut: String = text.chars().take(MAX_CHARS).collect();
    let ellipsis = if cut.len() < text.len() { "..." } else { "" };
    format!("{cut:?}{ellipsis}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may
mod tests {
    use super::*;

    fn setter(option: &str) -> Setter<Options> {
        OPTIONS
            .iter()
            .find(|(name, _)| *name == option)
            .map(|(_, setter)| *setter)
            .unwrap()
    }

    fn set(option: &str, text: &str) -> Result<Options, SettingError> {
        apply(Options::default(), option, setter(option), text.as_bytes())
    }

    fn refused(option: &str, text: &str) -> String {
        let error = set(option, text).unwrap_err();
        assert_eq!(error.entry, format!("dingtalk.{option}"));
        error.reason
    }

    #[test]
    fn every_option_has_an_entry_named_after_it() {
        assert_eq!(entries().len(), OPTIONS.len());
        for ((option, _), entry) in OPTIONS.iter().zip(entries()) {
            assert_eq!(entry, &format!("dingtalk.{option}"));
        }
    }

    #[test]
    fn an_empty_value_is_not_set() {
        for (option, setter) in OPTIONS {
            let options = apply(Options::default(), option, setter, b"").unwrap();
            assert_eq!(options, Options::default(), "{option}");
        }
    }

    #[test]
    fn values_go_through_the_cores_setters() {
        let expected = Options::default()
            .timeout(2.5)
            .unwrap()
            .retries(0)
            .unwrap()
            .max_answer_bytes(2 << 20)
            .unwrap()
            .base_url("http://127.0.0.1:8080")
            .unwrap();
        let mut options = Options::default();
        for (option, text) in [
            ("timeout", " 2.5 "),
            ("retries", "0"),
            ("max_answer_bytes", "2M"),
            ("base_url", "http://127.0.0.1:8080/"),
        ] {
            options = apply(options, option, setter(option), text.as_bytes()).unwrap();
        }
        assert_eq!(options, expected);
    }

    #[test]
    fn bad_values_name_the_entry_with_the_cores_reason() {
        assert!(refused("timeout", "0").contains("greater than 0"));
        assert!(refused("timeout", "10s").contains("must be a number of seconds, \"10s\" given"));
        assert!(refused("connect_timeout", "NaN").contains("number of seconds"));
        assert!(refused("retries", "11").contains("between 0 and 10"));
        assert!(refused("retries", "2.0").contains("must be an integer"));
        assert!(refused("token_margin", "-1").contains("0 or more"));
        assert!(refused("base_url", "ftp://x").contains("http or https"));
        assert!(refused("api_base_url", "notaurl").contains("valid URL"));
        assert!(refused("ca_file", "/nonexistent.pem").contains("cannot be read"));
        assert!(refused("user_agent", "a\u{1}b").contains("header value"));
        assert!(refused("max_answer_bytes", "1023").contains("between 1024"));
        assert!(refused("max_answer_bytes", "lots").contains("number of bytes"));
        let not_utf8 = apply(Options::default(), "proxy", setter("proxy"), b"\xff").unwrap_err();
        assert_eq!(not_utf8.reason, NOT_UTF8);
    }

    #[test]
    fn a_proxy_password_is_not_quoted() {
        let reason = refused("proxy", "ftp://user:hunter22@proxy.invalid");
        assert!(!reason.contains("hunter22"), "{reason}");
    }

    #[test]
    fn quoted_values_are_cut() {
        let reason = refused("timeout", &"x".repeat(400));
        assert!(reason.len() < 120, "{reason}");
        assert!(reason.ends_with("xx\"... given"), "{reason}");
    }

    #[test]
    fn numbers_read_as_php_ini_files_write_them() {
        assert_eq!(number("10"), Some(10.0));
        assert_eq!(number(" 0.5"), Some(0.5));
        assert_eq!(number("1e3"), Some(1000.0));
        assert_eq!(number(""), None);
        assert_eq!(number("10s"), None);
        assert_eq!(integer(" 3 "), Some(3));
        assert_eq!(integer("3.0"), None);
        assert_eq!(integer("0x10"), None);
    }

    #[test]
    fn quantities_take_phps_suffixes() {
        assert_eq!(quantity("4194304"), Some(4_194_304));
        assert_eq!(quantity("4096K"), Some(4_194_304));
        assert_eq!(quantity("4m"), Some(4_194_304));
        assert_eq!(quantity("1G"), Some(1 << 30));
        assert_eq!(quantity(" 2M "), Some(2 << 20));
        for bad in [
            "",
            "M",
            "-1M",
            "+1",
            "1.5M",
            "1T",
            "4 M",
            "9223372036854775807K",
        ] {
            assert_eq!(quantity(bad), None, "{bad:?}");
        }
    }
}
