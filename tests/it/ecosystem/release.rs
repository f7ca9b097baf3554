//! Releasing: the workflows build every release platform with the Rust target `dist` names,
//! pin every action to a commit, and test against the promised CLI versions; a release is
//! assembled, signed and verified the way the workflow and `docs/install.md` say, with real
//! `gpg`; and a tag that is not Cargo.toml's version is refused before anything is written.
//! The workflows themselves run only on GitHub; `.ci/run` checks them with check-jsonschema and
//! zizmor.

use std::path::Path;
use std::process::{Command, Output};

use regex::Regex;
use servicecatalog_provider::dist::{self, Target, RELEASE_TARGETS};

use super::repo_root;

fn workflow(name: &str) -> String {
    let path = repo_root().join(".github/workflows").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn dist_tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_servicecatalog-dist"))
        .args(args)
        .output()
        .expect("run servicecatalog-dist")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_release_workflow_builds_and_packs_every_release_platform() {
    let release = workflow("release.yml");
    let platforms =
        Regex::new(r"(?m)^\s+- platform: (\S+)\n\s+rust-target: (\S+)\n").expect("static regex");
    let built: Vec<(String, String)> = platforms
        .captures_iter(&release)
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect();
    let expected: Vec<(String, String)> = RELEASE_TARGETS
        .iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect();
    assert_eq!(
        built, expected,
        "release.yml's matrix is dist's release targets"
    );
    for step in [
        "package --version \"$TAG\" --target \"$PLATFORM\"",
        "servicecatalog-dist release --version \"$TAG\" --dir dist",
        "--detach-sign",
        "gh release create \"$TAG\" dist/*",
    ] {
        assert!(release.contains(step), "release.yml lacks {step:?}");
    }
}

#[test]
fn every_action_is_pinned_to_a_commit() {
    let uses = Regex::new(r"(?m)^\s*(?:- )?uses:\s*(\S+)(.*)$").expect("static regex");
    let pinned = Regex::new(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$").expect("static regex");
    for name in ["release.yml", "test.yml"] {
        let text = workflow(name);
        let all: Vec<_> = uses.captures_iter(&text).collect();
        assert!(!all.is_empty(), "{name} uses no action?");
        for c in all {
            assert!(
                pinned.is_match(&c[1]),
                "{name}: {} is not pinned to a SHA",
                &c[1]
            );
            assert!(
                c[2].trim_start().starts_with("# v"),
                "{name}: {} names no version in a comment",
                &c[1]
            );
        }
    }
}

#[test]
fn the_test_workflow_runs_the_suites_on_every_promised_cli() {
    let test = workflow("test.yml");
    for (cli, version) in [
        ("terraform", "\"1.7.*\""),
        ("terraform", "\"1.9.*\""),
        ("terraform", "\"1.11.*\""),
        ("terraform", "\"1.12.*\""),
        ("terraform", "\"1.14.*\""),
        ("terraform", "\"1.16.*\""),
        ("terraform", "latest"),
        ("opentofu", "\"~1.8.0\""),
        ("opentofu", "\"~1.10.0\""),
        ("opentofu", "\"~1.12.0\""),
    ] {
        let entry = format!("{{ cli: {cli}, version: {version} }}");
        assert!(test.contains(&entry), "test.yml's matrix lacks {entry}");
    }
    assert!(test.contains(
        "TF_ACC_TERRAFORM_PATH=\"$bin\" cargo test --locked --test it -- acceptance:: ecosystem::"
    ));
    assert!(test.contains("run: bash .ci/run"));
}

#[test]
fn a_tag_that_is_not_the_crate_version_is_refused_before_anything_is_written() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let fake = scratch.path().join("fake-provider");
    std::fs::write(&fake, b"x").expect("write fake");
    let out_dir = scratch.path().join("dist");
    let out = dist_tool(&[
        "package",
        "--version",
        "v99.0.0",
        "--binary",
        &fake.display().to_string(),
        "--target",
        "linux_amd64",
        "--out",
        &out_dir.display().to_string(),
    ]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("v99.0.0") && msg.contains(dist::VERSION) && msg.contains("Cargo.toml"),
        "{msg}"
    );
    assert!(!out_dir.exists(), "nothing written for a wrong tag");
    let out = dist_tool(&["release", "--version", "v99.0.0", "--dir", "."]);
    assert!(!out.status.success());
    assert!(text(&out).contains("v99.0.0"), "{}", text(&out));
}

/// The verification commands of `docs/install.md` ("Verify a release by hand").
fn verify_snippet() -> String {
    let doc = std::fs::read_to_string(repo_root().join("docs/install.md")).expect("install.md");
    let section = doc
        .split("### Verify a release by hand")
        .nth(1)
        .expect("docs/install.md has a section \"Verify a release by hand\"");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh snippet in it");
    let version = Regex::new(r"(?m)^V=\S+").expect("static regex");
    assert!(version.is_match(block), "the snippet sets V: {block}");
    version
        .replace(block, format!("V={}", dist::VERSION).as_str())
        .into_owned()
}

/// Runs `script` with its own gpg home; the gpg-agent it starts is stopped at the end.
fn run(dir: &Path, gnupg: &Path, script: &str) -> Output {
    let script = format!("trap 'gpgconf --kill all' EXIT\n{script}");
    Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir)
        .env("GNUPGHOME", gnupg)
        .output()
        .expect("run bash")
}

