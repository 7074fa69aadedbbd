//! The `dingtalk-emulator` binary as a process: started on a free port, its address read from
//! its first line, killed if a test fails before stopping it.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_dingtalk-emulator");

/// A running emulator process, killed if the test fails before stopping it.
pub struct Process {
    pub child: Child,
    pub url: String,
    _stdout: BufReader<ChildStdout>,
}

impl Process {
    pub fn start(args: &[&str]) -> Process {
        let mut child = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        // The first line announces the address: reading it is the readiness check.
        let mut line = String::new();
        stdout.read_line(&mut line).expect("first line");
        let url = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Process {
            child,
            url,
            _stdout: stdout,
        }
    }

    /// Sends SIGTERM and returns the exit status code.
    pub fn terminate(self) -> Option<i32> {
        self.signal("-TERM")
    }

    pub fn signal(mut self, signal: &str) -> Option<i32> {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        self.child.wait().expect("exits").code()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Only if still running (terminate() already waited otherwise).
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
