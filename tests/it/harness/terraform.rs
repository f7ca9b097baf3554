//! Drives the real `terraform` (or `tofu`) CLI against this crate's provider binary (through a
//! generated CLI config with `dev_overrides`), in the spirit of terraform-plugin-testing.
//! Submodules: [`cli`] (which CLI and version, the suite's minimum, version gates), [`output`]
//! (reading what a command printed), [`files`] (HCL files newer CLIs read or write) and
//! [`fleet`] (the steps the bulk-workflow tests share).
//!
//! Every [`Workdir`] owns a temp dir, a CLI config, empty AWS config/credential files and an isolated
//! environment (nothing inherited but `PATH`), and keeps a transcript of every command it ran so a
//! failing assertion shows exactly what Terraform printed.
//!
//! Environment knobs (all optional):
//! - `TF_ACC_TERRAFORM_PATH`: the `terraform` (or `tofu`) binary; otherwise `terraform` on `PATH`.
//!   Without either, or below the suite's minimum version, every test that needs it fails with
//!   what to install: none is skipped.
//! - `TF_ACC_LOG_PATH`: append Terraform and provider logs there (`TF_LOG_PATH`), at level
//!   `TF_ACC_LOG` (default `TRACE`).
//! - `TF_ACC_PERSIST_WORKING_DIR`: keep the temp dirs for inspection.
//!
//! Unlike terraform-plugin-testing, tests are not gated on `TF_ACC`: they only ever talk to a local
//! emulator, so `cargo test` runs them.

pub mod actions;
pub mod cli;
pub mod files;
pub mod fleet;
mod output;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;
use tokio::process::{Child, Command};
use tokio::sync::OnceCell;

use super::hcl::{hcl_string, required_providers};
use super::procfs;
pub use output::{find_resource, squash, Output};

/// Provider source address used by the test configurations (and the `dev_overrides` key): the
/// short form users write, which each CLI resolves under its own registry host.
pub const PROVIDER_SOURCE: &str = "servicecatalog/servicecatalog";

/// Upper bound for any single command, so a hung provider fails the test instead of the whole run.
const COMMAND_GUARD: Duration = Duration::from_secs(600);

const INSTALL_HINT: &str =
    "install Terraform >= 1.7 (https://developer.hashicorp.com/terraform/install) \
and put `terraform` on PATH, or set TF_ACC_TERRAFORM_PATH to the terraform (or tofu) binary";

/// Locates the Terraform CLI: `TF_ACC_TERRAFORM_PATH`, else `terraform` on `PATH`.
///
/// Panics with installation advice when it is missing: the acceptance suite cannot run without it.
pub fn terraform_binary() -> PathBuf {
    locate_terraform(
        std::env::var_os("TF_ACC_TERRAFORM_PATH"),
        std::env::var_os("PATH"),
    )
    .unwrap_or_else(|msg| panic!("{msg}"))
}

/// The lookup behind [`terraform_binary`], with the environment passed in (testable).
pub fn locate_terraform(
    tf_acc_terraform_path: Option<OsString>,
    path: Option<OsString>,
) -> Result<PathBuf, String> {
    if let Some(p) = tf_acc_terraform_path.filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(format!(
                "TF_ACC_TERRAFORM_PATH={} is not an executable file; {INSTALL_HINT}",
                p.display()
            ))
        };
    }
    path.and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("terraform"))
            .find(|p| is_executable(p))
    })
    .ok_or_else(|| format!("the terraform CLI was not found on PATH; {INSTALL_HINT}"))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The provider binary cargo built for this test run.
pub const PROVIDER_BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-servicecatalog");

/// Directory holding this crate's provider binary (what `dev_overrides` points at).
pub fn provider_dir() -> PathBuf {
    Path::new(PROVIDER_BINARY)
        .parent()
        .expect("provider binary has a parent dir")
        .to_path_buf()
}

/// Our provider's entry of `terraform providers schema -json` (through `dev_overrides`), fetched
/// once per test run and shared by the suites that check the served schema.
pub async fn provider_schema() -> &'static Value {
    static SCHEMA: OnceCell<Value> = OnceCell::const_new();
    SCHEMA
        .get_or_init(|| async {
            let wd = Workdir::new();
            wd.write_config(&format!(
                "{}\nprovider \"servicecatalog\" {{}}\n",
                required_providers()
            ));
            let out = wd.run_ok(&["providers", "schema", "-json"]).await;
            let mut all: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
                panic!(
                    "invalid JSON from providers schema: {e}\n{}",
                    wd.transcript()
                )
            });
            all["provider_schemas"][cli::cli().provider_address()].take()
        })
        .await
}

/// Which command [`Workdir::expect_error`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Validate,
    Plan,
}

