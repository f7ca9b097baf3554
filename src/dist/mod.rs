//! Distribution of the provider binary without a registry: installing it into Terraform's
//! implied local mirror, and packing release archives the way registry publishing expects
//! (goreleaser layout: one zip per platform, a `SHA256SUMS` file and a registry manifest).
//!
//! Choices where Terraform and the registry leave room:
//! - The executable is named `terraform-provider-servicecatalog_v<version>` (`.exe` on
//!   Windows), both installed and inside the zip, as HashiCorp's release tooling names it.
//! - Zip entries carry no timestamps (the zip epoch, 1980-01-01), so packing the same binary
//!   twice gives byte-identical archives.
//! - `SHA256SUMS` lists every platform zip of the version found in the output directory plus the
//!   manifest, so packing several targets into one directory yields one sums file for all.
//!   Signing it (`SHA256SUMS.sig`) is left to the publisher's own key.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;

use sha2::{Digest, Sha256};

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
    /// A file-system operation failed.
    #[error("cannot {action} {path}: {source}", path = path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A `--target` value is not `<os>_<arch>` with known names.
    #[error("invalid target {value:?}: {reason}")]
    InvalidTarget { value: String, reason: &'static str },
    /// A provider address is not `hostname/namespace/type`.
    #[error("invalid provider address {value:?}: expected hostname/namespace/type")]
    InvalidAddress { value: String },
    /// A version is not `MAJOR.MINOR.PATCH[-PRERELEASE]`.
    #[error("invalid version {value:?}: expected MAJOR.MINOR.PATCH with an optional -prerelease")]
    InvalidVersion { value: String },
    /// This machine's OS or architecture has no Terraform platform name.
    #[error("Terraform has no platform name for {os}/{arch}; pass --target")]
    UnsupportedHost { os: String, arch: String },
    /// The binary to install or pack is missing or not a file.
    #[error("provider binary {path} is not a file", path = path.display())]
    BinaryMissing { path: PathBuf },
    /// `cargo build` failed or did not report the binary.
    #[error("building the provider failed: {reason}")]
    Build { reason: String },
    /// Writing the zip archive failed.
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

    /// Go's OS name, e.g. `linux`.
    pub fn os(&self) -> &str {
        &self.os
    }

    /// Go's architecture name, e.g. `amd64`.
    pub fn arch(&self) -> &str {
        &self.arch
    }

    fn exe_suffix(&self) -> &'static str {
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

/// A provider source address, `hostname/namespace/type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderAddress {
    pub hostname: String,
    pub namespace: String,
    pub type_name: String,
}

impl ProviderAddress {
    /// This provider's address ([`crate::plugin::PROVIDER_ADDRESS`]).
    pub fn ours() -> Self {
        let mut parts = crate::plugin::PROVIDER_ADDRESS.split('/');
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
    let manifest = out_dir.join(manifest_name(version));
    write_atomically(&manifest, |file| {
        file.write_all(manifest_json().as_bytes())
            .map_err(io_error("write", &manifest))
    })?;

    let prefix = format!("{BINARY_NAME}_{version}_");
    let mut names = vec![manifest_name(version)];
    for entry in fs::read_dir(out_dir).map_err(io_error("list", out_dir))? {
        let entry = entry.map_err(io_error("list", out_dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".zip") {
            names.push(name);
        }
    }
    names.sort();
    let mut checksums = Vec::with_capacity(names.len());
    for name in names {
        checksums.push((sha256_file(&out_dir.join(&name))?, name));
    }
    let sums = out_dir.join(sums_name(version));
    let text: String = checksums
        .iter()
        .map(|(sum, name)| format!("{sum}  {name}\n"))
        .collect();
    write_atomically(&sums, |file| {
        file.write_all(text.as_bytes())
            .map_err(io_error("write", &sums))
    })?;
    Ok(Package {
        zip,
        manifest,
        sums,
        checksums,
    })
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

fn check_binary(binary: &Path) -> Result<(), DistError> {
    if binary.is_file() {
        Ok(())
    } else {
        Err(DistError::BinaryMissing {
            path: binary.to_path_buf(),
        })
    }
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

/// Lowercase hex SHA-256 of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<String, DistError> {
    let mut file = File::open(path).map_err(io_error("open", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io_error("read", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Builds the provider with `cargo build --profile <profile>` and returns the executable cargo
/// reports. Uses `$CARGO` when set (as under `cargo run`), else `cargo` from `PATH`.
pub fn build(profile: &str) -> Result<PathBuf, DistError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([
        "build",
        "--profile",
        profile,
        "--bin",
        BINARY_NAME,
        "--message-format=json-render-diagnostics",
    ]);
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        command
            .arg("--manifest-path")
            .arg(Path::new(&dir).join("Cargo.toml"));
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| DistError::Build {
            reason: format!("cannot run cargo: {e}"),
        })?;
    let mut executable = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| DistError::Build {
                reason: format!("cannot read cargo's output: {e}"),
            })?;
            if let Some(path) = artifact_executable(&line) {
                executable = Some(path);
            }
        }
    }
    let status = child.wait().map_err(|e| DistError::Build {
        reason: format!("cannot wait for cargo: {e}"),
    })?;
    if !status.success() {
        return Err(DistError::Build {
            reason: format!("cargo build exited with {status}"),
        });
    }
    executable.ok_or_else(|| DistError::Build {
        reason: format!("cargo did not report the {BINARY_NAME} executable"),
    })
}

/// The `executable` of a cargo `compiler-artifact` message for the provider binary.
fn artifact_executable(line: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message.get("reason")?.as_str()? != "compiler-artifact"
        || message.get("target")?.get("name")?.as_str()? != BINARY_NAME
    {
        return None;
    }
    message.get("executable")?.as_str().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> Target {
        "linux_amd64".parse().expect("valid target")
    }

    fn fake_binary(dir: &Path, bytes: &[u8]) -> PathBuf {
        let path = dir.join("provider-bin");
        fs::write(&path, bytes).expect("write fake binary");
        path
    }

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
    fn host_target_is_a_go_platform() {
        let host = Target::host().expect("this machine has a Terraform platform");
        assert!(
            OSES.contains(&host.os()) && ARCHES.contains(&host.arch()),
            "{host}"
        );
    }

    #[test]
    fn our_address_is_the_plugin_address() {
        let ours = ProviderAddress::ours();
        assert_eq!(ours.to_string(), crate::plugin::PROVIDER_ADDRESS);
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

    #[test]
    fn manifest_announces_protocol_6() {
        let parsed: serde_json::Value =
            serde_json::from_str(&manifest_json()).expect("manifest is JSON");
        assert_eq!(
            parsed,
            serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
        );
    }

    #[test]
    fn cargo_artifact_messages_give_the_executable() {
        let line = r#"{"reason":"compiler-artifact","target":{"name":"terraform-provider-servicecatalog"},"executable":"/t/release/terraform-provider-servicecatalog"}"#;
        assert_eq!(
            artifact_executable(line),
            Some(PathBuf::from(
                "/t/release/terraform-provider-servicecatalog"
            ))
        );
        let lib = r#"{"reason":"compiler-artifact","target":{"name":"servicecatalog_provider"},"executable":null}"#;
        assert_eq!(artifact_executable(lib), None);
        assert_eq!(artifact_executable("not json"), None);
    }
}
