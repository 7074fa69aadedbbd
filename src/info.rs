//! `php --ri dingtalk` and the extension's section of `phpinfo()`: what was built, this
//! process's state, and the ini entries in force. Counts and settings only: no key, secret or
//! token is ever shown, and a URL's credentials (a proxy's password) are masked.

use std::borrow::Cow;
use std::ffi::{c_char, CString};

use ext_php_rs::ffi::{php_info_print_table_end, php_info_print_table_header};
use ext_php_rs::ffi::{php_info_print_table_row, php_info_print_table_start};
use ext_php_rs::zend::ModuleEntry;

use crate::client::ini;
use crate::php::ini::settings;
use crate::php::throw::visible;

/// What this build is made of (see `build.rs`).
const BUILD: [(&str, &str); 6] = [
    ("version", dingtalk_core::VERSION),
    ("git commit", env!("DINGTALK_GIT_COMMIT")),
    ("rustc", env!("DINGTALK_RUSTC_VERSION")),
    ("ext-php-rs", env!("DINGTALK_EXT_PHP_RS_VERSION")),
    ("reqwest", env!("DINGTALK_REQWEST_VERSION")),
    ("rustls", env!("DINGTALK_RUSTLS_VERSION")),
];

/// How PHP shows an empty ini value.
const NO_VALUE: &str = "no value";

/// A cell as the engine needs it: NUL-terminated, an inner NUL shown as `\0` (never a panic).
fn cell(text: &str) -> CString {
    CString::new(visible(text).as_ref()).unwrap_or_default()
}

/// One row of two or three cells; `header` makes it a header row.
fn row(header: bool, cells: &[&str]) {
    let cells: Vec<CString> = cells.iter().map(|text| cell(text)).collect();
    let ptr = |i: usize| cells.get(i).map_or(c"".as_ptr(), |c| c.as_ptr());
    let print = if header {
        php_info_print_table_header
    } else {
        php_info_print_table_row
    };
    let (a, b, c): (*const c_char, *const c_char, *const c_char) = (ptr(0), ptr(1), ptr(2));
    // SAFETY: the engine reads `count` NUL-terminated strings, which outlive the call.
    unsafe {
        if cells.len() >= 3 {
            print(3, a, b, c);
        } else {
            print(2, a, b);
        }
    }
}

/// An ini value as shown: PHP's "no value" when empty, invalid UTF-8 replaced, and a URL's
/// credentials masked.
pub fn shown(value: &[u8]) -> Cow<'static, str> {
    if value.is_empty() {
        return Cow::Borrowed(NO_VALUE);
    }
    Cow::Owned(without_credentials(&String::from_utf8_lossy(value)))
}

/// `text` with the user information of a URL (`user:password@`) replaced by `***@`. Any text
/// that has `://` and an `@` before the next `/` counts, valid URL or not.
pub fn without_credentials(text: &str) -> String {
    let Some(scheme_end) = text.find("://").map(|at| at + 3) else {
        return text.to_owned();
    };
    let rest = &text[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &text[..scheme_end], &rest[at..]),
        None => text.to_owned(),
    }
}

/// Prints the section (the engine's `info_func`). Never panics: a panic here would abort.
pub extern "C" fn info(_module: *mut ModuleEntry) {
    // SAFETY (every call below): the engine calls this while it prints module information,
    // which is when its table functions may be used.
    unsafe { php_info_print_table_start() };
    row(false, &["dingtalk support", "enabled"]);
    for (name, value) in BUILD {
        row(false, &[name, value]);
    }
    unsafe { php_info_print_table_end() };

    let state = dingtalk_core::process_stats();
    unsafe { php_info_print_table_start() };
    row(
        true,
        &["this process", &format!("pid {}", std::process::id())],
    );
    for (name, count) in [
        ("apps with a cached token", state.apps_with_token),
        ("pooled HTTP clients", state.http_clients),
        ("requests", state.requests),
        ("token fetches", state.token_fetches),
        ("retries", state.retries),
    ] {
        row(false, &[name, &count.to_string()]);
    }
    unsafe { php_info_print_table_end() };

    let entries = ini::entries();
    unsafe { php_info_print_table_start() };
    row(true, &["Directive", "Local Value", "Master Value"]);
    for (name, setting) in entries
        .iter()
        .zip(settings(entries.iter().map(String::as_str)))
    {
        let (local, master) = setting
            .map_or((Cow::Borrowed(NO_VALUE), Cow::Borrowed(NO_VALUE)), |s| {
                (shown(&s.local), shown(&s.master))
            });
        row(false, &[name, &local, &master]);
    }
    unsafe { php_info_print_table_end() };
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may
mod tests {
    use super::*;

    #[test]
    fn url_credentials_are_masked() {
        assert_eq!(
            without_credentials("socks5h://user:hunter22@127.0.0.1:1080"),
            "socks5h://***@127.0.0.1:1080"
        );
        assert_eq!(
            without_credentials("http://:pw@proxy.invalid/a@b"),
            "http://***@proxy.invalid/a@b"
        );
        assert_eq!(
            without_credentials("redis://u:p@ss@host:6379?db=1"),
            "redis://***@host:6379?db=1"
        );
        for plain in [
            "http://127.0.0.1:8080/path@x",
            "https://oapi.dingtalk.com",
            "/etc/ssl/ca.pem",
            "app/1.0 (ops@example.com)",
        ] {
            assert_eq!(without_credentials(plain), plain);
        }
    }

    #[test]
    fn values_are_shown_as_php_shows_them() {
        assert_eq!(shown(b""), "no value");
        assert_eq!(shown(b"10"), "10");
        assert_eq!(shown(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(shown(b"http://u:p@h"), "http://***@h");
    }

    #[test]
    fn a_nul_becomes_visible_instead_of_a_panic() {
        assert_eq!(cell("a\0b").to_str().unwrap(), "a\\0b");
    }

    #[test]
    fn every_build_fact_is_filled_in() {
        for (name, value) in BUILD {
            assert!(!value.is_empty(), "{name}");
        }
        assert_eq!(BUILD[3].1, "0.16.4", "ext-php-rs is pinned");
    }
}