/// Packs every platform, assembles the release, signs it as the workflow does (a throwaway
/// key), and verifies it with the docs' commands as a user would, with only the public key.
#[test]
fn a_release_is_assembled_signed_and_verified_as_the_docs_say() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let dir = scratch.path().join("dist");
    let fake = scratch.path().join("fake-provider");
    std::fs::write(&fake, vec![7u8; 4096]).expect("write fake");
    let tag = format!("v{}", dist::VERSION);
    for target in Target::release() {
        let out = dist_tool(&[
            "package",
            "--version",
            &tag,
            "--binary",
            &fake.display().to_string(),
            "--target",
            &target.to_string(),
            "--out",
            &dir.display().to_string(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = dist_tool(&[
        "release",
        "--version",
        &tag,
        "--dir",
        &dir.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        listed.lines().filter(|l| l.starts_with("  ")).count(),
        RELEASE_TARGETS.len() + 3,
        "five zips, the manifest, the sums and the command to sign: {listed}"
    );

    // The publisher's key, and the signing the workflow does.
    let publisher = scratch.path().join("publisher");
    std::fs::create_dir_all(&publisher).expect("mkdir");
    let sums = dist::sums_name(dist::VERSION);
    let sign = format!(
        "gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'Release test <release@example.invalid>' rsa2048 sign never
         key=\"$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == \"fpr\" {{ print $10; exit }}')\"
         printf '' | gpg --batch --yes --pinentry-mode loopback --passphrase-fd 0 --local-user \"$key\" --detach-sign --output {sums}.sig {sums}
         gpg --batch --armor --export \"$key\" > servicecatalog-release-key.asc"
    );
    let signed = run(&dir, &publisher, &sign);
    assert!(signed.status.success(), "signing: {}", text(&signed));
    let key = dir.join("servicecatalog-release-key.asc");
    let key_text = std::fs::read_to_string(&key).expect("exported key");
    assert!(key_text.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));

    // A user with only the public key, following the docs.
    let user = scratch.path().join("user");
    std::fs::create_dir_all(&user).expect("mkdir");
    let verified = run(&dir, &user, &verify_snippet());
    let said = text(&verified);
    assert!(verified.status.success(), "verification failed: {said}");
    assert!(said.contains("Good signature"), "{said}");
    for target in Target::release() {
        assert!(
            said.contains(&format!("{}: OK", dist::zip_name(dist::VERSION, &target))),
            "{said}"
        );
    }

    // A zip changed after signing is caught.
    let linux: Target = "linux_amd64".parse().expect("valid");
    std::fs::write(dir.join(dist::zip_name(dist::VERSION, &linux)), b"tampered").expect("write");
    let tampered = run(&dir, &user, &verify_snippet());
    assert!(!tampered.status.success(), "{}", text(&tampered));
    assert!(text(&tampered).contains("FAILED"), "{}", text(&tampered));
}
