//! The URL options: the two API hosts (`base_url`, `api_base_url`) and `proxy`, checked when
//! they are set, so that a value the transport would misread fails before any request.

use crate::error::{Error, Result};

/// Proxy schemes that work: HTTP CONNECT proxies, and SOCKS5 (`socks5h`: the proxy resolves the
/// host name).
const PROXY_SCHEMES: [&str; 4] = ["http", "https", "socks5", "socks5h"];

/// A host URL option: `http` or `https`, no query, fragment or credentials. Stored normalised
/// (`/a/../b` is `/b`) and without its trailing slash, so that an API path can be appended; a
/// path is a prefix of every call.
pub(crate) fn host_url(name: &str, url: &str) -> Result<String> {
    // The URL parser would quietly drop surrounding spaces and inner tabs or newlines; a value
    // that needs that is a mistake better named here than in every later call.
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            name,
            "must not hold spaces or control characters",
        ));
    }
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::invalid(name, format!("is not a valid URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::invalid(
            name,
            format!("must use http or https, \"{}\" given", parsed.scheme()),
        ));
    }
    // A password without a user is still a credential (sent as Basic authorization).
    let credentials = !parsed.username().is_empty() || parsed.password().is_some();
    if parsed.query().is_some() || parsed.fragment().is_some() || credentials {
        return Err(Error::invalid(
            name,
            "must not hold a query, a fragment or credentials",
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// A proxy URL for every request: `http://`, `https://`, `socks5://` or `socks5h://`, with a
/// host. Neither the URL nor the parser's error is quoted: a proxy URL may hold a password.
pub(crate) fn proxy_url(url: &str) -> Result<String> {
    const NAME: &str = "options[proxy]";
    let parsed = reqwest::Url::parse(url)
        .ok()
        .filter(|p| p.has_host())
        .ok_or_else(|| Error::invalid(NAME, "is not a valid proxy URL"))?;
    if !PROXY_SCHEMES.contains(&parsed.scheme()) {
        return Err(Error::invalid(
            NAME,
            format!(
                "must use one of {}, \"{}\" given",
                PROXY_SCHEMES.join(", "),
                parsed.scheme()
            ),
        ));
    }
    reqwest::Proxy::all(url).map_err(|_| Error::invalid(NAME, "is not a valid proxy URL"))?;
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use crate::config::Options;
    use crate::error::Error;

    #[test]
    fn proxies_the_transport_cannot_use_are_refused() {
        for good in [
            "http://127.0.0.1:3128",
            "https://proxy.invalid",
            "socks5://127.0.0.1:1080",
            "socks5h://user:pw@127.0.0.1:1080",
        ] {
            assert!(Options::default().proxy(good).is_ok(), "{good}");
        }
        for bad in [
            "ftp://127.0.0.1:21",
            "socks4://127.0.0.1:1080",
            "file:///tmp/x",
            "http://",
            "127.0.0.1:3128",
        ] {
            let error = Options::default().proxy(bad).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidArgument { name, .. } if name == "options[proxy]"),
                "{bad}: {error:?}"
            );
        }
        let secret = Options::default()
            .proxy("ftp://user:hunter22@proxy.invalid")
            .unwrap_err();
        assert!(!secret.to_string().contains("hunter22"), "{secret}");
    }

    #[test]
    fn base_urls_that_would_be_misread_are_refused() {
        for bad in [
            "http://:pw@127.0.0.1:8080",
            "http://user@127.0.0.1:8080",
            " http://127.0.0.1:8080",
            "http://127.0.0.1:8080 ",
            "http://127.0.0.1:8080/a\tb",
            "http://127.0.0.1:8080/#x",
        ] {
            assert!(
                matches!(
                    Options::default().base_url(bad),
                    Err(Error::InvalidArgument { name, .. }) if name == "options[base_url]"
                ),
                "{bad:?}"
            );
        }
        let o = Options::default()
            .base_url("http://127.0.0.1:8080/a/../b/./c/")
            .unwrap();
        assert_eq!(o.base_url, "http://127.0.0.1:8080/b/c");
    }

    #[test]
    fn trims_the_trailing_slash_of_the_base_url() {
        let o = Options::default()
            .base_url("http://127.0.0.1:8080/")
            .unwrap();
        assert_eq!(o.base_url, "http://127.0.0.1:8080");
        assert!(Options::default().token_margin(0.0).is_ok());
    }
}
