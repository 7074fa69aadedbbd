//! The command line as flags and their values: `--flag value` or `--flag=value` for the flags
//! that take one, `--flag` alone for the others.

use std::ffi::OsString;

/// The flags that take a value.
const VALUE_FLAGS: [&str; 18] = [
    "--listen",
    "--app",
    "--token-ttl",
    "--qps-limit",
    "--cert-out",
    "--user",
    "--push-url",
    "--push-token",
    "--push-aes-key",
    "--push-receive-id",
    "--push-retry-delays",
    "--push-timeout",
    "--stream-ping-interval",
    "--stream-redelivery-delay",
    "--stream-ticket-ttl",
    "--webhook-limit",
    "--webhook-mute",
    "--agent",
];

/// The arguments after the program name.
pub struct Args<I> {
    args: I,
}

impl<I: Iterator<Item = OsString>> Args<I> {
    pub fn new(args: impl IntoIterator<Item = OsString, IntoIter = I>) -> Self {
        Args {
            args: args.into_iter(),
        }
    }

    /// The next flag and its value (empty for a flag that takes none); `None` at the end.
    pub fn next_flag(&mut self) -> Result<Option<(String, String)>, String> {
        let Some(arg) = self.args.next() else {
            return Ok(None);
        };
        let arg = arg
            .into_string()
            .map_err(|a| format!("argument is not valid UTF-8: {a:?}"))?;
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let value = if VALUE_FLAGS.contains(&flag.as_str()) {
            match inline {
                Some(value) => value,
                None => self
                    .args
                    .next()
                    .ok_or_else(|| format!("{flag} needs a value"))?
                    .into_string()
                    .map_err(|v| format!("value of {flag} is not valid UTF-8: {v:?}"))?,
            }
        } else if inline.is_some() {
            return Err(format!("{flag} takes no value"));
        } else {
            String::new()
        };
        Ok(Some((flag, value)))
    }
}
