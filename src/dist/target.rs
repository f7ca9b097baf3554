//! Terraform platforms: `<os>_<arch>` with Go's names, this machine's, and the ones a release
//! is built for, each with the Rust target it is compiled as.

use std::fmt;
use std::str::FromStr;

use super::DistError;

/// A Terraform platform, `<os>_<arch>` with Go's names (`linux_amd64`, `darwin_arm64`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    os: String,
    arch: String,
}

const OSES: &[&str] = &[
    "linux", "darwin", "windows", "freebsd", "openbsd", "netbsd", "solaris",
];
const ARCHES: &[&str] = &[
    "amd64", "arm64", "386", "arm", "ppc64le", "s390x", "riscv64",
];

/// The platforms a release is built for, each with the Rust target it is compiled as.
pub const RELEASE_TARGETS: &[(&str, &str)] = &[
    ("darwin_amd64", "x86_64-apple-darwin"),
    ("darwin_arm64", "aarch64-apple-darwin"),
    ("linux_amd64", "x86_64-unknown-linux-gnu"),
    ("linux_arm64", "aarch64-unknown-linux-gnu"),
    ("windows_amd64", "x86_64-pc-windows-msvc"),
];

impl Target {
    /// The platform this process runs on.
    pub fn host() -> Result<Self, DistError> {
        let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
        let go_os = match os {
            "macos" => "darwin",
            other => other,
        };
        let go_arch = match arch {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            other => other,
        };
        format!("{go_os}_{go_arch}")
            .parse()
            .map_err(|_| DistError::UnsupportedHost {
                os: os.to_owned(),
                arch: arch.to_owned(),
            })
    }

    /// The platforms of [`RELEASE_TARGETS`], in that order.
    pub fn release() -> Vec<Target> {
        RELEASE_TARGETS
            .iter()
            .filter_map(|(platform, _)| platform.parse().ok())
            .collect()
    }

    /// The Rust target a release builds this platform as (`None`: not a release platform).
    pub fn rust_target(&self) -> Option<&'static str> {
        let name = self.to_string();
        RELEASE_TARGETS
            .iter()
            .find(|(platform, _)| *platform == name)
            .map(|(_, triple)| *triple)
    }

    /// Go's OS name, e.g. `linux`.
    pub fn os(&self) -> &str {
        &self.os
    }

    /// Go's architecture name, e.g. `amd64`.
    pub fn arch(&self) -> &str {
        &self.arch
    }

    pub(super) fn exe_suffix(&self) -> &'static str {
        if self.os == "windows" {
            ".exe"
        } else {
            ""
        }
    }
}

impl FromStr for Target {
    type Err = DistError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| DistError::InvalidTarget {
            value: value.to_owned(),
            reason,
        };
        let (os, arch) = value
            .split_once('_')
            .ok_or_else(|| invalid("expected <os>_<arch>, e.g. linux_amd64"))?;
        if !OSES.contains(&os) {
            return Err(invalid("unknown OS (linux, darwin, windows, freebsd, ...)"));
        }
        if !ARCHES.contains(&arch) {
            return Err(invalid(
                "unknown architecture (amd64, arm64, 386, arm, ...)",
            ));
        }
        Ok(Self {
            os: os.to_owned(),
            arch: arch.to_owned(),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.os, self.arch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::naming::{executable_name, zip_name};

    #[test]
    fn targets_parse_and_print_in_go_names() {
        let t: Target = "darwin_arm64".parse().expect("valid");
        assert_eq!((t.os(), t.arch()), ("darwin", "arm64"));
        assert_eq!(t.to_string(), "darwin_arm64");
        let windows: Target = "windows_amd64".parse().expect("valid");
        assert_eq!(
            executable_name("1.2.3", &windows),
            "terraform-provider-servicecatalog_v1.2.3.exe"
        );
        assert_eq!(
            zip_name("1.2.3", &windows),
            "terraform-provider-servicecatalog_1.2.3_windows_amd64.zip"
        );
    }

    #[test]
    fn bad_targets_name_the_value() {
        for bad in ["linux", "linux_x86_64", "macos_arm64", "_amd64", ""] {
            let err = bad.parse::<Target>().expect_err(bad).to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn every_release_target_has_its_names() {
        let names: Vec<(String, &str, String, String)> = Target::release()
            .iter()
            .map(|t| {
                (
                    t.to_string(),
                    t.rust_target().expect("a release target"),
                    zip_name("0.4.0", t),
                    executable_name("0.4.0", t),
                )
            })
            .collect();
        let expected = [
            ("darwin_amd64", "x86_64-apple-darwin", ""),
            ("darwin_arm64", "aarch64-apple-darwin", ""),
            ("linux_amd64", "x86_64-unknown-linux-gnu", ""),
            ("linux_arm64", "aarch64-unknown-linux-gnu", ""),
            ("windows_amd64", "x86_64-pc-windows-msvc", ".exe"),
        ]
        .map(|(platform, triple, exe)| {
            (
                platform.to_owned(),
                triple,
                format!("terraform-provider-servicecatalog_0.4.0_{platform}.zip"),
                format!("terraform-provider-servicecatalog_v0.4.0{exe}"),
            )
        });
        assert_eq!(names, expected);
        let freebsd: Target = "freebsd_amd64".parse().expect("valid");
        assert_eq!(freebsd.rust_target(), None, "not a release platform");
    }

    #[test]
    fn host_target_is_a_go_platform() {
        let host = Target::host().expect("this machine has a Terraform platform");
        assert!(
            OSES.contains(&host.os()) && ARCHES.contains(&host.arch()),
            "{host}"
        );
    }
}
