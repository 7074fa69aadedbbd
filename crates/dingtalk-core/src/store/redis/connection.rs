//! One connection to Redis, spoken to over a [`Transport`] whose every read and write ends by
//! the operation's deadline: connecting, TLS, `AUTH` and `SELECT`, the command and each read of
//! its answer together. A Redis that answers slowly, trickles its answer or never answers
//! costs an operation its deadline, no more. RESP (the protocol) is redis-rs's: its parser and
//! its command encoding; the socket is this crate's.

use std::io::{Read, Write};
use std::sync::Arc;

use redis::{Cmd, ErrorKind, FromRedisValue, Parser, RedisError, RedisResult};
use rustls::ClientConfig;

use crate::config::store::RedisSpec;
use crate::deadline::Deadline;
use crate::net::{self, Transport};

/// The largest answer read: ours are a few numbers or a token.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// A Lua script, sent by its SHA-1 (`EVALSHA`), and whole (`EVAL`) where Redis does not have
/// it yet.
pub(crate) struct Script {
    code: &'static str,
    sha1: String,
}

impl Script {
    pub(crate) fn new(code: &'static str) -> Script {
        use sha1::{Digest, Sha1};
        let sha1 = crate::hex::lower(&Sha1::digest(code.as_bytes()));
        Script { code, sha1 }
    }

    /// `EVALSHA` (or `EVAL`) of the script, with `keys` and `args` (to Lua, every argument is
    /// a string).
    fn call(&self, whole: bool, keys: &[&str], args: &[&str]) -> Cmd {
        let mut cmd;
        if whole {
            cmd = redis::cmd("EVAL");
            cmd.arg(self.code);
        } else {
            cmd = redis::cmd("EVALSHA");
            cmd.arg(&self.sha1);
        }
        cmd.arg(keys.len()).arg(keys).arg(args);
        cmd
    }
}

pub(crate) struct Connection {
    transport: Transport,
    parser: Parser,
}

impl Connection {
    /// Connects to `spec` (TLS with `tls` for `rediss://`), authenticates and selects the
    /// database, by `deadline`.
    pub(crate) fn open(
        spec: &RedisSpec,
        tls: Option<Arc<ClientConfig>>,
        deadline: Deadline,
    ) -> RedisResult<Connection> {
        let tcp = net::connect(&spec.host, spec.port, deadline.left(), deadline)?;
        let transport = match tls {
            Some(config) => Transport::tls(tcp, config, &spec.host)
                .map_err(|e| RedisError::from((ErrorKind::InvalidClientConfig, "TLS", e)))?,
            None => Transport::Plain(tcp),
        };
        let mut connection = Connection {
            transport,
            parser: Parser::new(),
        };
        if let Some(password) = &spec.password {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = &spec.username {
                auth.arg(user);
            }
            connection.query::<()>(auth.arg(password), deadline)?;
        }
        if spec.db != 0 {
            connection.query::<()>(redis::cmd("SELECT").arg(spec.db), deadline)?;
        }
        Ok(connection)
    }

    /// Sends `cmd` and reads its answer, by `deadline`.
    pub(crate) fn query<T: FromRedisValue>(
        &mut self,
        cmd: &Cmd,
        deadline: Deadline,
    ) -> RedisResult<T> {
        self.transport.set_deadline(deadline);
        self.transport.write_all(&cmd.get_packed_command())?;
        self.transport.flush()?;
        let answer = self
            .parser
            .parse_value((&mut self.transport).take(MAX_ANSWER_BYTES))?;
        T::from_redis_value(&answer.extract_error()?)
    }

    /// Runs `script` on `keys` and `args`, by `deadline`.
    pub(crate) fn eval<T: FromRedisValue>(
        &mut self,
        script: &Script,
        keys: &[&str],
        args: &[&str],
        deadline: Deadline,
    ) -> RedisResult<T> {
        match self.query(&script.call(false, keys, args), deadline) {
            Err(e) if e.kind() == ErrorKind::NoScriptError => {
                self.query(&script.call(true, keys, args), deadline)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_is_named_by_its_sha1() {
        // SHA-1 of "return 1", as `redis-cli SCRIPT LOAD "return 1"` prints it.
        let script = Script::new("return 1");
        assert_eq!(script.sha1, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    }
}
