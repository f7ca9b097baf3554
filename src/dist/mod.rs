//! Distribution of the provider binary: installing it into Terraform's implied local mirror,
//! packing one platform's release zip, and assembling a whole release (every platform's zip, the
//! manifest and `SHA256SUMS`) in the layout the registries read. The choices made where
//! Terraform leaves room (names, reproducible zips, what the sums cover) are in `docs/install.md`.

mod build;
mod install;
mod naming;
mod package;
mod release;
mod target;

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use build::build;
pub use install::{implied_mirror_dir, install, Installed, Previous};
pub use naming::{
    check_release_version, executable_name, manifest_json, manifest_name, signature_name,
    sums_name, validate_version, zip_name, ProviderAddress,
};
pub use package::{package, Package};
pub use release::{assemble, Release};
pub use target::{Target, RELEASE_TARGETS};

/// Name of the provider executable, before the version suffix.
pub const BINARY_NAME: &str = "terraform-provider-servicecatalog";

/// The version this build installs and packs as.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// tfplugin protocol versions announced in the registry manifest.
pub const PROTOCOL_VERSIONS: &[&str] = &["6.0"];

/// Why installing or packing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DistError {
    #[error("cannot {action} {path}: {source}", path = path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("invalid target {value:?}: {reason}")]
    InvalidTarget { value: String, reason: &'static str },
    #[error("invalid provider address {value:?}: expected hostname/namespace/type")]
    InvalidAddress { value: String },
    /// A release tag names another version than the one being packed.
    #[error(
        "the release tag {tag} names version {requested}, but Cargo.toml says {version}: set \
         `version = \"{requested}\"` in Cargo.toml (and the CHANGELOG heading) and tag that \
         commit, or tag v{version} instead"
    )]
    VersionMismatch {
        tag: String,
        requested: String,
        version: String,
    },
    /// A release directory does not hold exactly one zip per release platform.
    #[error("cannot assemble the release in {dir}: {reason}", dir = dir.display())]
    Release { dir: PathBuf, reason: String },
    #[error("invalid version {value:?}: expected MAJOR.MINOR.PATCH with an optional -prerelease")]
    InvalidVersion { value: String },
    #[error("Terraform has no platform name for {os}/{arch}; pass --target")]
    UnsupportedHost { os: String, arch: String },
    #[error("provider binary {path} is not a file", path = path.display())]
    BinaryMissing { path: PathBuf },
    #[error("building the provider failed: {reason}")]
    Build { reason: String },
    #[error("cannot write archive {path}: {source}", path = path.display())]
    Zip {
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> DistError + 'a {
    move |source| DistError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

fn check_binary(binary: &Path) -> Result<(), DistError> {
    if binary.is_file() {
        Ok(())
    } else {
        Err(DistError::BinaryMissing {
            path: binary.to_path_buf(),
        })
    }
}

/// Lowercase hex SHA-256 of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<String, DistError> {
    let mut file = File::open(path).map_err(io_error("open", path))?;
    let mut hasher = Sha256::new();
    // Writing into the hasher cannot fail: an error is the file's.
    io::copy(&mut file, &mut hasher).map_err(io_error("read", path))?;
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod test_support {
    use std::fs;
    use std::path::{Path, PathBuf};

    use super::Target;

    pub fn linux() -> Target {
        "linux_amd64".parse().expect("valid target")
    }

    pub fn fake_binary(dir: &Path, bytes: &[u8]) -> PathBuf {
        let path = dir.join("provider-bin");
        fs::write(&path, bytes).expect("write fake binary");
        path
    }
}
