//! `servicecatalog-dist package` writes the release files registry publishing expects: the
//! platform zip holding `terraform-provider-servicecatalog_v<version>` (executable, byte-equal to
//! the input), `_SHA256SUMS` matching the files, and `_manifest.json` announcing protocol 6.0;
//! and Terraform installs the zip from a packed `filesystem_mirror`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};

use servicecatalog_provider::dist::{self, Target};
use sha2::{Digest, Sha256};

use crate::harness::hcl::required_providers;
use crate::harness::terraform::{cli, Workdir, PROVIDER_BINARY};

fn dist_tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_servicecatalog-dist"))
        .args(args)
        .output()
        .expect("run servicecatalog-dist")
}

fn package_into(out: &Path, binary: &Path, target: &str) {
    let result = dist_tool(&[
        "package",
        "--binary",
        &binary.display().to_string(),
        "--out",
        &out.display().to_string(),
        "--target",
        target,
    ]);
    assert!(
        result.status.success(),
        "package failed: {}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Parses `<hex>  <name>` lines.
fn parse_sums(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(|line| {
            let (sum, name) = line
                .split_once("  ")
                .unwrap_or_else(|| panic!("SHA256SUMS line {line:?} is not `<sum>  <name>`"));
            assert_eq!(sum.len(), 64, "{line:?}");
            assert!(
                sum.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
                "{line:?}"
            );
            (name.to_owned(), sum.to_owned())
        })
        .collect()
}

#[test]
fn release_files_have_the_registry_layout_and_matching_sums() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let out = scratch.path().join("dist");
    let binary = Path::new(PROVIDER_BINARY);
    let host = Target::host().expect("host platform").to_string();
    package_into(&out, binary, &host);

    let v = dist::VERSION;
    let zip_name = format!("terraform-provider-servicecatalog_{v}_{host}.zip");
    let sums_name = format!("terraform-provider-servicecatalog_{v}_SHA256SUMS");
    let manifest_name = format!("terraform-provider-servicecatalog_{v}_manifest.json");
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .expect("list out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected = vec![zip_name.clone(), sums_name.clone(), manifest_name.clone()];
    expected.sort();
    assert_eq!(files, expected);

    // The zip: one executable entry, byte-equal to the input binary.
    let file = std::fs::File::open(out.join(&zip_name)).expect("open zip");
    let mut archive = zip::ZipArchive::new(file).expect("a valid zip");
    assert_eq!(archive.len(), 1, "exactly one file in the zip");
    let mut entry = archive.by_index(0).expect("entry");
    assert_eq!(
        entry.name(),
        format!("terraform-provider-servicecatalog_v{v}")
    );
    assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
    let mode = entry.unix_mode().expect("entry has unix permissions");
    assert_eq!(mode & 0o777, 0o755, "mode {mode:o}");
    let mut packed = Vec::new();
    entry.read_to_end(&mut packed).expect("read entry");
    assert!(
        packed == std::fs::read(binary).expect("read binary"),
        "the binary in the zip differs from the input"
    );

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(&manifest_name)).expect("manifest"))
            .expect("manifest is JSON");
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    let sums = parse_sums(&std::fs::read_to_string(out.join(&sums_name)).expect("sums"));
    assert_eq!(
        sums.keys().cloned().collect::<Vec<_>>(),
        [zip_name.clone(), manifest_name.clone()],
        "SHA256SUMS lists the zip and the manifest"
    );
    for (name, sum) in &sums {
        let actual = sha256_hex(&std::fs::read(out.join(name)).expect("read file"));
        assert_eq!(&actual, sum, "SHA256SUMS is wrong for {name}");
    }
}

