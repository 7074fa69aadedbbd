//! Reading one flag's value; an error is a one-line reason that names the flag.

use std::time::Duration;

/// `A:B` split at the first `:`, both parts non-empty.
pub fn pair(flag: &str, shape: &str, value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_owned(), b.to_owned())),
        _ => Err(format!(
            "{flag} needs {shape} with both parts non-empty, got {value:?}"
        )),
    }
}

/// `HOST:PORT` (an IPv6 host in brackets); the host may be a name such as localhost.
pub fn listen(value: &str) -> Result<String, String> {
    if value.parse::<std::net::SocketAddr>().is_ok() {
        return Ok(value.to_owned());
    }
    match value.rsplit_once(':') {
        Some((host, port))
            if !host.is_empty() && !host.contains(':') && port.parse::<u16>().is_ok() =>
        {
            Ok(value.to_owned())
        }
        _ => Err(format!("--listen needs HOST:PORT, got {value:?}")),
    }
}

/// Seconds as a decimal number: `0.05`, `10`. At most an hour.
pub fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    match value.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && (0.0..=3600.0).contains(&secs) => {
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err(format!(
            "{flag} needs seconds between 0 and 3600, got {value:?}"
        )),
    }
}

/// Seconds as [`seconds`], but more than 0.
pub fn positive_seconds(flag: &str, value: &str) -> Result<Duration, String> {
    let secs = seconds(flag, value)?;
    if secs.is_zero() {
        return Err(format!("{flag} needs more than 0 seconds, got {value:?}"));
    }
    Ok(secs)
}

/// `10,30`: one delay per retry; empty for no retries.
pub fn delays(flag: &str, value: &str) -> Result<Vec<Duration>, String> {
    if value.trim().is_empty() {
        return Ok(Vec::new());
    }
    value.split(',').map(|part| seconds(flag, part)).collect()
}

/// A whole number above 0.
pub fn positive<T: std::str::FromStr + PartialOrd + Default>(
    flag: &str,
    value: &str,
) -> Result<T, String> {
    match value.parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err(format!(
            "{flag} needs a positive whole number, got {value:?}"
        )),
    }
}