/// Result of `terraform plan -detailed-exitcode`.
#[derive(Debug)]
pub enum PlanOutcome {
    /// Exit 0: nothing to do.
    Empty,
    /// Exit 2: the plan has changes.
    Changes(Output),
    /// Exit 1 (or a signal): the plan failed.
    Failed(Output),
}

/// A Terraform working directory with an isolated environment and a command transcript.
pub struct Workdir {
    /// Removed on drop (unless kept for inspection).
    _dir: Option<tempfile::TempDir>,
    root: PathBuf,
    terraform: PathBuf,
    env: Vec<(OsString, OsString)>,
    transcript: Mutex<Vec<Output>>,
}

impl Workdir {
    /// A fresh temp dir with a CLI config whose `dev_overrides` point at this crate's provider.
    pub fn new() -> Self {
        let terraform = cli::cli().path.clone();
        let dir = tempfile::Builder::new()
            .prefix("tfacc-")
            .tempdir()
            .expect("create temp dir");
        let root = dir.path().to_path_buf();
        let home = root.join(".home");
        std::fs::create_dir_all(&home).expect("create fake HOME");

        let cli_config = root.join(".terraformrc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = {}\n  }}\n  direct {{}}\n}}\n",
                hcl_string(&provider_dir().to_string_lossy())
            ),
        )
        .expect("write CLI config");

        // Empty shared AWS files, so nothing on this machine leaks into a test.
        let aws_config = home.join("aws-config");
        let aws_credentials = home.join("aws-credentials");
        std::fs::write(&aws_config, "").expect("write AWS config");
        std::fs::write(&aws_credentials, "").expect("write AWS credentials");

        let mut env: Vec<(OsString, OsString)> = vec![
            ("HOME".into(), home.clone().into()),
            ("TF_CLI_CONFIG_FILE".into(), cli_config.into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            ("TF_IN_AUTOMATION".into(), "1".into()),
            ("TF_INPUT".into(), "0".into()),
            ("AWS_CONFIG_FILE".into(), aws_config.into()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), aws_credentials.into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            // Lets the cancellation test find this workdir's provider processes.
            ("TF_ACC_WORKDIR".into(), root.clone().into()),
        ];
        if let Some(path) = std::env::var_os("PATH") {
            env.push(("PATH".into(), path));
        }
        if let Some(log) = std::env::var_os("TF_ACC_LOG_PATH").filter(|v| !v.is_empty()) {
            let level = std::env::var_os("TF_ACC_LOG").unwrap_or_else(|| "TRACE".into());
            env.push(("TF_LOG_PATH".into(), log));
            env.push(("TF_LOG".into(), level));
        }

        let persist = std::env::var_os("TF_ACC_PERSIST_WORKING_DIR").is_some_and(|v| !v.is_empty());
        let dir = if persist {
            let _ = dir.keep();
            None
        } else {
            Some(dir)
        };
        Workdir {
            _dir: dir,
            root,
            terraform,
            env,
            transcript: Mutex::new(Vec::new()),
        }
    }

    /// Adds (or replaces) an environment variable for every later command.
    pub fn set_env(&mut self, key: &str, value: impl Into<OsString>) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    /// Removes an environment variable from every later command (e.g. `TF_CLI_CONFIG_FILE`, to
    /// run Terraform as a user without any CLI configuration).
    pub fn remove_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The private `HOME` every command runs with.
    pub fn home(&self) -> PathBuf {
        self.root.join(".home")
    }

    /// Pids of this workdir's live provider processes: processes running the provider binary
    /// whose environment carries this workdir's `TF_ACC_WORKDIR` marker.
    pub fn provider_processes(&self) -> Vec<u32> {
        let marker = format!("TF_ACC_WORKDIR={}", self.root.display());
        procfs::running_with_env(Path::new(PROVIDER_BINARY), &marker)
    }

    /// The (initially empty) file `AWS_SHARED_CREDENTIALS_FILE` points at.
    pub fn aws_credentials_file(&self) -> PathBuf {
        self.root.join(".home").join("aws-credentials")
    }

    /// Writes the configuration as `main.tf` (replacing the previous one).
    pub fn write_config(&self, hcl: &str) {
        self.write_file("main.tf", hcl);
    }

    /// Writes any file relative to the working directory.
    pub fn write_file(&self, name: &str, contents: &str) {
        std::fs::write(self.root.join(name), contents)
            .unwrap_or_else(|e| panic!("write {name}: {e}"));
    }

    /// Everything run so far, for failure messages.
    pub fn transcript(&self) -> String {
        let log = self.transcript.lock().unwrap_or_else(|e| e.into_inner());
        let mut s = format!("=== terraform transcript ({}) ===\n", self.root.display());
        for out in log.iter() {
            let _ = writeln!(s, "{}", out.render());
        }
        s
    }