#[test]
fn sums_cover_every_target_packed_into_the_directory() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let out = scratch.path().join("dist");
    let fake = scratch.path().join("fake-provider");
    std::fs::write(&fake, vec![42u8; 10_000]).expect("write fake");
    package_into(&out, &fake, "linux_arm64");
    package_into(&out, &fake, "windows_amd64");

    let v = dist::VERSION;
    let sums = parse_sums(
        &std::fs::read_to_string(
            out.join(format!("terraform-provider-servicecatalog_{v}_SHA256SUMS")),
        )
        .expect("sums"),
    );
    assert_eq!(
        sums.keys().cloned().collect::<Vec<_>>(),
        [
            format!("terraform-provider-servicecatalog_{v}_linux_arm64.zip"),
            format!("terraform-provider-servicecatalog_{v}_manifest.json"),
            format!("terraform-provider-servicecatalog_{v}_windows_amd64.zip"),
        ]
    );
    for (name, sum) in &sums {
        assert_eq!(
            &sha256_hex(&std::fs::read(out.join(name)).expect("read")),
            sum,
            "{name}"
        );
    }
    let windows = std::fs::File::open(out.join(format!(
        "terraform-provider-servicecatalog_{v}_windows_amd64.zip"
    )))
    .expect("open");
    let mut archive = zip::ZipArchive::new(windows).expect("zip");
    assert_eq!(
        archive.by_index(0).expect("entry").name(),
        format!("terraform-provider-servicecatalog_v{v}.exe")
    );
}

#[test]
fn bad_target_is_named_in_the_error() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let fake = scratch.path().join("fake-provider");
    std::fs::write(&fake, b"x").expect("write fake");
    let result = dist_tool(&[
        "package",
        "--binary",
        &fake.display().to_string(),
        "--out",
        &scratch.path().join("dist").display().to_string(),
        "--target",
        "linux_x86_64",
    ]);
    assert!(!result.status.success());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("--target") && stderr.contains("\"linux_x86_64\""),
        "{stderr}"
    );
    assert!(
        !scratch.path().join("dist").exists(),
        "nothing written on bad input"
    );
}

/// Terraform installs the packed zip from a `filesystem_mirror` (the packed layout:
/// `<mirror>/<host>/<namespace>/<type>/<zip>`, under the host the CLI resolves the short source
/// to: OpenTofu's is `registry.opentofu.org`), and the provider inside runs.
#[tokio::test]
async fn terraform_installs_the_zip_from_a_packed_filesystem_mirror() {
    let mut wd = Workdir::new();
    let mirror = wd.path().join("mirror");
    let address = cli::cli().provider_address();
    let package_dir = mirror.join(&address);
    let host = Target::host().expect("host platform").to_string();
    package_into(&package_dir, Path::new(PROVIDER_BINARY), &host);
    // Only the zip belongs in a mirror's package directory.
    for entry in std::fs::read_dir(&package_dir).expect("list") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|x| x != "zip") {
            std::fs::remove_file(path).expect("remove");
        }
    }

    let cli_config = wd.path().join("mirror.tfrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    \
             include = [{address:?}]\n  }}\n}}\n",
            mirror.display().to_string()
        ),
    )
    .expect("write CLI config");
    wd.set_env("TF_CLI_CONFIG_FILE", &cli_config);
    wd.write_config(&format!(
        "{}\nresource \"servicecatalog_provisioned_product_properties\" \"x\" {{\n  \
         provisioned_product_id = \"pp-abcd27bm4mldq\"\n  \
         properties = {{ LAUNCH_ROLE = \"arn:aws:iam::123456789012:role/Launch\" }}\n}}\n",
        required_providers()
    ));
    let init = wd.init().await;
    assert!(
        init.combined()
            .contains(&format!("servicecatalog/servicecatalog v{}", dist::VERSION)),
        "{}",
        wd.transcript()
    );
    let validate = wd.run_ok(&["validate", "-json", "-no-color"]).await;
    let report: serde_json::Value =
        serde_json::from_str(&validate.stdout).expect("validate -json prints JSON");
    assert_eq!(report["valid"], true, "{report}");
}
