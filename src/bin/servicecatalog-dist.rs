//! servicecatalog-dist: installs the provider into Terraform's implied local mirror, packs a
//! platform's release zip, and assembles a release (every platform's zip, SHA256SUMS, manifest)
//! for registry publishing.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use servicecatalog_provider::dist::{self, DistError, Previous, ProviderAddress, Target};

/// Install or package terraform-provider-servicecatalog without a registry.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Copy the provider into ~/.terraform.d/plugins/<host>/<namespace>/servicecatalog/<version>/<os>_<arch>/,
    /// where a plain `terraform init` finds it.
    Install {
        #[command(flatten)]
        source: Source,
        /// Mirror directory to install into instead of the implied one under $HOME.
        #[arg(long, value_name = "DIR")]
        plugins_dir: Option<PathBuf>,
    },
    /// Write terraform-provider-servicecatalog_<version>_<os>_<arch>.zip, _SHA256SUMS and
    /// _manifest.json into DIR.
    Package {
        #[command(flatten)]
        source: Source,
        /// Output directory (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Platform the binary was built for, as <os>_<arch> (default: this machine's).
        #[arg(long, value_name = "OS_ARCH")]
        target: Option<String>,
        /// The release tag (v1.2.3) or version being packed: refused unless it is the version in
        /// Cargo.toml.
        #[arg(long = "version", value_name = "TAG")]
        release: Option<String>,
    },
    /// Check that DIR holds exactly one zip per release platform, then write the manifest and
    /// the SHA256SUMS over them; prints the files to publish.
    Release {
        /// The directory holding the zips.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The release tag (v1.2.3) or version: refused unless it is the version in Cargo.toml.
        #[arg(long = "version", value_name = "TAG")]
        release: String,
    },
}

#[derive(Debug, Args)]
struct Source {
    /// Use this provider binary instead of building one with cargo.
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// Cargo profile to build with when --binary is not given.
    #[arg(long, default_value = "release", value_name = "NAME")]
    profile: String,
}

impl Source {
    fn binary(&self) -> Result<PathBuf, DistError> {
        match &self.binary {
            Some(path) => Ok(path.clone()),
            None => {
                eprintln!(
                    "building {} ({} profile)...",
                    dist::BINARY_NAME,
                    self.profile
                );
                dist::build(&self.profile)
            }
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let address = ProviderAddress::ours();
    let version = dist::VERSION;
    match cli.command {
        Cmd::Install {
            source,
            plugins_dir,
        } => {
            let mirror = match plugins_dir {
                Some(dir) => dir,
                None => dist::implied_mirror_dir(&home_dir()?),
            };
            let target = Target::host()?;
            let binary = source.binary()?;
            let installed = dist::install(&binary, &mirror, &address, version, &target)?;
            let what = match installed.previous {
                Previous::None => "installed",
                Previous::Identical => "already installed (identical)",
                Previous::Replaced => "replaced",
            };
            println!(
                "{what}: {address} {version} ({target})\n  from {}\n  to   {}",
                binary.display(),
                installed.path.display()
            );
            println!(
                "\nUse it with:\n  terraform {{\n    required_providers {{\n      servicecatalog = {{\n        \
                 source  = \"{address}\"\n        version = \"{version}\"\n      }}\n    }}\n  }}\n\
                 and run `terraform init`."
            );
            if installed.previous == Previous::Replaced {
                println!(
                    "The binary changed under the same version: in working directories that \
                     already locked it, run `terraform init -upgrade`."
                );
            }
        }
        Cmd::Package {
            source,
            out,
            target,
            release,
        } => {
            if let Some(tag) = release {
                dist::check_release_version(&tag, version)?;
            }
            let target = match target {
                Some(t) => t.parse::<Target>().map_err(|e| format!("--target: {e}"))?,
                None => Target::host()?,
            };
            let binary = source.binary()?;
            let package = dist::package(&binary, &out, version, &target)?;
            println!(
                "packed {address} {version} ({target}) from {}",
                binary.display()
            );
            println!("  {}", package.zip.display());
            println!("  {}", package.manifest.display());
            println!("  {}", package.sums.display());
            for (sum, name) in &package.checksums {
                println!("    {sum}  {name}");
            }
        }
        Cmd::Release { dir, release } => {
            dist::check_release_version(&release, version)?;
            let release = dist::assemble(&dir, version)?;
            println!("release {address} {version} in {}:", dir.display());
            for asset in &release.assets {
                println!("  {}", asset.display());
            }
            println!(
                "Sign the sums with the publisher's key before publishing:\n  \
                 gpg --batch --detach-sign --output {} {}",
                release.signature.display(),
                release.sums.display()
            );
        }
    }
    Ok(())
}

fn home_dir() -> Result<PathBuf, String> {
    let var = if cfg!(windows) { "APPDATA" } else { "HOME" };
    match std::env::var_os(var) {
        Some(home) if !home.is_empty() => Ok(PathBuf::from(home)),
        _ => Err(format!("{var} is not set; pass --plugins-dir DIR")),
    }
}
