//! Which CLI the suites drive and what it can do: Terraform or OpenTofu and its version, read
//! once from `<cli> version`. The suite's minimum (import blocks with `for_each`: 1.7 for both)
//! is checked here, and the version-gated tests ask [`skip_unless`] whether to run, so one
//! reader serves both. OpenTofu's default registry host is `registry.opentofu.org`: addresses
//! that Terraform would print under `registry.terraform.io` come from [`Cli::provider_address`].

use std::cmp::Ordering;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use regex::Regex;

use super::PROVIDER_SOURCE;

/// Terraform, or OpenTofu (a fork that kept Terraform's commands, files and messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CliKind {
    Terraform,
    OpenTofu,
}

impl CliKind {
    /// Where an unqualified source address (`servicecatalog/servicecatalog`) resolves.
    pub fn registry_host(self) -> &'static str {
        match self {
            CliKind::Terraform => "registry.terraform.io",
            CliKind::OpenTofu => "registry.opentofu.org",
        }
    }
}

impl fmt::Display for CliKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CliKind::Terraform => "Terraform",
            CliKind::OpenTofu => "OpenTofu",
        })
    }
}

/// A CLI release: `major.minor.patch`, with a pre-release tag (`-rc1`, `-alpha20250101`) kept
/// for display. A pre-release counts as its release: a 1.14 release candidate has 1.14's
/// features.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub pre: Option<String>,
}

impl Version {
    fn at_least(&self, (major, minor): (u32, u32)) -> bool {
        (self.major, self.minor).cmp(&(major, minor)) != Ordering::Less
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

/// The CLI binary, what it is and its version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cli {
    pub path: PathBuf,
    pub kind: CliKind,
    pub version: Version,
}

impl Cli {
    /// Reads the first line of `<path> version` (`Terraform v1.11.4`, `OpenTofu v1.8.0`).
    pub fn detect(path: &Path) -> Result<Cli, String> {
        let out = Command::new(path)
            .arg("version")
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .map_err(|e| format!("cannot run `{} version`: {e}", path.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let (kind, version) = parse_version(&text)
            .map_err(|e| format!("`{} version` printed no version: {e}", path.display()))?;
        Ok(Cli {
            path: path.to_path_buf(),
            kind,
            version,
        })
    }

    /// Whether this CLI has what `req` names.
    pub fn supports(&self, req: &Requirement) -> bool {
        let need = match self.kind {
            CliKind::Terraform => req.terraform,
            CliKind::OpenTofu => req.opentofu,
        };
        need.is_some_and(|need| self.version.at_least(need))
    }

    /// Our provider's address as this CLI prints it (in `providers schema -json`, in state):
    /// the short source under the CLI's default registry host.
    pub fn provider_address(&self) -> String {
        format!("{}/{PROVIDER_SOURCE}", self.kind.registry_host())
    }
}

impl fmt::Display for Cli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.version)
    }
}

/// Parses the first line `terraform version` / `tofu version` prints.
pub fn parse_version(text: &str) -> Result<(CliKind, Version), String> {
    let first = text.lines().next().unwrap_or_default().trim();
    let re = Regex::new(r"^(Terraform|OpenTofu) v(\d+)\.(\d+)\.(\d+)(?:-(\S+))?$")
        .expect("static regex");
    let caps = re.captures(first).ok_or_else(|| {
        format!("expected `Terraform vX.Y.Z` or `OpenTofu vX.Y.Z`, got {first:?}")
    })?;
    let kind = if &caps[1] == "Terraform" {
        CliKind::Terraform
    } else {
        CliKind::OpenTofu
    };
    let number = |i: usize| {
        caps[i]
            .parse::<u32>()
            .map_err(|e| format!("version part {:?} of {first:?}: {e}", &caps[i]))
    };
    Ok((
        kind,
        Version {
            major: number(2)?,
            minor: number(3)?,
            patch: number(4)?,
            pre: caps.get(5).map(|m| m.as_str().to_owned()),
        },
    ))
}

/// The lowest version of each CLI that has a feature; `None`: that CLI does not have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub feature: &'static str,
    pub terraform: Option<(u32, u32)>,
    pub opentofu: Option<(u32, u32)>,
}

impl fmt::Display for Requirement {
    /// `Terraform >= 1.12 or OpenTofu >= 1.12`, `Terraform >= 1.14`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [
            (CliKind::Terraform, self.terraform),
            (CliKind::OpenTofu, self.opentofu),
        ]
        .into_iter()
        .filter_map(|(kind, v)| v.map(|(major, minor)| format!("{kind} >= {major}.{minor}")))
        .collect();
        f.write_str(&parts.join(" or "))
    }
}

/// What the whole suite needs: `import` blocks with `for_each` (Terraform 1.7, OpenTofu 1.7).
pub const SUITE_MINIMUM: Requirement = Requirement {
    feature: "import blocks with for_each",
    terraform: Some((1, 7)),
    opentofu: Some((1, 7)),
};
/// `import { identity = { ... } }` (Terraform 1.12, OpenTofu 1.12).
pub const IMPORT_BY_IDENTITY: Requirement = Requirement {
    feature: "import blocks with identity",
    terraform: Some((1, 12)),
    opentofu: Some((1, 12)),
};
/// `terraform query` over list resources, with `-generate-config-out` (Terraform 1.14).
pub const QUERY: Requirement = Requirement {
    feature: "terraform query",
    terraform: Some((1, 14)),
    opentofu: None,
};
/// `terraform apply -invoke=action...` (Terraform 1.14).
pub const ACTIONS: Requirement = Requirement {
    feature: "actions (apply -invoke)",
    terraform: Some((1, 14)),
    opentofu: None,
};

/// Why `cli` cannot run the suite, as a sentence saying what to install; `None` when it can.
pub fn below_minimum(cli: &Cli) -> Option<String> {
    (!cli.supports(&SUITE_MINIMUM)).then(|| {
        format!(
            "the acceptance suite needs {SUITE_MINIMUM} ({}), found {cli} at {}: install a \
             newer one (https://developer.hashicorp.com/terraform/install) and put it on PATH, \
             or set TF_ACC_TERRAFORM_PATH to it",
            SUITE_MINIMUM.feature,
            cli.path.display()
        )
    })
}

/// The CLI of this test run (see [`super::terraform_binary`]), read once. Panics with what to
/// install when it is missing, unreadable or older than the suite needs.
pub fn cli() -> &'static Cli {
    static CLI: OnceLock<Result<Cli, String>> = OnceLock::new();
    let cli = CLI.get_or_init(|| {
        let cli = Cli::detect(&super::terraform_binary())?;
        match below_minimum(&cli) {
            Some(why) => Err(why),
            None => Ok(cli),
        }
    });
    cli.as_ref().unwrap_or_else(|why| panic!("{why}"))
}

/// The line a version-gated test prints instead of running.
pub fn skip_line(test: &str, req: &Requirement, cli: &Cli) -> String {
    format!("SKIP {test}: needs {req}, found {cli}")
}

/// True when this run's CLI has `req`; otherwise prints one `SKIP` line naming the version
/// needed, straight to stderr so it shows without `--nocapture`, and returns false.
pub fn skip_unless(test: &str, req: &Requirement) -> bool {
    let cli = cli();
    if cli.supports(req) {
        return true;
    }
    let line = skip_line(test, req, cli);
    // Not eprintln!: the test harness captures that; a skip must never pass unseen.
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
    false
}
