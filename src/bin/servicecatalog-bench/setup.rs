//! What every measurement runs against: the in-process emulator, the API call counter in front
//! of it, and a work directory holding both providers and terraform's `dev_overrides` config.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use servicecatalog_provider::emulator::{Emulator, EmulatorConfig, RunningEmulator, SeedProduct};
use tokio::runtime::Runtime;

use crate::calls::{ApiCalls, Calls};
use crate::terraform::{dev_overrides, Terraform};
use crate::{Cli, Result, OWNER_PREFIX};

/// The benchmark's state; the report sections (`report.rs`) append Markdown to `out`.
pub struct Bench {
    pub cli: Cli,
    pub rt: Runtime,
    pub emu: RunningEmulator,
    pub calls: ApiCalls,
    pub work: WorkDir,
    pub terraform: Terraform,
    /// Runs per measurement.
    pub runs: usize,
    pub out: String,
}

impl Bench {
    /// Starts the emulator and the call counter, and installs `provider` and `noop` for terraform.
    pub fn start(cli: Cli, provider: &Path, noop: &Path) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let emu = rt.block_on(Emulator::start(EmulatorConfig::default()))?;
        let calls = rt.block_on(ApiCalls::start(emu.addr()))?;

        let work = WorkDir::create()?;
        // dev_overrides wants a directory holding `terraform-provider-<type>`.
        let sc_dir = work.path().join("bin-servicecatalog");
        let noop_dir = work.path().join("bin-noop");
        std::fs::create_dir_all(&sc_dir)?;
        std::fs::create_dir_all(&noop_dir)?;
        std::fs::copy(provider, sc_dir.join("terraform-provider-servicecatalog"))?;
        std::fs::copy(noop, noop_dir.join("terraform-provider-noop"))?;
        let cli_config = work.path().join("terraformrc");
        std::fs::write(&cli_config, dev_overrides(&sc_dir, &noop_dir))?;

        let runs = cli.runs.unwrap_or(if cli.quick { 1 } else { 3 }).max(1);
        let terraform = Terraform {
            exe: cli.terraform.clone(),
            cli_config,
        };
        Ok(Self {
            cli,
            rt,
            emu,
            calls,
            work,
            terraform,
            runs,
            out: String::new(),
        })
    }

    /// The installed copies of the provider and the no-op provider.
    pub fn installed_binaries(&self) -> (PathBuf, PathBuf) {
        (
            self.work
                .path()
                .join("bin-servicecatalog/terraform-provider-servicecatalog"),
            self.work.path().join("bin-noop/terraform-provider-noop"),
        )
    }

    /// Seeds a provisioned product in the emulator; its id.
    pub fn seed(&self, name: &str) -> Result<String> {
        let pp = self
            .rt
            .block_on(self.emu.seed_provisioned_product(SeedProduct {
                name: name.to_owned(),
                owner_arn: Some(format!("{OWNER_PREFIX}Seed")),
                ..Default::default()
            }))?;
        Ok(pp.id)
    }

    /// The API calls made since the previous take.
    pub fn take_calls(&mut self) -> Result<Calls> {
        self.rt.block_on(self.calls.take())
    }

    /// Stops the emulator and deletes the work directory, or keeps it with `--keep`.
    pub fn finish(self) -> Result<()> {
        let Bench {
            cli, rt, emu, work, ..
        } = self;
        rt.block_on(emu.shutdown());
        if cli.keep {
            eprintln!("work directory kept: {}", work.path().display());
        } else {
            std::fs::remove_dir_all(work.path())
                .map_err(|e| format!("cannot remove {}: {e}", work.path().display()))?;
        }
        Ok(())
    }
}

/// A fresh directory under the system temp dir for configs, state and logs.
pub struct WorkDir(PathBuf);

impl WorkDir {
    fn create() -> Result<Self> {
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "servicecatalog-bench-{}-{stamp}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}
