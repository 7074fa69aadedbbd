//! Command-line parsing for the `dingtalk-emulator` binary.
//!
//! - `args`: the arguments as flags and values; `values`: one value read, by its shape.
//! - `push`: the `--push-*` flags, checked together.
//! - `help`: the text of `--help`.

mod args;
mod help;
mod push;
mod values;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use dingtalk_emulator::{Config, StreamConfig};

use args::Args;
pub use help::HELP;
use push::PushFlags;

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
    /// Stop when stdin reaches its end: when whoever started the emulator with a pipe as its
    /// stdin is gone, even killed, the emulator does not outlive it.
    pub exit_with_stdin: bool,
}

/// Parses the arguments after the program name. An error is a one-line reason.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut args = Args::new(args);
    let mut options = Builder::default();
    while let Some((flag, value)) = args.next_flag()? {
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            _ => options.set(&flag, value)?,
        }
    }
    Ok(Command::Run(Box::new(options.finish()?)))
}

/// The options as the flags come, checked together at the end.
struct Builder {
    listen: String,
    apps: Vec<(String, String)>,
    users: Vec<(String, String)>,
    config: Config,
    cert_out: Option<PathBuf>,
    exit_with_stdin: bool,
    push: PushFlags,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            listen: String::from("127.0.0.1:8080"),
            apps: Vec::new(),
            users: Vec::new(),
            config: Config::default(),
            cert_out: None,
            exit_with_stdin: false,
            push: PushFlags::default(),
        }
    }
}

impl Builder {
    /// Takes one flag.
    fn set(&mut self, flag: &str, value: String) -> Result<(), String> {
        let config = &mut self.config;
        match flag {
            "--listen" => self.listen = values::listen(&value)?,
            "--tls-self-signed" => config.tls = true,
            "--cert-out" => self.cert_out = Some(PathBuf::from(value)),
            "--app" => self.add_app(flag, &value)?,
            "--token-ttl" => {
                config.token_ttl = Duration::from_secs(values::positive(flag, &value)?);
            }
            "--qps-limit" => config.qps_limit = Some(values::positive(flag, &value)?),
            "--user" => self.add_user(flag, &value)?,
            "--strict-users" => config.strict_users = true,
            "--exit-with-stdin" => self.exit_with_stdin = true,
            "--webhook-limit" => config.webhook.limit = values::positive(flag, &value)?,
            "--webhook-mute" => config.webhook.mute = values::seconds(flag, &value)?,
            "--agent" => self.add_agent(flag, &value)?,
            _ if flag.starts_with("--push-") => self.push.set(flag, value)?,
            _ if flag.starts_with("--stream-") => set_stream(&mut config.stream, flag, &value)?,
            "--session-webhook-ttl" => {
                config.stream.session_webhook_ttl = values::positive_seconds(flag, &value)?;
            }
            other => return Err(format!("unknown option {other}")),
        }
        Ok(())
    }

    /// `--app KEY:SECRET`; a key given twice is a mistake.
    fn add_app(&mut self, flag: &str, value: &str) -> Result<(), String> {
        let app = values::pair(flag, "KEY:SECRET", value)?;
        if self.apps.iter().any(|(key, _)| *key == app.0) {
            return Err(format!("--app {} given twice", app.0));
        }
        self.apps.push(app);
        Ok(())
    }

    /// `--user USERID:UNIONID`; either id given twice is a mistake.
    fn add_user(&mut self, flag: &str, value: &str) -> Result<(), String> {
        let user = values::pair(flag, "USERID:UNIONID", value)?;
        if self.users.iter().any(|(userid, _)| *userid == user.0) {
            return Err(format!("--user {} given twice", user.0));
        }
        if self.users.iter().any(|(_, union_id)| *union_id == user.1) {
            return Err(format!("unionId {} given to two --user", user.1));
        }
        self.users.push(user);
        Ok(())
    }

    /// `--agent KEY:AGENT_ID`; an app given two is a mistake.
    fn add_agent(&mut self, flag: &str, value: &str) -> Result<(), String> {
        let (key, agent_id) = values::pair(flag, "KEY:AGENT_ID", value)?;
        let agent_id = values::positive(flag, &agent_id)?;
        let agents = &mut self.config.agents;
        if agents.iter().any(|(known, _)| *known == key) {
            return Err(format!("--agent {key} given twice"));
        }
        agents.push((key, agent_id));
        Ok(())
    }

    /// The options, once the flags that go together are checked.
    fn finish(self) -> Result<Options, String> {
        let mut config = self.config;
        if self.cert_out.is_some() && !config.tls {
            return Err("--cert-out needs --tls-self-signed".to_owned());
        }
        if !self.apps.is_empty() {
            config.apps = self.apps;
        }
        config.users = self.users;
        config.push = self.push.into_config()?;
        Ok(Options {
            listen: self.listen,
            config,
            cert_out: self.cert_out,
            exit_with_stdin: self.exit_with_stdin,
        })
    }
}

/// Takes one `--stream-*` flag.
fn set_stream(stream: &mut StreamConfig, flag: &str, value: &str) -> Result<(), String> {
    match flag {
        "--stream-ping-interval" => stream.ping_interval = values::positive_seconds(flag, value)?,
        "--stream-redelivery-delay" => stream.redelivery_delay = values::seconds(flag, value)?,
        "--stream-ticket-ttl" => stream.ticket_ttl = values::positive_seconds(flag, value)?,
        "--stream-disconnect-grace" => stream.disconnect_grace = values::seconds(flag, value)?,
        other => return Err(format!("unknown option {other}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dingtalk_emulator::PushConfig;

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
            "--stream-disconnect-grace=0.5",
            "--session-webhook-ttl=60",
            "--webhook-limit=100",
            "--webhook-mute",
            "0.5",
            "--agent",
            "k1:12345",
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
                disconnect_grace: Duration::from_millis(500),
                session_webhook_ttl: Duration::from_secs(60),
            }
        );
        assert_eq!(options.cert_out, Some(PathBuf::from("/tmp/c.pem")));
        assert_eq!(
            options.config.webhook,
            dingtalk_emulator::WebhookConfig {
                limit: 100,
                mute: Duration::from_millis(500),
            }
        );
        assert_eq!(options.config.agents, [("k1".to_owned(), 12345)]);
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
            &["--stream-disconnect-grace", "-1"],
            &["--session-webhook-ttl", "0"],
            &["--webhook-limit", "0"],
            &["--webhook-mute", "-1"],
            &["--agent", "k:x"],
            &["--agent", "k:0"],
            &["--agent", "k:1", "--agent", "k:2"],
        ] {
            let error = run(bad).expect_err(&format!("{bad:?} should fail"));
            assert!(!error.contains('\n'), "{error}");
        }
        assert!(matches!(run(&["--listen", "[::1]:0"]), Ok(Command::Run(_))));
        assert_eq!(run(&["--help"]), Ok(Command::Help));
        assert_eq!(run(&["-V"]), Ok(Command::Version));
    }
}
