//! Command-line parsing for the `dingtalk-emulator` binary.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use dingtalk_emulator::{Config, PushConfig};

pub const HELP: &str = "\
dingtalk-emulator: a local, in-memory DingTalk server for tests, demos and benchmarks

USAGE:
    dingtalk-emulator [OPTIONS]

OPTIONS:
    --listen ADDR        address to listen on [default: 127.0.0.1:8080]; port 0 picks
                         a free port
    --app KEY:SECRET     an app that may fetch tokens; repeat for more (split at the
                         first ':') [default: demo_app_key:demo_app_secret]
    --token-ttl SECS     access-token lifetime in seconds [default: 7200]
    --qps-limit N        answer errcode 90018 (v1.0: HTTP 403) past N calls per second
                         per app per API [default: no limit]
    --user USERID:UNIONID
                         a user with this unionId; repeat for more. Without
                         --strict-users every other userid exists too, with the
                         unionId `union-USERID`
    --strict-users       only the --user users exist; others answer errcode 60121
    --tls-self-signed    serve HTTPS with a certificate for 127.0.0.1, ::1 and
                         localhost, made at start
    --cert-out FILE      write that certificate (PEM) to FILE, for clients to trust
    --push-url URL       push events to URL (http://) as DingTalk's HTTP push does:
                         check_url at start, then every event raised
    --push-token T       the event subscription's token (needed with --push-url)
    --push-aes-key K     its 43-character aesKey (needed with --push-url)
    --push-receive-id ID the receiveId sealed into pushes [default: the first --app's key]
    --push-retry-delays LIST
                         seconds before each new push of an unacknowledged event,
                         comma-separated, fractions allowed, empty for none
                         [default: 10,30]
    --push-timeout SECS  how long an answer may take [default: 2.5]
    --stream-ping-interval SECS
                         how often every Stream connection gets a ping frame
                         [default: 30]
    --stream-redelivery-delay SECS
                         how long a Stream event not acknowledged SUCCESS waits
                         before it is delivered again [default: 10]
    --stream-ticket-ttl SECS
                         how long a Stream ticket may be used [default: 90]
    -h, --help           print this help
    -V, --version        print the version

The first line on stdout is `listening on http://HOST:PORT` (or https://).
SIGTERM or SIGINT stops the server (exit 0). Bad options exit 2.

DingTalk endpoints: GET /gettoken, POST /v1.0/oauth2/accessToken,
POST /topapi/workrecord/{add,update,getbyuserid}, POST /topapi/v2/user/get,
POST /topapi/user/getbyunionid, /v1.0/todo/users/{unionId}/tasks... (to-dos),
POST /v1.0/gateway/connections/open and the WebSocket at /connect (Stream mode).
Control API for tests: /_emulator/{faults,expire-tokens,stats,reset,records,todos,push,events},
/_emulator/stream/{disconnect,drop,silence,refuse-tickets,send}.
";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    /// Boxed: the options are far larger than the other variants.
    Run(Box<Options>),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    pub listen: String,
    pub config: Config,
    pub cert_out: Option<PathBuf>,
}

/// `A:B` split at the first `:`, both parts non-empty.
fn parse_pair(flag: &str, shape: &str, value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_owned(), b.to_owned())),
        _ => Err(format!(
            "{flag} needs {shape} with both parts non-empty, got {value:?}"
        )),
    }
}

