//! `servicecatalog-dist install` puts the provider where a plain `terraform init` finds it: the
//! implied local mirror under `$HOME/.terraform.d/plugins`, with no `dev_overrides`, no CLI
//! config file, no plugin cache and no network.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use servicecatalog_provider::dist::{self, Target};

use crate::harness::terraform::{Workdir, PROVIDER_BINARY};

fn dist_tool(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_servicecatalog-dist"))
        .args(args)
        .env("HOME", home)
        .env_remove("TF_CLI_CONFIG_FILE")
        .output()
        .expect("run servicecatalog-dist")
}

fn installed_path(home: &Path) -> PathBuf {
    let target = Target::host().expect("host platform");
    home.join(".terraform.d/plugins/registry.terraform.io/servicecatalog/servicecatalog")
        .join(dist::VERSION)
        .join(target.to_string())
        .join(format!(
            "terraform-provider-servicecatalog_v{}",
            dist::VERSION
        ))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 == 0o111)
}

#[tokio::test]
async fn installed_provider_works_with_plain_terraform_init() {
    // Terraform as a user runs it: no CLI configuration, so no dev_overrides.
    let mut wd = Workdir::new();
    wd.remove_env("TF_CLI_CONFIG_FILE");
    let home = wd.home();
    let binary = PathBuf::from(PROVIDER_BINARY);

    let out = dist_tool(
        &home,
        &["install", "--binary", &binary.display().to_string()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "install failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let installed = installed_path(&home);
    assert!(stdout.starts_with("installed:"), "{stdout}");
    assert!(
        stdout.contains(&installed.display().to_string()),
        "the tool should say where it installed: {stdout}"
    );
    assert_eq!(
        std::fs::read(&installed).expect("installed binary"),
        std::fs::read(&binary).expect("built binary"),
        "installed binary differs from the input"
    );
    assert!(
        is_executable(&installed),
        "{} is not executable",
        installed.display()
    );

    // A configuration a user would write, and nothing else: no CLI config, no overrides.
    wd.write_config(&format!(
        "terraform {{\n  required_providers {{\n    servicecatalog = {{\n      \
         source  = \"registry.terraform.io/servicecatalog/servicecatalog\"\n      \
         version = \"{}\"\n    }}\n  }}\n}}\n\n\
         provider \"servicecatalog\" {{\n  region = \"us-east-1\"\n}}\n\n\
         resource \"servicecatalog_provisioned_product_properties\" \"example\" {{\n  \
         provisioned_product_id = \"pp-abcd27bm4mldq\"\n  \
         properties = {{ OWNER = \"arn:aws:iam::123456789012:role/PlatformTeam\" }}\n}}\n",
        dist::VERSION
    ));
    let init = wd.init().await;
    let init_out = init.combined();
    assert!(
        init_out.contains(&format!("servicecatalog/servicecatalog v{}", dist::VERSION)),
        "init did not install our version:\n{init_out}"
    );
    let lock = std::fs::read_to_string(wd.path().join(".terraform.lock.hcl")).expect("lock file");
    assert!(
        lock.contains("registry.terraform.io/servicecatalog/servicecatalog")
            && lock.lines().any(|l| {
                l.trim().starts_with("version") && l.contains(&format!("\"{}\"", dist::VERSION))
            })
            && lock.contains("h1:"),
        "lock file lacks our provider and its hash:\n{lock}"
    );

    let validate = wd.run_ok(&["validate", "-json", "-no-color"]).await;
    let report: serde_json::Value =
        serde_json::from_str(&validate.stdout).expect("validate -json prints JSON");
    assert_eq!(
        report["valid"], true,
        "terraform validate with the installed provider: {report}"
    );
    let warnings = report["diagnostics"].to_string();
    assert!(
        !warnings.contains("overrides"),
        "no dev_overrides may be in effect: {warnings}"
    );
}

#[test]
fn reinstalling_reports_identical_then_replaced() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir home");
    let fake = scratch.path().join("fake-provider");
    std::fs::write(&fake, b"#!/bin/sh\nexit 1\n").expect("write fake");
    let fake_arg = fake.display().to_string();

    let first = dist_tool(&home, &["install", "--binary", &fake_arg]);
    assert!(first.status.success(), "{first:?}");
    let again = dist_tool(&home, &["install", "--binary", &fake_arg]);
    assert!(
        String::from_utf8_lossy(&again.stdout).starts_with("already installed (identical)"),
        "{again:?}"
    );
    std::fs::write(&fake, b"#!/bin/sh\nexit 2\n").expect("rewrite fake");
    let replaced = dist_tool(&home, &["install", "--binary", &fake_arg]);
    let stdout = String::from_utf8_lossy(&replaced.stdout);
    assert!(stdout.starts_with("replaced:"), "{stdout}");
    assert!(stdout.contains("terraform init -upgrade"), "{stdout}");
    assert_eq!(
        std::fs::read(installed_path(&home)).expect("installed"),
        b"#!/bin/sh\nexit 2\n"
    );
}

#[test]
fn missing_binary_and_missing_home_are_clear_errors() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let missing = scratch.path().join("no-such-binary");
    let out = dist_tool(
        scratch.path(),
        &["install", "--binary", &missing.display().to_string()],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-binary"), "{stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_servicecatalog-dist"))
        .args(["install", "--binary", &missing.display().to_string()])
        .env_remove("HOME")
        .output()
        .expect("run servicecatalog-dist");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HOME is not set") && stderr.contains("--plugins-dir"),
        "{stderr}"
    );
}
