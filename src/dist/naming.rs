//! Names: the provider's source address, release versions (and the tag a release is made
//! from), the executable and release file names, and the registry manifest.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::{DistError, Target, BINARY_NAME, PROTOCOL_VERSIONS};

/// A provider source address, `hostname/namespace/type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderAddress {
    pub hostname: String,
    pub namespace: String,
    pub type_name: String,
}

impl ProviderAddress {
    /// This provider's address ([`crate::host::PROVIDER_ADDRESS`]).
    pub fn ours() -> Self {
        let mut parts = crate::host::PROVIDER_ADDRESS.split('/');
        let mut next = || parts.next().unwrap_or_default().to_owned();
        Self {
            hostname: next(),
            namespace: next(),
            type_name: next(),
        }
    }

    /// The package directory under a mirror root: `<mirror>/<hostname>/<namespace>/<type>`.
    pub fn dir_in(&self, mirror: &Path) -> PathBuf {
        mirror
            .join(&self.hostname)
            .join(&self.namespace)
            .join(&self.type_name)
    }
}

impl FromStr for ProviderAddress {
    type Err = DistError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = value.split('/').collect();
        let ok_part = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'))
        };
        match parts.as_slice() {
            [h, n, t] if ok_part(h) && ok_part(n) && ok_part(t) => Ok(Self {
                hostname: (*h).to_owned(),
                namespace: (*n).to_owned(),
                type_name: (*t).to_owned(),
            }),
            _ => Err(DistError::InvalidAddress {
                value: value.to_owned(),
            }),
        }
    }
}

impl fmt::Display for ProviderAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.hostname, self.namespace, self.type_name)
    }
}

/// Checks `version` is `MAJOR.MINOR.PATCH[-PRERELEASE]`, which Terraform requires of mirrors.
pub fn validate_version(version: &str) -> Result<(), DistError> {
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let core_ok = numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    let pre_ok = pre.is_none_or(|p| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    });
    if core_ok && pre_ok {
        Ok(())
    } else {
        Err(DistError::InvalidVersion {
            value: version.to_owned(),
        })
    }
}

/// Checks that a release tag (`v1.2.3`, or `1.2.3`) names `version`, the one this build packs:
/// a tag and `Cargo.toml` that disagree would publish zips whose executables carry another
/// version than the release's.
pub fn check_release_version(tag: &str, version: &str) -> Result<(), DistError> {
    let requested = tag.strip_prefix('v').unwrap_or(tag);
    validate_version(requested)?;
    if requested == version {
        Ok(())
    } else {
        Err(DistError::VersionMismatch {
            tag: tag.to_owned(),
            requested: requested.to_owned(),
            version: version.to_owned(),
        })
    }
}

/// `terraform-provider-servicecatalog_v<version>` (plus `.exe` for Windows).
pub fn executable_name(version: &str, target: &Target) -> String {
    format!("{BINARY_NAME}_v{version}{}", target.exe_suffix())
}

/// `terraform-provider-servicecatalog_<version>_<os>_<arch>.zip`.
pub fn zip_name(version: &str, target: &Target) -> String {
    format!("{BINARY_NAME}_{version}_{target}.zip")
}

/// `terraform-provider-servicecatalog_<version>_SHA256SUMS`.
pub fn sums_name(version: &str) -> String {
    format!("{BINARY_NAME}_{version}_SHA256SUMS")
}

/// `terraform-provider-servicecatalog_<version>_SHA256SUMS.sig`, the publisher's signature.
pub fn signature_name(version: &str) -> String {
    format!("{}.sig", sums_name(version))
}

/// `terraform-provider-servicecatalog_<version>_manifest.json`.
pub fn manifest_name(version: &str) -> String {
    format!("{BINARY_NAME}_{version}_manifest.json")
}

/// The registry manifest: `{"version":1,"metadata":{"protocol_versions":["6.0"]}}`.
pub fn manifest_json() -> String {
    let manifest = serde_json::json!({
        "version": 1,
        "metadata": { "protocol_versions": PROTOCOL_VERSIONS },
    });
    format!("{manifest}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_address_is_the_plugin_address() {
        let ours = ProviderAddress::ours();
        assert_eq!(ours.to_string(), crate::host::PROVIDER_ADDRESS);
        assert_eq!(ours.type_name, "servicecatalog");
        assert!("a/b".parse::<ProviderAddress>().is_err());
        assert!("a/b/c/d".parse::<ProviderAddress>().is_err());
    }

    #[test]
    fn versions_must_be_semver() {
        for good in ["0.1.0", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha-2"] {
            assert!(validate_version(good).is_ok(), "{good}");
        }
        for bad in ["1.0", "v1.0.0", "1.0.0-", "1.a.0", "1.0.0+meta", ""] {
            let err = validate_version(bad).expect_err(bad).to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn a_release_tag_must_name_this_version() {
        assert!(check_release_version("v0.3.0", "0.3.0").is_ok());
        assert!(check_release_version("0.3.0", "0.3.0").is_ok());
        assert!(check_release_version("v1.0.0-rc.1", "1.0.0-rc.1").is_ok());
        let err = check_release_version("v0.4.0", "0.3.0")
            .expect_err("another version")
            .to_string();
        assert!(
            err.contains("v0.4.0") && err.contains("0.3.0") && err.contains("Cargo.toml"),
            "{err}"
        );
        let err = check_release_version("release-7", "0.3.0")
            .expect_err("not a version")
            .to_string();
        assert!(err.contains("\"release-7\""), "{err}");
    }

    #[test]
    fn release_file_names() {
        assert_eq!(
            sums_name("0.3.0"),
            "terraform-provider-servicecatalog_0.3.0_SHA256SUMS"
        );
        assert_eq!(
            signature_name("0.3.0"),
            "terraform-provider-servicecatalog_0.3.0_SHA256SUMS.sig"
        );
        assert_eq!(
            manifest_name("0.3.0"),
            "terraform-provider-servicecatalog_0.3.0_manifest.json"
        );
    }

    #[test]
    fn manifest_announces_protocol_6() {
        let parsed: serde_json::Value =
            serde_json::from_str(&manifest_json()).expect("manifest is JSON");
        assert_eq!(
            parsed,
            serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
        );
    }
}
