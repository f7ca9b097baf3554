//! Installing into a local mirror (Terraform's implied one by default), in the unpacked layout.

use std::fs;
use std::path::{Path, PathBuf};

use super::naming::{executable_name, validate_version, ProviderAddress};
use super::{check_binary, io_error, sha256_file, DistError, Target};

/// Terraform's implied local mirror for a user: `$HOME/.terraform.d/plugins`
/// (`%APPDATA%\terraform.d\plugins` on Windows).
pub fn implied_mirror_dir(home: &Path) -> PathBuf {
    if cfg!(windows) {
        home.join("terraform.d").join("plugins")
    } else {
        home.join(".terraform.d").join("plugins")
    }
}

/// What [`install`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    /// The installed executable.
    pub path: PathBuf,
    /// Whether an executable was already there, and whether it differed.
    pub previous: Previous,
}

/// The file [`install`] found at the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Previous {
    None,
    Identical,
    Replaced,
}

/// Copies `binary` into the unpacked layout of `mirror`:
/// `<mirror>/<hostname>/<namespace>/<type>/<version>/<os>_<arch>/<executable_name>`.
pub fn install(
    binary: &Path,
    mirror: &Path,
    address: &ProviderAddress,
    version: &str,
    target: &Target,
) -> Result<Installed, DistError> {
    validate_version(version)?;
    check_binary(binary)?;
    let dir = address
        .dir_in(mirror)
        .join(version)
        .join(target.to_string());
    fs::create_dir_all(&dir).map_err(io_error("create directory", &dir))?;
    let dest = dir.join(executable_name(version, target));
    let previous = if dest.is_file() {
        if sha256_file(&dest)? == sha256_file(binary)? {
            Previous::Identical
        } else {
            Previous::Replaced
        }
    } else {
        Previous::None
    };
    if previous != Previous::Identical {
        // Copy beside the destination, then rename, so a running terraform never sees half a file.
        let partial = dir.join(format!(".{}.partial", executable_name(version, target)));
        fs::copy(binary, &partial).map_err(io_error("copy the binary to", &partial))?;
        make_executable(&partial)?;
        fs::rename(&partial, &dest).map_err(io_error("move the binary to", &dest))?;
    }
    Ok(Installed {
        path: dest,
        previous,
    })
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), DistError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(io_error("make executable", path))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), DistError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::test_support::{fake_binary, linux};

    #[test]
    fn install_copies_into_the_unpacked_layout_and_reports_what_was_there() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let bin = fake_binary(tmp.path(), b"one");
        let mirror = tmp.path().join("plugins");
        let address = ProviderAddress::ours();
        let first = install(&bin, &mirror, &address, "0.3.0", &linux()).expect("install");
        assert_eq!(
            first.path,
            mirror.join(
                "registry.terraform.io/servicecatalog/servicecatalog/0.3.0/linux_amd64/\
                 terraform-provider-servicecatalog_v0.3.0"
            )
        );
        assert_eq!(first.previous, Previous::None);
        assert_eq!(fs::read(&first.path).expect("read"), b"one");
        let again = install(&bin, &mirror, &address, "0.3.0", &linux()).expect("reinstall");
        assert_eq!(again.previous, Previous::Identical);
        fs::write(&bin, b"two").expect("rewrite");
        let replaced = install(&bin, &mirror, &address, "0.3.0", &linux()).expect("replace");
        assert_eq!(replaced.previous, Previous::Replaced);
        assert_eq!(fs::read(&replaced.path).expect("read"), b"two");
        let leftovers: Vec<_> = fs::read_dir(replaced.path.parent().expect("dir"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn missing_binary_is_named() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("nope");
        let err = install(
            &missing,
            tmp.path(),
            &ProviderAddress::ours(),
            "0.1.0",
            &linux(),
        )
        .expect_err("missing")
        .to_string();
        assert!(err.contains("nope"), "{err}");
    }
}