/// `HOST:PORT` (an IPv6 host in brackets); the host may be a name such as localhost.
fn parse_listen(value: &str) -> Result<String, String> {
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
fn parse_seconds(flag: &str, value: &str) -> Result<Duration, String> {
    match value.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && (0.0..=3600.0).contains(&secs) => {
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err(format!(
            "{flag} needs seconds between 0 and 3600, got {value:?}"
        )),
    }
}

/// Seconds as [`parse_seconds`], but more than 0.
fn parse_positive_seconds(flag: &str, value: &str) -> Result<Duration, String> {
    let secs = parse_seconds(flag, value)?;
    if secs.is_zero() {
        return Err(format!("{flag} needs more than 0 seconds, got {value:?}"));
    }
    Ok(secs)
}

/// `10,30`: one delay per retry; empty for no retries.
fn parse_delays(value: &str) -> Result<Vec<Duration>, String> {
    if value.trim().is_empty() {
        return Ok(Vec::new());
    }
    value
        .split(',')
        .map(|part| parse_seconds("--push-retry-delays", part))
        .collect()
}

/// The push flags, collected before they are checked together.
#[derive(Default)]
struct PushFlags {
    url: Option<String>,
    token: Option<String>,
    aes_key: Option<String>,
    receive_id: Option<String>,
    retry_delays: Option<Vec<Duration>>,
    timeout: Option<Duration>,
}

impl PushFlags {
    fn into_config(self) -> Result<Option<PushConfig>, String> {
        let (Some(url), Some(token), Some(aes_key)) = (&self.url, &self.token, &self.aes_key)
        else {
            if self.url.is_none()
                && self.token.is_none()
                && self.aes_key.is_none()
                && self.receive_id.is_none()
                && self.retry_delays.is_none()
                && self.timeout.is_none()
            {
                return Ok(None);
            }
            return Err("--push-url, --push-token and --push-aes-key go together".to_owned());
        };
        if !url.starts_with("http://") {
            return Err(format!("--push-url needs an http:// URL, got {url:?}"));
        }
        if token.is_empty() {
            return Err("--push-token must not be empty".to_owned());
        }
        let valid_key = aes_key.len() == 43
            && aes_key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
        if !valid_key {
            return Err("--push-aes-key needs 43 base64 characters".to_owned());
        }
        let mut push = PushConfig::new(url, token, aes_key);
        if let Some(receive_id) = self.receive_id.filter(|id| !id.is_empty()) {
            push.receive_id = Some(receive_id);
        }
        if let Some(delays) = self.retry_delays {
            push.retry_delays = delays;
        }
        if let Some(timeout) = self.timeout {
            push.timeout = timeout;
        }
        Ok(Some(push))
    }
}

fn parse_positive<T: std::str::FromStr + PartialOrd + Default>(
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

/// Parses the arguments after the program name. An error is a one-line reason.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut listen = String::from("127.0.0.1:8080");
    let mut apps: Vec<(String, String)> = Vec::new();
    let mut users: Vec<(String, String)> = Vec::new();
    let mut config = Config::default();
    let mut cert_out = None;
    let mut push = PushFlags::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("argument is not valid UTF-8: {a:?}"))?;
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let takes_value = matches!(
            flag.as_str(),
            "--listen"
                | "--app"
                | "--token-ttl"
                | "--qps-limit"
                | "--cert-out"
                | "--user"
                | "--push-url"
                | "--push-token"
                | "--push-aes-key"
                | "--push-receive-id"
                | "--push-retry-delays"
                | "--push-timeout"
                | "--stream-ping-interval"
                | "--stream-redelivery-delay"
                | "--stream-ticket-ttl"
        );
        let value = if takes_value {
            match inline {
                Some(value) => value,
                None => args
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
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => listen = parse_listen(&value)?,
            "--app" => {
                let app = parse_pair(&flag, "KEY:SECRET", &value)?;
                if apps.iter().any(|(key, _)| *key == app.0) {
                    return Err(format!("--app {} given twice", app.0));
                }
                apps.push(app);
            }
            "--token-ttl" => {
                config.token_ttl = Duration::from_secs(parse_positive(&flag, &value)?);
            }
            "--qps-limit" => config.qps_limit = Some(parse_positive(&flag, &value)?),
            "--user" => {
                let user = parse_pair(&flag, "USERID:UNIONID", &value)?;
                if users.iter().any(|(userid, _)| *userid == user.0) {
                    return Err(format!("--user {} given twice", user.0));
                }
                if users.iter().any(|(_, union_id)| *union_id == user.1) {
                    return Err(format!("unionId {} given to two --user", user.1));
                }
                users.push(user);
            }
            "--strict-users" => config.strict_users = true,
            "--tls-self-signed" => config.tls = true,
            "--cert-out" => cert_out = Some(PathBuf::from(value)),
            "--push-url" => push.url = Some(value),
            "--push-token" => push.token = Some(value),
            "--push-aes-key" => push.aes_key = Some(value),
            "--push-receive-id" => push.receive_id = Some(value),
            "--push-retry-delays" => push.retry_delays = Some(parse_delays(&value)?),
            "--push-timeout" => push.timeout = Some(parse_seconds(&flag, &value)?),
            "--stream-ping-interval" => {
                config.stream.ping_interval = parse_positive_seconds(&flag, &value)?;
            }
            "--stream-redelivery-delay" => {
                config.stream.redelivery_delay = parse_seconds(&flag, &value)?;
            }
            "--stream-ticket-ttl" => {
                config.stream.ticket_ttl = parse_positive_seconds(&flag, &value)?;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if cert_out.is_some() && !config.tls {
        return Err("--cert-out needs --tls-self-signed".to_owned());
    }
    if !apps.is_empty() {
        config.apps = apps;
    }
    config.users = users;
    config.push = push.into_config()?;
    Ok(Command::Run(Box::new(Options {
        listen,
        config,
        cert_out,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_43: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    fn run(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn defaults() {
        let Ok(Command::Run(options)) = run(&[]) else {
            panic!("expected options");
        };
        assert_eq!(options.listen, "127.0.0.1:8080");
        assert_eq!(options.config, Config::default());
        assert_eq!(options.cert_out, None);
    }

    #[test]
    fn every_option() {
        let parsed = run(&[
            "--listen=localhost:0",
            "--app",
            "k1:s:with:colons",
            "--app=k2:s2",
            "--token-ttl",
            "3",
            "--qps-limit",
            "5",
            "--tls-self-signed",
            "--cert-out",
            "/tmp/c.pem",
            "--user",
            "boss:U1",
            "--user=clerk:U2:x",
            "--strict-users",
            "--stream-ping-interval=0.25",
            "--stream-redelivery-delay",
            "0",
            "--stream-ticket-ttl",
            "2",
        ]);
        let Ok(Command::Run(options)) = parsed else {
            panic!("expected options, got {parsed:?}");
        };
        assert_eq!(options.listen, "localhost:0");
        assert_eq!(
            options.config.apps,
            [
                ("k1".to_owned(), "s:with:colons".to_owned()),
                ("k2".to_owned(), "s2".to_owned())
            ]
        );
        assert_eq!(options.config.token_ttl, Duration::from_secs(3));
        assert_eq!(options.config.qps_limit, Some(5));
        assert!(options.config.tls);
        assert_eq!(
            options.config.users,
            [
                ("boss".to_owned(), "U1".to_owned()),
                ("clerk".to_owned(), "U2:x".to_owned())
            ]
        );
        assert!(options.config.strict_users);
        assert_eq!(
            options.config.stream,
            dingtalk_emulator::StreamConfig {
                ping_interval: Duration::from_millis(250),
                redelivery_delay: Duration::ZERO,
                ticket_ttl: Duration::from_secs(2),
            }
        );
        assert_eq!(options.cert_out, Some(PathBuf::from("/tmp/c.pem")));
    }

    #[test]
    fn push_options() {
        let key = "1234567890123456789012345678901234567890123";
        let parsed = run(&[
            "--push-url",
            "http://127.0.0.1:9/cb?x=1",
            "--push-token",
            "tok",
            "--push-aes-key",
            key,
            "--push-retry-delays",
            "0.05, 1",
            "--push-timeout=0.5",
        ]);
        let Ok(Command::Run(options)) = parsed else {
            panic!("expected options, got {parsed:?}");
        };
        let push = options.config.push.expect("push config");
        assert_eq!(push.url, "http://127.0.0.1:9/cb?x=1");
        assert_eq!((push.token.as_str(), push.aes_key.as_str()), ("tok", key));
        assert_eq!(push.receive_id, None);
        assert_eq!(
            push.retry_delays,
            [Duration::from_millis(50), Duration::from_secs(1)]
        );
        assert_eq!(push.timeout, Duration::from_millis(500));
        // Defaults: DingTalk's delays and timeout.
        let Ok(Command::Run(options)) = run(&[
            "--push-url=http://h/",
            "--push-token=t",
            &format!("--push-aes-key={key}"),
            "--push-receive-id=dingapp",
            "--push-retry-delays=",
        ]) else {
            panic!("expected options");
        };
        let push = options.config.push.expect("push config");
        assert_eq!(push.receive_id.as_deref(), Some("dingapp"));
        assert!(push.retry_delays.is_empty());
        assert_eq!(push.timeout, Duration::from_millis(2500));
        assert!(!format!("{push:?}").contains(key), "Debug hides the aesKey");
        assert_eq!(
            PushConfig::new("u", "t", key).retry_delays,
            [Duration::from_secs(10), Duration::from_secs(30)]
        );
    }

    #[test]
    fn bad_input_is_a_one_line_reason() {
        for bad in [
            &["--nope"][..],
            &["--listen"],
            &["--listen", "8080"],
            &["--listen", "127.0.0.1"],
            &["--listen", "::1:80"],
            &["--listen", "host:99999"],
            &["--app", "nocolon"],
            &["--app", ":secret"],
            &["--app", "a:b", "--app", "a:c"],
            &["--token-ttl", "0"],
            &["--token-ttl", "-5"],
            &["--qps-limit", "many"],
            &["--cert-out", "x.pem"],
            &["--tls-self-signed=yes"],
            &["--strict-users=1"],
            &["--user", "nounion"],
            &["--user", ":U1"],
            &["--user", "a:U1", "--user", "a:U2"],
            &["--user", "a:U1", "--user", "b:U1"],
            &["positional"],
            &["--push-url", "http://h/"],
            &["--push-token", "t", "--push-aes-key", "k"],
            &[
                "--push-url",
                "https://h/",
                "--push-token",
                "t",
                "--push-aes-key",
                KEY_43,
            ],
            &[
                "--push-url",
                "http://h/",
                "--push-token",
                "t",
                "--push-aes-key",
                "short",
            ],
            &[
                "--push-url",
                "http://h/",
                "--push-token",
                "",
                "--push-aes-key",
                KEY_43,
            ],
            &["--push-retry-delays", "10,x"],
            &["--push-retry-delays", "-1"],
            &["--push-timeout", "NaN"],
            &["--stream-ping-interval", "0"],
            &["--stream-redelivery-delay", "-1"],
            &["--stream-ticket-ttl", "x"],
        ] {
            let error = run(bad).expect_err(&format!("{bad:?} should fail"));
            assert!(!error.contains('\n'), "{error}");
        }
        assert!(matches!(run(&["--listen", "[::1]:0"]), Ok(Command::Run(_))));
        assert_eq!(run(&["--help"]), Ok(Command::Help));
        assert_eq!(run(&["-V"]), Ok(Command::Version));
    }
}
