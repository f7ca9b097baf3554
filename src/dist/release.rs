//! Assembling a release: a directory holding one zip per release platform gets the manifest and
//! the `SHA256SUMS` over them, and nothing else is allowed in it, so what is uploaded is exactly
//! what the registries read. Signing the sums is left to the publisher's key.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::naming::{
    executable_name, manifest_name, signature_name, sums_name, validate_version, zip_name,
};
use super::package::write_manifest_and_sums;
use super::{io_error, DistError, Target};

/// What [`assemble`] wrote and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// Every file to publish but the signature: the zips (by name), the manifest and the sums.
    pub assets: Vec<PathBuf>,
    /// The sums file, to be signed into [`Release::signature`].
    pub sums: PathBuf,
    /// Where the detached signature of the sums belongs.
    pub signature: PathBuf,
    /// The lines of the sums file: (lowercase hex SHA-256, file name), by file name.
    pub checksums: Vec<(String, String)>,
}

/// Checks that `dir` holds exactly one zip of `version` per release platform, each with the one
/// executable Terraform expects, then writes the manifest and the sums over them. A signature
/// left from an earlier run is removed: it would not match the new sums.
pub fn assemble(dir: &Path, version: &str) -> Result<Release, DistError> {
    validate_version(version)?;
    let invalid = |reason: String| DistError::Release {
        dir: dir.to_path_buf(),
        reason,
    };
    let targets = Target::release();
    let zips: Vec<String> = targets.iter().map(|t| zip_name(version, t)).collect();
    let ours = [
        manifest_name(version),
        sums_name(version),
        signature_name(version),
    ];
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error("list", dir))? {
        let entry = entry.map_err(io_error("list", dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if zips.contains(&name) && entry.path().is_file() {
            found.push(name);
        } else if !ours.contains(&name) {
            return Err(invalid(format!(
                "{name:?} is not a release file of version {version}; a release holds only the \
                 zips of {} and the files written here",
                targets
                    .iter()
                    .map(Target::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let missing: Vec<String> = targets
        .iter()
        .zip(&zips)
        .filter(|(_, zip)| !found.contains(zip))
        .map(|(t, _)| t.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(invalid(format!(
            "no zip for {}: pack each platform's build with `servicecatalog-dist package` into \
             this directory first",
            missing.join(", ")
        )));
    }
    for (target, zip) in targets.iter().zip(&zips) {
        check_zip(&dir.join(zip), &executable_name(version, target)).map_err(invalid)?;
    }
    let signature = dir.join(signature_name(version));
    if signature.exists() {
        fs::remove_file(&signature).map_err(io_error("remove the stale signature", &signature))?;
    }
    let (manifest, sums, checksums) = write_manifest_and_sums(dir, version)?;
    let mut assets: Vec<PathBuf> = zips.iter().map(|z| dir.join(z)).collect();
    assets.sort();
    assets.extend([manifest, sums.clone()]);
    Ok(Release {
        assets,
        sums,
        signature,
        checksums,
    })
}

/// The zip must hold exactly one file, `executable`.
fn check_zip(path: &Path, executable: &str) -> Result<(), String> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let file = File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
    let archive =
        zip::ZipArchive::new(file).map_err(|e| format!("{name} is not a valid zip: {e}"))?;
    let entries: Vec<&str> = archive.file_names().collect();
    if entries == [executable] {
        Ok(())
    } else {
        Err(format!(
            "{name} holds {entries:?}; it must hold exactly {executable:?}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::package;
    use crate::dist::test_support::fake_binary;

    fn pack_all(dir: &Path, version: &str) {
        let scratch = tempfile::tempdir().expect("tempdir");
        let bin = fake_binary(scratch.path(), b"provider");
        for target in Target::release() {
            package(&bin, dir, version, &target).expect("package");
        }
    }

    #[test]
    fn a_release_holds_every_platform_the_manifest_and_the_sums() {
        let tmp = tempfile::tempdir().expect("tempdir");
        pack_all(tmp.path(), "0.2.0");
        fs::write(tmp.path().join(signature_name("0.2.0")), b"stale").expect("write");
        let release = assemble(tmp.path(), "0.2.0").expect("assemble");
        let names: Vec<String> = release
            .assets
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        let mut expected: Vec<String> = Target::release()
            .iter()
            .map(|t| zip_name("0.2.0", t))
            .collect();
        expected.sort();
        expected.extend([manifest_name("0.2.0"), sums_name("0.2.0")]);
        assert_eq!(names, expected);
        assert_eq!(release.checksums.len(), 6, "five zips and the manifest");
        assert!(!release.signature.exists(), "a stale signature is removed");
        let sums = fs::read_to_string(&release.sums).expect("sums");
        assert_eq!(sums.lines().count(), 6, "{sums}");
    }

    #[test]
    fn a_missing_platform_or_a_stray_file_is_named() {
        let tmp = tempfile::tempdir().expect("tempdir");
        pack_all(tmp.path(), "0.2.0");
        let windows: Target = "windows_amd64".parse().expect("valid");
        fs::remove_file(tmp.path().join(zip_name("0.2.0", &windows))).expect("remove");
        let err = assemble(tmp.path(), "0.2.0")
            .expect_err("missing")
            .to_string();
        assert!(err.contains("no zip for windows_amd64"), "{err}");

        pack_all(tmp.path(), "0.2.0");
        fs::write(tmp.path().join("notes.txt"), b"x").expect("write");
        let err = assemble(tmp.path(), "0.2.0")
            .expect_err("stray")
            .to_string();
        assert!(err.contains("\"notes.txt\""), "{err}");
        fs::remove_file(tmp.path().join("notes.txt")).expect("remove");

        // A zip of another version is a stray file too.
        let scratch = tempfile::tempdir().expect("tempdir");
        let bin = fake_binary(scratch.path(), b"old");
        let old = package(&bin, scratch.path(), "0.1.0", &windows).expect("package");
        fs::copy(&old.zip, tmp.path().join(zip_name("0.1.0", &windows))).expect("copy");
        let err = assemble(tmp.path(), "0.2.0")
            .expect_err("old zip")
            .to_string();
        assert!(err.contains("0.1.0_windows_amd64.zip"), "{err}");
    }

    #[test]
    fn a_zip_with_the_wrong_executable_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        pack_all(tmp.path(), "0.2.0");
        let linux: Target = "linux_amd64".parse().expect("valid");
        // A zip made for another version, renamed to this version's name.
        let scratch = tempfile::tempdir().expect("tempdir");
        let bin = fake_binary(scratch.path(), b"x");
        let other = package(&bin, scratch.path(), "0.1.0", &linux).expect("package");
        fs::copy(&other.zip, tmp.path().join(zip_name("0.2.0", &linux))).expect("copy");
        let err = assemble(tmp.path(), "0.2.0")
            .expect_err("wrong")
            .to_string();
        assert!(
            err.contains("terraform-provider-servicecatalog_v0.1.0")
                && err.contains("terraform-provider-servicecatalog_v0.2.0"),
            "{err}"
        );
    }
}
