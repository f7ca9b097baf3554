//! Exec-to-handshake time: the provider launched as Terraform launches it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use servicecatalog_provider::host::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};

use crate::Result;

/// Launches the provider as Terraform does (magic cookie, protocol 6, a client certificate)
/// and times it up to its handshake line on stdout.
pub fn handshake_time(provider: &Path, client_pem: &str) -> Result<Duration> {
    let started = Instant::now();
    let mut child = Command::new(provider)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_CLIENT_CERT", client_pem)
        .env_remove("TF_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", provider.display()))?;
    let stdout = child.stdout.take().ok_or("provider stdout not captured")?;
    let mut line = String::new();
    let read = BufReader::new(stdout).read_line(&mut line);
    let elapsed = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    read?;
    if line.split('|').count() < 5 {
        return Err(format!("unexpected handshake line from the provider: {line:?}").into());
    }
    Ok(elapsed)
}
