//! servicecatalog-bench: the provider's performance figures against a no-op baseline
//! (`examples/noop_provider.rs`), with real `terraform` runs.
//!
//! It starts the emulator in-process (with a per-call latency and rate limits if asked) and
//! counts API calls by operation from the emulator's own metrics. Scenarios (`--scenario`):
//! the provider process (binary size, exec-to-handshake), creates and plans at several sizes
//! with peak RSS, record-wait overshoot, and the fleet goals — plan, apply, apply with slow
//! records, a small workspace in a large account, and a rate-limited apply and plan — each
//! figure printed beside its goal or floor, with the load average seen when it was taken.
//! See `docs/performance.md`.
//!
//! Modules: `options` (the command line), `setup` (emulator, work directory, fleets), `calls`
//! (API call counts), `terraform` (runs and configurations), `figures` (the report's
//! arithmetic and wording), `rss` (peak RSS, CPU time, load average), `handshake` (launch
//! timing), `report` (the process, scale and record-wait sections), `scenarios` (the fleet
//! goals).

mod calls;
mod figures;
mod handshake;
mod options;
mod report;
mod rss;
mod scenarios;
mod setup;
mod terraform;

use std::process::ExitCode;

use clap::Parser;

use options::{Cli, Scenario};
use setup::Bench;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;

const OWNER_PREFIX: &str = "arn:aws:iam::123456789012:role/BenchOwner";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("servicecatalog-bench: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    cli.validate()?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate this binary: {e}"))?;
    let bin_dir = exe
        .parent()
        .ok_or("this binary has no parent directory")?
        .to_path_buf();
    let provider = cli
        .provider
        .clone()
        .unwrap_or_else(|| bin_dir.join("terraform-provider-servicecatalog"));
    let noop = cli
        .noop
        .clone()
        .unwrap_or_else(|| bin_dir.join("examples").join("noop_provider"));
    for (flag, path) in [("--provider", &provider), ("--noop", &noop)] {
        if !path.is_file() {
            return Err(format!(
                "{flag}: {} does not exist; build first with `cargo build --release --bins --examples`",
                path.display()
            )
            .into());
        }
    }

    let mut bench = Bench::start(cli, &provider, &noop)?;
    let measured = measure(&mut bench, &provider, &noop);
    // The emulator stops and the work directory goes even when a scenario failed.
    let finished = bench.finish();
    measured.and(finished)
}

fn measure(bench: &mut Bench, provider: &std::path::Path, noop: &std::path::Path) -> Result<()> {
    let header = bench.header(provider, noop)?;
    bench.emit(&header)?;
    for scenario in bench.cli.scenarios() {
        let section = match scenario {
            Scenario::Process => bench.process_figures(provider)?,
            Scenario::Scale => bench.scale()?,
            Scenario::RecordWait => bench.record_wait()?,
            Scenario::Plan => bench.plan()?,
            Scenario::Apply => bench.apply()?,
            Scenario::ApplySlowRecords => bench.apply_slow_records()?,
            Scenario::SmallWorkspace => bench.small_workspace()?,
            Scenario::RateLimited => bench.rate_limited()?,
        };
        bench.emit(&section)?;
    }
    Ok(())
}