    /// A `terraform` command with this workdir's isolated environment, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.terraform);
        cmd.args(args)
            .current_dir(&self.root)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// Runs `terraform ARGS` to completion and records it; never asserts on the exit code.
    pub async fn run(&self, args: &[&str]) -> Output {
        let child = self
            .command(args)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.terraform.display()));
        self.finish(args, child).await
    }

    /// Runs a shell script (as a user would type it: `bash -eu`) in the workdir with its isolated
    /// environment, this `terraform` first on `PATH`; records it and never asserts.
    pub async fn run_script(&self, script: &str) -> Output {
        let mut path = std::ffi::OsString::from(
            self.terraform
                .parent()
                .expect("the terraform binary has a parent dir"),
        );
        if let Some((_, rest)) = self.env.iter().find(|(k, _)| k == "PATH") {
            path.push(":");
            path.push(rest);
        }
        let child = Command::new("bash")
            .args(["-euc", script])
            .current_dir(&self.root)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("PATH", path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start bash: {e}"));
        self.finish(&["(script)", script], child).await
    }

    /// Starts `terraform ARGS` in the background (e.g. to interrupt it); finish with [`Workdir::finish`].
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.terraform.display()))
    }

    /// Waits for a spawned command, records it and returns its output.
    pub async fn finish(&self, args: &[&str], child: Child) -> Output {
        let waited = tokio::time::timeout(COMMAND_GUARD, child.wait_with_output()).await;
        let out = match waited {
            Ok(Ok(o)) => Output::from_std(
                args.iter().map(|s| s.to_string()).collect(),
                o.status,
                o.stdout,
                o.stderr,
            ),
            Ok(Err(e)) => panic!("wait for terraform {}: {e}", args.join(" ")),
            // The child is killed on drop.
            Err(_) => panic!(
                "terraform {} still running after {COMMAND_GUARD:?}\n{}",
                args.join(" "),
                self.transcript()
            ),
        };
        self.transcript
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(out.clone());
        out
    }

    /// Runs a command that must succeed; panics with the transcript otherwise.
    pub async fn run_ok(&self, args: &[&str]) -> Output {
        let out = self.run(args).await;
        if !out.success() {
            panic!("terraform {} failed\n{}", args.join(" "), self.transcript());
        }
        out
    }

    pub async fn init(&self) -> Output {
        self.run_ok(&["init", "-no-color", "-input=false"]).await
    }

    pub async fn validate(&self) -> Output {
        self.run_ok(&["validate", "-no-color"]).await
    }

    pub async fn plan(&self) -> Output {
        self.run_ok(&["plan", "-no-color", "-input=false"]).await
    }

    pub async fn apply(&self) -> Output {
        self.run_ok(&["apply", "-no-color", "-input=false", "-auto-approve"])
            .await
    }

    /// `terraform apply` that may fail; the caller inspects the result.
    pub async fn try_apply(&self) -> Output {
        self.run(&["apply", "-no-color", "-input=false", "-auto-approve"])
            .await
    }

    pub async fn destroy(&self) -> Output {
        self.run_ok(&["destroy", "-no-color", "-input=false", "-auto-approve"])
            .await
    }

    /// `terraform refresh` equivalent that updates state (`apply -refresh-only`).
    pub async fn refresh(&self) -> Output {
        self.run_ok(&[
            "apply",
            "-refresh-only",
            "-no-color",
            "-input=false",
            "-auto-approve",
        ])
        .await
    }

    pub async fn plan_detailed_exitcode(&self) -> PlanOutcome {
        self.plan_outcome(&["plan", "-no-color", "-input=false", "-detailed-exitcode"])
            .await
    }

    pub async fn refresh_plan_detailed_exitcode(&self) -> PlanOutcome {
        self.plan_outcome(&[
            "plan",
            "-refresh-only",
            "-no-color",
            "-input=false",
            "-detailed-exitcode",
        ])
        .await
    }

    async fn plan_outcome(&self, args: &[&str]) -> PlanOutcome {
        let out = self.run(args).await;
        match out.code {
            Some(0) => PlanOutcome::Empty,
            Some(2) => PlanOutcome::Changes(out),
            _ => PlanOutcome::Failed(out),
        }
    }

    /// The text of `terraform plan` (refresh-only when `refresh_only`), which must show changes;
    /// panics with the transcript otherwise.
    pub async fn plan_text_with_changes(&self, refresh_only: bool) -> String {
        let outcome = if refresh_only {
            self.refresh_plan_detailed_exitcode().await
        } else {
            self.plan_detailed_exitcode().await
        };
        match outcome {
            PlanOutcome::Changes(out) => out.text(),
            other => panic!(
                "expected a plan with changes, got {other:?}\n{}",
                self.transcript()
            ),
        }
    }

    /// Plan (normal and refresh-only) must both be empty; panics with the plan output otherwise.
    pub async fn assert_plan_empty(&self) {
        match self.plan_detailed_exitcode().await {
            PlanOutcome::Empty => {}
            PlanOutcome::Changes(o) => panic!(
                "after this step the plan was not empty:\n{}\n{}",
                o.stdout,
                self.transcript()
            ),
            PlanOutcome::Failed(o) => panic!(
                "after this step the plan failed:\n{}\n{}",
                o.combined(),
                self.transcript()
            ),
        }
        match self.refresh_plan_detailed_exitcode().await {
            PlanOutcome::Empty => {}
            PlanOutcome::Changes(o) => panic!(
                "after this step the refresh-only plan was not empty:\n{}\n{}",
                o.stdout,
                self.transcript()
            ),
            PlanOutcome::Failed(o) => panic!(
                "after this step the refresh-only plan failed:\n{}\n{}",
                o.combined(),
                self.transcript()
            ),
        }
    }

    /// A config step: write, apply, then `plan -detailed-exitcode` and `plan -refresh-only
    /// -detailed-exitcode` must both report no changes. Returns the apply output.
    pub async fn apply_step(&self, hcl: &str) -> Output {
        self.write_config(hcl);
        let out = self.apply().await;
        self.assert_plan_empty().await;
        out
    }

    /// Writes `hcl`, runs `cmd`, and asserts it fails with output matching `pattern`.
    pub async fn expect_error(&self, hcl: &str, cmd: Cmd, pattern: &str) -> Output {
        self.write_config(hcl);
        let args: &[&str] = match cmd {
            Cmd::Validate => &["validate", "-no-color"],
            Cmd::Plan => &["plan", "-no-color", "-input=false"],
        };
        let out = self.run(args).await;
        self.assert_failed_matching(&out, pattern);
        out
    }

    /// Asserts a finished command failed and its output matches `pattern`.
    pub fn assert_failed_matching(&self, out: &Output, pattern: &str) {
        let re = Regex::new(pattern).unwrap_or_else(|e| panic!("bad regex {pattern:?}: {e}"));
        if out.success() {
            panic!(
                "expected terraform {} to fail matching /{pattern}/, but it succeeded\n{}",
                out.args.join(" "),
                self.transcript()
            );
        }
        if !re.is_match(&out.combined()) {
            panic!(
                "terraform {} failed, but its output does not match /{pattern}/\n{}",
                out.args.join(" "),
                self.transcript()
            );
        }
    }

    /// `terraform import ADDR ID` (must succeed).
    pub async fn import(&self, addr: &str, id: &str) -> Output {
        self.run_ok(&["import", "-no-color", "-input=false", addr, id])
            .await
    }

    /// The addresses a `terraform plan` (with refresh) would change, each with its actions
    /// (`update`, `create`, `delete`, ...), sorted; the plan must succeed.
    pub async fn planned_changes(&self) -> Vec<(String, Vec<String>)> {
        self.run_ok(&["plan", "-no-color", "-input=false", "-out=planned.tfplan"])
            .await;
        let out = self.run_ok(&["show", "-json", "planned.tfplan"]).await;
        let plan: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "terraform show -json printed invalid JSON: {e}\n{}",
                self.transcript()
            )
        });
        let mut changes: Vec<(String, Vec<String>)> = plan
            .get("resource_changes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|rc| {
                let address = rc.get("address")?.as_str()?.to_owned();
                let actions: Vec<String> = rc
                    .pointer("/change/actions")?
                    .as_array()?
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect();
                (actions != ["no-op"]).then_some((address, actions))
            })
            .collect();
        changes.sort();
        changes
    }

    /// `terraform show -json`, parsed.
    pub async fn state_json(&self) -> Value {
        let out = self.run_ok(&["show", "-json"]).await;
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "terraform show -json printed invalid JSON: {e}\n{}",
                self.transcript()
            )
        })
    }

    /// The `values` of one resource (e.g. `servicecatalog_provisioned_product_properties.this`) in
    /// the current state; `None` when the state does not hold it.
    pub async fn resource_state(&self, addr: &str) -> Option<Value> {
        let state = self.state_json().await;
        find_resource(&state, addr)
    }

    /// Like [`Workdir::resource_state`], but the resource must be there.
    pub async fn resource_values(&self, addr: &str) -> Value {
        let state = self.state_json().await;
        find_resource(&state, addr).unwrap_or_else(|| {
            panic!(
                "state has no resource {addr}:\n{}\n{}",
                serde_json::to_string_pretty(&state).unwrap_or_default(),
                self.transcript()
            )
        })
    }
}
