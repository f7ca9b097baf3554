//! Every example directory under `examples/` passes `terraform validate` against the test build
//! of the provider (through `dev_overrides`), is `terraform fmt` clean, and the import examples
//! address the resource their directory declares, with a valid provisioned product id. Action
//! examples (`examples/actions/*`, Terraform 1.14+) are checked as that CLI reads them, and by
//! `terraform validate` where the CLI has actions.

use std::path::{Path, PathBuf};

use servicecatalog_provider::servicecatalog::validate_provisioned_product_id;

use super::repo_root;
use crate::harness::hcl::{required_providers, RESOURCE_TYPE as RESOURCE};
use crate::harness::terraform::actions::action_problems;
use crate::harness::terraform::{cli, Workdir};

const DATA_SOURCE: &str = "servicecatalog_provisioned_product";
const PLURAL_DATA_SOURCE: &str = "servicecatalog_provisioned_products";

/// `examples/provider`, `examples/resources/*`, `examples/data-sources/*`, `examples/quickstart`:
/// each directory that exists and holds `.tf` files.
fn example_dirs() -> Vec<PathBuf> {
    let root = repo_root().join("examples");
    let mut dirs = vec![root.join("provider"), root.join("quickstart")];
    for group in ["resources", "data-sources"] {
        if let Ok(entries) = std::fs::read_dir(root.join(group)) {
            dirs.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
    }
    dirs.retain(|d| has_tf_files(d));
    dirs.sort();
    dirs
}

/// `examples/actions/*`.
fn action_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples/actions"))
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.retain(|d| has_tf_files(d));
    dirs.sort();
    dirs
}

/// The `.tf` files of `dir`, with their text.
fn tf_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .expect("read example dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read example");
            (p, text)
        })
        .collect();
    files.sort();
    files
}

fn has_tf_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.path().extension().is_some_and(|x| x == "tf"))
        })
        .unwrap_or(false)
}

/// A workdir holding a copy of the regular files of `dir` (not recursively).
fn workdir_with(dir: &Path) -> Workdir {
    let wd = Workdir::new();
    for entry in std::fs::read_dir(dir).expect("read example dir") {
        let path = entry.expect("dir entry").path();
        if path.is_file() {
            std::fs::copy(&path, wd.path().join(path.file_name().expect("file name")))
                .expect("copy file");
        }
    }
    wd
}

/// Validates a copy of `dir`, adding a `required_providers` block when the example has none
/// (registry examples leave it to the provider page); returns the error diagnostics.
async fn validate_example(dir: &Path) -> Vec<String> {
    let name = dir
        .strip_prefix(repo_root())
        .unwrap_or(dir)
        .display()
        .to_string();
    let wd = workdir_with(dir);
    let declares_providers = std::fs::read_dir(dir)
        .expect("read example dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "tf"))
        .any(|e| {
            std::fs::read_to_string(e.path())
                .unwrap_or_default()
                .contains("required_providers")
        });
    if !declares_providers {
        wd.write_file("zz_test_required_providers.tf", &required_providers());
    }
    let out = wd.run(&["validate", "-json", "-no-color"]).await;
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "terraform validate of {name} printed no JSON ({e}):\n{}",
            wd.transcript()
        )
    });
    let mut errors: Vec<String> = out
        .json_diagnostics()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| format!("{}: {}", d["summary"], d["detail"]))
        .collect();
    if report["valid"] != true && errors.is_empty() {
        errors.push(format!("invalid without error diagnostics: {report}"));
    }
    errors.into_iter().map(|e| format!("{name}: {e}")).collect()
}

#[tokio::test]
async fn every_example_directory_validates() {
    let dirs = example_dirs();
    let names: Vec<String> = dirs
        .iter()
        .filter_map(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    for required in ["provider", RESOURCE, DATA_SOURCE, PLURAL_DATA_SOURCE] {
        assert!(
            names.iter().any(|n| n == required),
            "example directory {required} is missing: {names:?}"
        );
    }
    let mut problems = Vec::new();
    for dir in &dirs {
        problems.extend(validate_example(dir).await);
    }
    assert!(
        problems.is_empty(),
        "examples fail terraform validate:\n  {}",
        problems.join("\n  ")
    );
}

/// The harness is not vacuous: a bad owner ARN in an example-shaped config fails validation
/// with the provider's own diagnostic.
#[tokio::test]
async fn validation_rejects_a_broken_example() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let broken = scratch.path();
    std::fs::write(
        broken.join("resource.tf"),
        format!(
            "resource \"{RESOURCE}\" \"bad\" {{\n  provisioned_product_id = \"pp-abcd27bm4mldq\"\n  \
             properties = {{ OWNER = \"not-an-arn\" }}\n}}\n"
        ),
    )
    .expect("write broken example");
    let errors = validate_example(broken).await.join("\n");
    assert!(
        errors.contains("not-an-arn"),
        "expected the bad value named, got: {errors}"
    );
}

