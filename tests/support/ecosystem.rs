//! Shared helpers for the docs, examples, install and packaging tests: finding `terraform`,
//! running it isolated from the user's own CLI configuration, and the provider's real schema.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The provider's source address, as configurations write it.
pub const ADDRESS: &str = "registry.terraform.io/servicecatalog/servicecatalog";

/// A `required_providers` block for our provider.
pub const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    servicecatalog = {
      source = "registry.terraform.io/servicecatalog/servicecatalog"
    }
  }
}
"#;

/// The provider binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-servicecatalog"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `terraform` to run: `TF_ACC_TERRAFORM_PATH`, else `terraform` on `PATH`. Panics with
/// how to get one when there is none.
pub fn terraform() -> PathBuf {
    if let Some(path) = std::env::var_os("TF_ACC_TERRAFORM_PATH") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "TF_ACC_TERRAFORM_PATH={} is not a file",
            path.display()
        );
        return path;
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "terraform was not found on PATH. Install Terraform >= 1.5 \
             (https://developer.hashicorp.com/terraform/install) or set TF_ACC_TERRAFORM_PATH \
             to a terraform binary."
        )
    })
}

/// A `terraform` invocation environment: a private HOME, no inherited `TF_*` settings, and
/// optionally a CLI configuration file.
pub struct Terraform {
    pub bin: PathBuf,
    pub home: PathBuf,
    pub cli_config: Option<PathBuf>,
}

impl Terraform {
    /// Terraform with a CLI config whose `dev_overrides` point at the test build of the provider.
    pub fn with_dev_overrides(scratch: &Path) -> Self {
        let home = scratch.join("home");
        std::fs::create_dir_all(&home).expect("create home");
        let config = scratch.join("dev.tfrc");
        let dir = provider_binary()
            .parent()
            .expect("binary has a directory")
            .to_path_buf();
        std::fs::write(
            &config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"{ADDRESS}\" = {dir:?}\n  }}\n  direct {{}}\n}}\n",
                dir = dir.display().to_string()
            ),
        )
        .expect("write CLI config");
        Self {
            bin: terraform(),
            home,
            cli_config: Some(config),
        }
    }

    /// Terraform with `home` as HOME and no CLI config file at all.
    pub fn plain(home: &Path) -> Self {
        Self {
            bin: terraform(),
            home: home.to_path_buf(),
            cli_config: None,
        }
    }

    /// Runs `terraform <args>` in `dir`.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Output {
        let mut command = Command::new(&self.bin);
        command.args(args).current_dir(dir);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("TF_") {
                command.env_remove(&name);
            }
        }
        command
            .env("HOME", &self.home)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1");
        if let Some(config) = &self.cli_config {
            command.env("TF_CLI_CONFIG_FILE", config);
        }
        command.output().expect("run terraform")
    }

    /// Runs `terraform validate -json` in `dir` and returns its JSON report.
    pub fn validate(&self, dir: &Path) -> serde_json::Value {
        let out = self.run(dir, &["validate", "-json", "-no-color"]);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "terraform validate in {} printed no JSON ({e}):\n{}\n{}",
                dir.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// `terraform providers schema -json` for our provider (the entry under [`ADDRESS`]).
    pub fn provider_schema(&self, scratch: &Path) -> serde_json::Value {
        let dir = scratch.join("schema-config");
        std::fs::create_dir_all(&dir).expect("create config dir");
        std::fs::write(dir.join("main.tf"), REQUIRED_PROVIDERS).expect("write main.tf");
        let out = self.run(&dir, &["providers", "schema", "-json"]);
        assert!(
            out.status.success(),
            "terraform providers schema -json failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut all: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("schema output is JSON");
        all["provider_schemas"][ADDRESS].take()
    }
}

/// Error diagnostics of a `terraform validate -json` report, one line each.
pub fn validate_errors(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .map(|diags| {
            diags
                .iter()
                .filter(|d| d["severity"] == "error")
                .map(|d| format!("{}: {}", d["summary"], d["detail"]))
                .collect()
        })
        .unwrap_or_default()
}

/// Copies the regular files of `from` (not recursively) into `to`.
pub fn copy_dir_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read example dir") {
        let path = entry.expect("dir entry").path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().expect("file name"))).expect("copy file");
        }
    }
}
