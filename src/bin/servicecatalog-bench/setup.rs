//! What every measurement runs against: the in-process emulator (with the per-call latency and
//! rate limits of the command line from its start, so a reset keeps them), its call counter,
//! a work directory holding both providers and terraform's `dev_overrides` config, and the
//! fleets (a provider and a no-op workspace over the same ids).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use servicecatalog_provider::emulator::{
    Emulator, EmulatorConfig, Faults, RecordStatus, RunningEmulator, SeedProduct,
};
use tokio::runtime::Runtime;

use crate::calls::{ApiCalls, Calls};
use crate::options::{Baseline, Cli};
use crate::terraform::{
    dev_overrides, noop_config, sc_config, write_config, RunResult, Step, Terraform,
};
use crate::{Result, OWNER_PREFIX};

/// The owner every product is seeded with.
pub fn seed_owner() -> String {
    format!("{OWNER_PREFIX}Seed")
}

/// The record type of `UpdateProvisionedProductProperties`.
const PROPERTIES_RECORD: &str = "UPDATE_PROVISIONED_PRODUCT_PROPERTIES";

/// The benchmark's state.
pub struct Bench {
    pub cli: Cli,
    pub rt: Runtime,
    pub emu: RunningEmulator,
    calls: ApiCalls,
    pub work: WorkDir,
    pub terraform: Terraform,
}

/// A terraform run and the API calls made during it.
pub struct Measured {
    pub run: RunResult,
    pub calls: Calls,
}

/// Two workspaces over the same provisioned product ids: the provider's and the no-op's.
pub struct Fleet {
    pub ids: Vec<String>,
    pub sc_dir: PathBuf,
    pub noop_dir: PathBuf,
}

impl Fleet {
    /// Forgets both workspaces' state, so the next apply creates every resource.
    pub fn forget_state(&self) {
        for dir in [&self.sc_dir, &self.noop_dir] {
            // A missing state file is what we want.
            let _ = std::fs::remove_file(dir.join("terraform.tfstate"));
        }
    }
}

impl Bench {
    /// Starts the emulator, and installs `provider` and `noop` for terraform.
    pub fn start(cli: Cli, provider: &Path, noop: &Path) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let config = EmulatorConfig {
            faults: Faults {
                latency: cli.latency(),
                rate_limits: cli.rate_limits()?,
                ..Faults::default()
            },
            ..EmulatorConfig::default()
        };
        let emu = rt.block_on(Emulator::start(config))?;
        let mut calls = ApiCalls::default();
        calls.rebase(emu.metrics());

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
        })
    }

    /// Prints a finished section at once, so a long run shows its figures as it goes.
    pub fn emit(&self, section: &str) -> Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(section.as_bytes())?;
        out.flush()?;
        Ok(())
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

    /// An empty account with the start-up faults (per-call latency, --rate-limit) and zeroed
    /// counters: every scenario starts from here.
    pub fn reset(&mut self) -> Result<()> {
        self.rt.block_on(self.emu.reset())?;
        self.calls.rebase(self.emu.metrics());
        Ok(())
    }

    /// Seeds `n` products owned by [`seed_owner`]; their ids.
    pub fn seed(&self, prefix: &str, n: usize) -> Result<Vec<String>> {
        (0..n)
            .map(|i| {
                let pp = self
                    .rt
                    .block_on(self.emu.seed_provisioned_product(SeedProduct {
                        name: format!("{prefix}-{i}"),
                        owner_arn: Some(seed_owner()),
                        ..Default::default()
                    }))?;
                Ok(pp.id)
            })
            .collect()
    }

    /// Writes the provider's and the no-op's workspaces `name`-sc and `name`-noop over `ids` (the
    /// no-op's resource chosen by `--baseline`).
    pub fn fleet(&self, name: &str, ids: Vec<String>) -> Result<Fleet> {
        let sc_dir = self.work.path().join(format!("{name}-sc"));
        let noop_dir = self.work.path().join(format!("{name}-noop"));
        write_config(&sc_dir, &sc_config(self.emu.addr(), &ids))?;
        write_config(
            &noop_dir,
            &noop_config(&ids, self.cli.baseline == Baseline::Twin),
        )?;
        Ok(Fleet {
            ids,
            sc_dir,
            noop_dir,
        })
    }

    /// Runs terraform `step` in `dir` with `owner`, counting the API calls it makes.
    pub fn measure(&mut self, dir: &Path, step: Step, owner: &str) -> Result<Measured> {
        self.take_calls();
        let run = self
            .terraform
            .run(dir, &step.args(owner, self.cli.parallelism()))?;
        let calls = self.take_calls();
        Ok(Measured { run, calls })
    }

    /// Brings both workspaces of `fleet` under management with the products' own owner (no
    /// change is made), unmeasured.
    pub fn manage(&mut self, fleet: &Fleet) -> Result<()> {
        let owner = seed_owner();
        for dir in [&fleet.sc_dir, &fleet.noop_dir] {
            self.measure(dir, Step::Apply, &owner)?.run.expect(0)?;
        }
        Ok(())
    }

    /// The API calls made since the previous take.
    fn take_calls(&mut self) -> Calls {
        self.calls.take(self.emu.metrics())
    }

    /// The creation order of the newest record (0 when there is none).
    pub fn last_record_seq(&self) -> u64 {
        self.emu
            .snapshot()
            .records
            .values()
            .map(|r| r.seq)
            .max()
            .unwrap_or(0)
    }

    /// The product ids of the successful property-change records created after `seq`.
    pub fn succeeded_changes_since(&self, seq: u64) -> Vec<String> {
        self.emu
            .snapshot()
            .records
            .into_values()
            .filter(|r| {
                r.seq > seq
                    && r.record_type == PROPERTIES_RECORD
                    && r.status == RecordStatus::Succeeded
            })
            .map(|r| r.provisioned_product_id)
            .collect()
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