#[tokio::test]
async fn action_examples_are_actions_terraform_1_14_accepts() {
    let dirs = action_dirs();
    assert!(
        !dirs.is_empty(),
        "examples/actions has the action's example"
    );
    for dir in dirs {
        for (path, text) in tf_files(&dir) {
            assert!(
                text.contains("action \""),
                "{} declares an action",
                path.display()
            );
            let problems = action_problems(&text).await;
            assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
        }
    }
}

#[tokio::test]
async fn action_examples_validate_where_the_cli_has_actions() {
    if !cli::skip_unless(
        "ecosystem::examples::action_examples_validate_where_the_cli_has_actions",
        &cli::ACTIONS,
    ) {
        return;
    }
    for dir in action_dirs() {
        let problems = validate_example(&dir).await;
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

/// The action check is not vacuous: each kind of mistake is reported.
#[tokio::test]
async fn the_action_check_reports_each_kind_of_mistake() {
    let action = |config: &str| {
        format!(
            "action \"servicecatalog_update_provisioned_product_properties\" \"a\" {{\n  \
             config {{\n{config}\n  }}\n}}\n"
        )
    };
    let owner = "properties = { OWNER = \"arn:aws:iam::123456789012:role/Platform\" }";
    let bad = [
        (action(owner), "exactly one of"),
        (
            action(&format!("provisioned_product_ids = [\"pp-abcd27bm4mldq\"]\nfilter {{}}\n{owner}")),
            "not both",
        ),
        (action(&format!("filter {{}}\n{owner}")), "every provisioned product"),
        (
            action("provisioned_product_ids = [\"pp-abcd27bm4mldq\"]\nproperties = { COLOUR = \"x\" }"),
            "COLOUR",
        ),
        (
            action(&format!("filter {{\n owner = \"alice\"\n}}\n{owner}")),
            "alice",
        ),
        (action(&format!("colour = \"x\"\n{owner}")), "not in the schema"),
        (
            "action \"servicecatalog_notify\" \"a\" {\n  config {}\n}\n".to_owned(),
            "no action",
        ),
        (
            format!(
                "{}resource \"terraform_data\" \"t\" {{\n  lifecycle {{\n    action_trigger {{\n      \
                 events = [after_apply]\n      actions = [action.servicecatalog_update_provisioned_product_properties.b]\n    \
                 }}\n  }}\n}}\n",
                action(&format!("provisioned_product_ids = [\"pp-abcd27bm4mldq\"]\n{owner}"))
            ),
            "after_apply",
        ),
    ];
    for (text, named) in bad {
        let problems = action_problems(&text).await.join("\n");
        assert!(
            problems.contains(named),
            "{named:?} not reported for:\n{text}\ngot: {problems}"
        );
    }
}

#[tokio::test]
async fn examples_are_terraform_fmt_clean() {
    for dir in example_dirs().into_iter().chain(action_dirs()) {
        let wd = workdir_with(&dir);
        let out = wd
            .run(&["fmt", "-check", "-list=true", "-no-color", "."])
            .await;
        assert!(
            out.success(),
            "{} is not `terraform fmt` clean: {}",
            dir.display(),
            out.combined()
        );
    }
}

/// `import.sh` and `import-by-string-id.tf` import the resource declared in `resource.tf`,
/// with the same, valid provisioned product id.
#[test]
fn import_examples_address_the_declared_resource() {
    let dir = repo_root().join("examples/resources").join(RESOURCE);
    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let declared: Vec<String> = read("resource.tf")
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix(&format!("resource \"{RESOURCE}\" \""))
        })
        .filter_map(|rest| rest.split('"').next())
        .map(|name| format!("{RESOURCE}.{name}"))
        .collect();
    assert!(!declared.is_empty(), "resource.tf declares no {RESOURCE}");

    let commands: Vec<Vec<String>> = read("import.sh")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        commands.len(),
        1,
        "import.sh should hold one command: {commands:?}"
    );
    let command = &commands[0];
    assert_eq!(
        command.get(..2),
        Some(&["terraform".to_owned(), "import".to_owned()][..]),
        "import.sh: {command:?}"
    );
    assert_eq!(
        command.len(),
        4,
        "terraform import ADDRESS ID, got {command:?}"
    );
    let (address, id) = (&command[2], &command[3]);
    assert!(
        declared.contains(address),
        "import.sh imports {address}, resource.tf declares {declared:?}"
    );
    validate_provisioned_product_id(id).unwrap_or_else(|e| panic!("import.sh id {id:?}: {e}"));

    let block = read("import-by-string-id.tf");
    let value_of = |key: &str| {
        block
            .lines()
            .filter_map(|l| l.trim().strip_prefix(key))
            .filter_map(|rest| rest.trim_start().strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_owned())
            .next()
            .unwrap_or_else(|| panic!("import-by-string-id.tf has no {key}"))
    };
    assert_eq!(
        &value_of("to"),
        address,
        "import block and import.sh disagree"
    );
    assert_eq!(&value_of("id"), id, "import block and import.sh disagree");
}
