//! Packing release files: the platform zip, the manifest and the `SHA256SUMS` file.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::naming::{
    executable_name, manifest_json, manifest_name, sums_name, validate_version, zip_name,
};
use super::{check_binary, io_error, sha256_file, DistError, Target, BINARY_NAME};

/// What [`package`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    pub zip: PathBuf,
    pub manifest: PathBuf,
    pub sums: PathBuf,
    /// The lines of the sums file: (lowercase hex SHA-256, file name), by file name.
    pub checksums: Vec<(String, String)>,
}

/// Writes the release files for `binary` built for `target` into `out_dir`: the platform zip,
/// the manifest, and a `SHA256SUMS` covering every zip of `version` in `out_dir` and the manifest.
pub fn package(
    binary: &Path,
    out_dir: &Path,
    version: &str,
    target: &Target,
) -> Result<Package, DistError> {
    validate_version(version)?;
    check_binary(binary)?;
    fs::create_dir_all(out_dir).map_err(io_error("create directory", out_dir))?;

    let zip = out_dir.join(zip_name(version, target));
    write_atomically(&zip, |file| {
        write_zip(file, binary, &executable_name(version, target)).map_err(|source| {
            DistError::Zip {
                path: zip.clone(),
                source,
            }
        })
    })?;
    let (manifest, sums, checksums) = write_manifest_and_sums(out_dir, version)?;
    Ok(Package {
        zip,
        manifest,
        sums,
        checksums,
    })
}

/// The manifest and sums files, and the lines of the sums (as in [`Package::checksums`]).
pub(super) type Sums = (PathBuf, PathBuf, Vec<(String, String)>);

/// Writes the manifest, then a `SHA256SUMS` covering every zip of `version` in `dir` and the
/// manifest.
pub(super) fn write_manifest_and_sums(dir: &Path, version: &str) -> Result<Sums, DistError> {
    let manifest = dir.join(manifest_name(version));
    write_atomically(&manifest, |file| {
        file.write_all(manifest_json().as_bytes())
            .map_err(io_error("write", &manifest))
    })?;
    let prefix = format!("{BINARY_NAME}_{version}_");
    let mut names = vec![manifest_name(version)];
    for entry in fs::read_dir(dir).map_err(io_error("list", dir))? {
        let entry = entry.map_err(io_error("list", dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".zip") {
            names.push(name);
        }
    }
    names.sort();
    let mut checksums = Vec::with_capacity(names.len());
    for name in names {
        checksums.push((sha256_file(&dir.join(&name))?, name));
    }
    let sums = dir.join(sums_name(version));
    let text: String = checksums
        .iter()
        .map(|(sum, name)| format!("{sum}  {name}\n"))
        .collect();
    write_atomically(&sums, |file| {
        file.write_all(text.as_bytes())
            .map_err(io_error("write", &sums))
    })?;
    Ok((manifest, sums, checksums))
}

fn write_zip(file: &mut File, binary: &Path, entry: &str) -> zip::result::ZipResult<()> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755)
        .large_file(true);
    let mut writer = zip::ZipWriter::new(file);
    writer.start_file(entry, options)?;
    let mut input = File::open(binary)?;
    io::copy(&mut input, &mut writer)?;
    writer.finish()?;
    Ok(())
}

/// Writes `path` through a temporary sibling and a rename, so a failure leaves no half file.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<(), DistError>,
) -> Result<(), DistError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let mut file = File::create(&partial).map_err(io_error("create", &partial))?;
    let written =
        write(&mut file).and_then(|()| file.sync_all().map_err(io_error("write", &partial)));
    if let Err(e) = written {
        let _ = fs::remove_file(&partial);
        return Err(e);
    }
    fs::rename(&partial, path).map_err(io_error("move into place", path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::test_support::{fake_binary, linux};

    #[test]
    fn packing_is_reproducible_and_sums_cover_every_target() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let bin = fake_binary(tmp.path(), &[7u8; 5000]);
        let out = tmp.path().join("dist");
        let first = package(&bin, &out, "0.1.0", &linux()).expect("package");
        let bytes = fs::read(&first.zip).expect("zip");
        let second = package(&bin, &out, "0.1.0", &linux()).expect("package again");
        assert_eq!(fs::read(&second.zip).expect("zip"), bytes);

        let arm: Target = "darwin_arm64".parse().expect("valid");
        let both = package(&bin, &out, "0.1.0", &arm).expect("second target");
        let names: Vec<&str> = both.checksums.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "terraform-provider-servicecatalog_0.1.0_darwin_arm64.zip",
                "terraform-provider-servicecatalog_0.1.0_linux_amd64.zip",
                "terraform-provider-servicecatalog_0.1.0_manifest.json",
            ]
        );
        // Nothing but the release files is left behind.
        assert_eq!(fs::read_dir(&out).expect("list").count(), 4);
    }
}
