//! The `servicecatalog-emulator` binary as a separate process: started on a free port, ready once
//! it prints `listening on http://ADDR`, stopped with SIGTERM or killed with SIGKILL.

use std::process::{ExitStatus, Output, Stdio};
use std::time::Duration;

use aws_sdk_servicecatalog::Client;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::{procfs, sdk};

/// The emulator binary cargo built for this test run.
const BINARY: &str = env!("CARGO_BIN_EXE_servicecatalog-emulator");
/// Hang guard for start-up and stops.
const GUARD: Duration = Duration::from_secs(60);

/// A running emulator process.
pub struct EmulatorProcess {
    child: Child,
    url: String,
}

impl EmulatorProcess {
    /// Starts the binary on `127.0.0.1:0` with `args` and waits for its ready line.
    pub async fn start(args: &[&str]) -> EmulatorProcess {
        let mut child = Command::new(BINARY)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn servicecatalog-emulator");
        let stdout = child.stdout.take().expect("stdout is piped");
        let line = tokio::time::timeout(GUARD, BufReader::new(stdout).lines().next_line())
            .await
            .expect("the emulator prints its ready line")
            .expect("read the emulator's stdout")
            .unwrap_or_else(|| panic!("the emulator exited before it was ready: {args:?}"));
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
            "{url}"
        );
        EmulatorProcess { child, url }
    }

    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        let host = self.url.trim_start_matches("http://");
        host.parse()
            .unwrap_or_else(|e| panic!("the ready line's address {host:?}: {e}"))
    }

    /// An SDK client for this emulator signing as `access_key`, up to `max_attempts` attempts.
    pub fn client(&self, access_key: &str, secret_key: &str, max_attempts: u32) -> Client {
        sdk::client(&self.url, access_key, secret_key, max_attempts)
    }

    /// Sends SIGTERM and waits for the process to stop.
    pub async fn sigterm(mut self) -> ExitStatus {
        procfs::signal(self.child.id().expect("the emulator is running"), "TERM");
        tokio::time::timeout(GUARD, self.child.wait())
            .await
            .expect("the emulator stops after SIGTERM")
            .expect("wait for the emulator")
    }

    /// SIGKILL, as a crash would end it, and waits for it to be gone.
    pub async fn kill_9(mut self) {
        self.child.start_kill().expect("SIGKILL the emulator");
        self.child.wait().await.expect("wait for the emulator");
    }
}

/// Runs the binary with `args` (no `--listen`) to completion, e.g. `--help` or a bad flag.
pub async fn run_to_exit(args: &[&str]) -> Output {
    tokio::time::timeout(GUARD, Command::new(BINARY).args(args).output())
        .await
        .expect("the emulator exits by itself")
        .expect("run servicecatalog-emulator")
}
