//! One finished CLI command, and reading what it printed: Terraform's line wrapping undone,
//! diagnostics without the echoed source, warnings, and the JSON streams of `-json` runs.

use std::process::ExitStatus;

use regex::Regex;
use serde_json::Value;

/// One finished command: its arguments, exit status and captured output.
#[derive(Debug, Clone)]
pub struct Output {
    pub args: Vec<String>,
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub(super) fn from_std(
        args: Vec<String>,
        status: ExitStatus,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    ) -> Self {
        Output {
            args,
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout and stderr together (Terraform prints diagnostics to stderr, plans to stdout).
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The output with Terraform's line wrapping and diagnostic frames undone (whitespace runs
    /// become one space), so long messages can be matched as written.
    pub fn text(&self) -> String {
        squash(&self.combined())
    }

    /// The diagnostic text without source snippet lines (`  12:   owner = "..."`), so a check
    /// for a value proves the message names it rather than the echoed configuration.
    pub fn messages(&self) -> String {
        let snippet = Regex::new(r"^\s*[│|]?\s*\d+:").expect("static regex");
        let all = self.combined();
        let kept: Vec<&str> = all.lines().filter(|l| !snippet.is_match(l)).collect();
        squash(&kept.join("\n"))
    }

    /// Warning diagnostics (squashed text after `Warning:`), without the dev_overrides notice
    /// Terraform prints on every run.
    pub fn warnings(&self) -> Vec<String> {
        let text = self.text();
        let mut out = Vec::new();
        for chunk in text.split("Warning: ").skip(1) {
            let end = chunk.find("Error: ").unwrap_or(chunk.len());
            let warning = chunk[..end].trim();
            if !warning.starts_with("Provider development overrides are in effect") {
                out.push(warning.to_string());
            }
        }
        out
    }

    /// Diagnostics of a `-json` run: `terraform validate -json` prints one document, plan and
    /// apply print a stream of `{"type":"diagnostic","diagnostic":{...}}` lines.
    pub fn json_diagnostics(&self) -> Vec<Value> {
        if let Ok(doc) = serde_json::from_str::<Value>(&self.stdout) {
            if let Some(d) = doc.get("diagnostics").and_then(Value::as_array) {
                return d.clone();
            }
        }
        self.json_messages()
            .into_iter()
            .filter(|v| v["type"] == "diagnostic")
            .map(|v| v["diagnostic"].clone())
            .collect()
    }

    /// The messages of a `-json` run's stream (machine-readable UI: one JSON object a line,
    /// each with its `type`), in order; lines that are not JSON are skipped.
    pub fn json_messages(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(Value::is_object)
            .collect()
    }

    pub(super) fn render(&self) -> String {
        format!(
            "$ terraform {}\n[exit: {}]\n--- stdout ---\n{}\n--- stderr ---\n{}\n",
            self.args.join(" "),
            self.code
                .map_or_else(|| "killed by signal".to_string(), |c| c.to_string()),
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// Collapses whitespace runs (and diagnostic frame characters) to single spaces.
pub fn squash(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '│' || c == '╷' || c == '╵')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Finds a resource's `values` by address in `terraform show -json` output (root module only).
pub fn find_resource(state: &Value, addr: &str) -> Option<Value> {
    state
        .pointer("/values/root_module/resources")?
        .as_array()?
        .iter()
        .find(|r| r.get("address").and_then(Value::as_str) == Some(addr))
        .and_then(|r| r.get("values").cloned())
}
