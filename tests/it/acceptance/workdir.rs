//! Self-tests of the Terraform harness (`harness/terraform.rs`) on configurations that need no
//! provider of ours (`terraform_data`, `local-exec`): its checks can fail, its environment is
//! isolated, and a missing `terraform` is an error that says how to install it.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use crate::harness::hcl::hcl_string;
use crate::harness::terraform::{self, Cmd, Workdir};

const DATA_A: &str = r#"
resource "terraform_data" "x" {
  input = "alpha"
}
output "x" {
  value = terraform_data.x.output
}
"#;

#[tokio::test]
async fn apply_step_applies_and_state_json_shows_values() {
    let wd = Workdir::new();
    wd.apply_step(DATA_A).await;

    let values = wd.resource_values("terraform_data.x").await;
    assert_eq!(values["input"], "alpha");
    assert_eq!(values["output"], "alpha");
    let state = wd.state_json().await;
    assert_eq!(state["values"]["outputs"]["x"]["value"], "alpha");
    assert!(wd.resource_state("terraform_data.nope").await.is_none());

    // A changed config yields exit code 2 from plan -detailed-exitcode.
    wd.write_config(&DATA_A.replace("alpha", "beta"));
    let text = wd.plan_text_with_changes(false).await;
    assert!(
        text.contains("\"alpha\" -> \"beta\""),
        "plan should show the change: {text}"
    );

    wd.destroy().await;
    assert!(wd.resource_state("terraform_data.x").await.is_none());
}

#[tokio::test]
async fn apply_step_fails_when_the_follow_up_plan_is_not_empty() {
    // `timestamp()` is never known at plan time, so this config never converges.
    let wd = Workdir::new();
    let diverging = r#"
resource "terraform_data" "x" {
  triggers_replace = timestamp()
}
"#;
    let result = AssertUnwindSafe(wd.apply_step(diverging))
        .catch_unwind()
        .await;
    let panic = result.expect_err("apply_step must reject a config whose plan is never empty");
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("the plan was not empty") && msg.contains("terraform_data.x"),
        "panic message should say the plan was not empty and show it: {msg}"
    );
}

#[tokio::test]
async fn expect_error_matches_validate_and_plan_diagnostics() {
    let wd = Workdir::new();
    let out = wd
        .expect_error(
            r#"
resource "terraform_data" "x" {
  input = var.missing
}
"#,
            Cmd::Validate,
            r"Reference to undeclared input variable",
        )
        .await;
    assert_eq!(out.code, Some(1));

    wd.expect_error(
        r#"
variable "n" {
  type = number
  validation {
    condition     = var.n > 10
    error_message = "n must exceed ten."
  }
  default = 3
}
"#,
        Cmd::Plan,
        r"n must exceed ten\.",
    )
    .await;

    // A wrong pattern is reported, not silently accepted.
    let result = AssertUnwindSafe(wd.expect_error(
        "resource \"terraform_data\" \"x\" {\n  input = var.missing\n}\n",
        Cmd::Validate,
        r"some other error",
    ))
    .catch_unwind()
    .await;
    assert!(result.is_err(), "a non-matching pattern must fail the test");
}

#[tokio::test]
async fn commands_run_in_an_isolated_environment() {
    let wd = Workdir::new();
    wd.apply_step(
        r#"
resource "terraform_data" "env" {
  provisioner "local-exec" {
    command = "env > env.txt"
  }
}
"#,
    )
    .await;
    let env = std::fs::read_to_string(wd.path().join("env.txt")).expect("env.txt written");
    let vars: std::collections::HashMap<&str, &str> =
        env.lines().filter_map(|l| l.split_once('=')).collect();
    let root = wd.path().to_string_lossy().into_owned();

    assert_eq!(vars.get("CHECKPOINT_DISABLE"), Some(&"1"));
    assert_eq!(vars.get("TF_IN_AUTOMATION"), Some(&"1"));
    assert_eq!(vars.get("TF_INPUT"), Some(&"0"));
    assert_eq!(vars.get("AWS_EC2_METADATA_DISABLED"), Some(&"true"));
    for key in [
        "HOME",
        "TF_CLI_CONFIG_FILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ] {
        let v = vars.get(key).unwrap_or_else(|| panic!("{key} not set"));
        assert!(v.starts_with(&root), "{key}={v} should be inside {root}");
    }
    // No AWS credentials or profiles leak in from the machine running the tests.
    let leaked: Vec<&&str> = vars
        .keys()
        .filter(|k| k.starts_with("AWS_"))
        .filter(|k| {
            !matches!(
                **k,
                "AWS_CONFIG_FILE" | "AWS_SHARED_CREDENTIALS_FILE" | "AWS_EC2_METADATA_DISABLED"
            )
        })
        .collect();
    assert!(leaked.is_empty(), "inherited AWS variables: {leaked:?}");

    // The CLI config points dev_overrides at the provider binary's directory.
    let cli = std::fs::read_to_string(vars["TF_CLI_CONFIG_FILE"]).expect("CLI config");
    assert!(cli.contains("dev_overrides"), "{cli}");
    assert!(
        cli.contains(&*terraform::provider_dir().to_string_lossy()),
        "{cli}"
    );
    assert!(cli.contains(terraform::PROVIDER_SOURCE), "{cli}");
}

#[test]
fn missing_terraform_says_how_to_install_it() {
    let empty = tempfile::tempdir().expect("temp dir");
    let err = terraform::locate_terraform(None, Some(empty.path().as_os_str().to_owned()))
        .expect_err("no terraform in an empty PATH");
    assert!(err.contains("install Terraform"), "{err}");
    assert!(err.contains("TF_ACC_TERRAFORM_PATH"), "{err}");

    let bogus = empty.path().join("no-such-terraform");
    let err = terraform::locate_terraform(Some(bogus.clone().into()), None)
        .expect_err("a missing TF_ACC_TERRAFORM_PATH is an error");
    assert!(err.contains(&*bogus.to_string_lossy()), "{err}");
    assert!(err.contains("not an executable"), "{err}");

    // An explicit path wins over PATH.
    let found = terraform::terraform_binary();
    let chosen = terraform::locate_terraform(Some(found.clone().into()), Some(empty.path().into()))
        .expect("explicit path is used");
    assert_eq!(chosen, found);
}

#[test]
fn hcl_strings_are_escaped() {
    assert_eq!(hcl_string("a\"b"), r#""a\"b""#);
    assert_eq!(hcl_string("${x}"), r#""$${x}""#);
    assert_eq!(hcl_string(r"C:\x"), r#""C:\\x""#);
}

#[test]
fn warnings_skip_the_dev_overrides_notice_and_unwrap_lines() {
    let out = terraform::Output {
        args: vec!["plan".into()],
        code: Some(0),
        stdout: "Warning: Provider development overrides are in effect\n\nThe following provider\ndevelopment overrides are set\n".into(),
        stderr: "Warning: Provisioned product pp-abc no longer\nexists\n\nError: Something else\n".into(),
    };
    assert_eq!(
        out.warnings(),
        vec!["Provisioned product pp-abc no longer exists".to_string()]
    );
    let snippet = terraform::Output {
        args: vec!["validate".into()],
        code: Some(1),
        stdout: String::new(),
        stderr: "Error: Invalid OWNER\n\n  on main.tf line 3:\n   3:     OWNER = \"bad\"\n\nOWNER \"bad\" is not an ARN\n".into(),
    };
    assert_eq!(
        snippet.messages(),
        "Error: Invalid OWNER on main.tf line 3: OWNER \"bad\" is not an ARN"
    );
}
