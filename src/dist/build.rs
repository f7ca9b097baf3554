//! Building the provider with cargo, for the tool's default of packing a fresh release build.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{DistError, BINARY_NAME};

/// Builds the provider with `cargo build --profile <profile>` and returns the executable cargo
/// reports. Uses `$CARGO` when set (as under `cargo run`), else `cargo` from `PATH`.
pub fn build(profile: &str) -> Result<PathBuf, DistError> {
    let failed = |reason| DistError::Build { reason };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([
        "build",
        "--profile",
        profile,
        "--bin",
        BINARY_NAME,
        "--message-format=json-render-diagnostics",
    ]);
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        command
            .arg("--manifest-path")
            .arg(Path::new(&dir).join("Cargo.toml"));
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| failed(format!("cannot run cargo: {e}")))?;
    let mut executable = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| failed(format!("cannot read cargo's output: {e}")))?;
            if let Some(path) = artifact_executable(&line) {
                executable = Some(path);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| failed(format!("cannot wait for cargo: {e}")))?;
    if !status.success() {
        return Err(failed(format!("cargo build exited with {status}")));
    }
    executable.ok_or_else(|| failed(format!("cargo did not report the {BINARY_NAME} executable")))
}

/// The `executable` of a cargo `compiler-artifact` message for the provider binary.
fn artifact_executable(line: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message.get("reason")?.as_str()? != "compiler-artifact"
        || message.get("target")?.get("name")?.as_str()? != BINARY_NAME
    {
        return None;
    }
    message.get("executable")?.as_str().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_artifact_messages_give_the_executable() {
        let line = r#"{"reason":"compiler-artifact","target":{"name":"terraform-provider-servicecatalog"},"executable":"/t/release/terraform-provider-servicecatalog"}"#;
        assert_eq!(
            artifact_executable(line),
            Some(PathBuf::from(
                "/t/release/terraform-provider-servicecatalog"
            ))
        );
        let lib = r#"{"reason":"compiler-artifact","target":{"name":"servicecatalog_provider"},"executable":null}"#;
        assert_eq!(artifact_executable(lib), None);
        assert_eq!(artifact_executable("not json"), None);
    }
}
