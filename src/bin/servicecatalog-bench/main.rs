//! servicecatalog-bench: the provider's performance figures against a no-op baseline
//! (`examples/noop_provider.rs`), with real `terraform` runs.
//!
//! It starts the emulator in-process behind a small counting TCP proxy (API calls and
//! `DescribeRecord` calls are counted from the `X-Amz-Target` headers going through), and
//! measures: plan/apply at several sizes for both providers in the same run (ratios of
//! medians), the provider's peak RSS during applies, exec-to-handshake time with AutoMTLS,
//! binary sizes, and record-wait overshoot for several record latencies. Every figure is
//! printed with the load average seen when it was taken. See `docs/performance.md`.
//!
//! Modules: `setup` (emulator, call counter, work directory), `calls` (API call counting),
//! `terraform` (runs and configurations), `rss` (peak RSS sampler, load average), `handshake`
//! (launch timing), `report` (the measured sections and their tables).

mod calls;
mod handshake;
mod report;
mod rss;
mod setup;
mod terraform;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use setup::Bench;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;

/// Benchmark the provider against a no-op provider with real terraform runs.
#[derive(Debug, Parser)]
#[command(name = "servicecatalog-bench")]
struct Cli {
    /// Fewer sizes, runs and latencies (sizes 1 and 100, one run each, latencies 0.2 s and 2 s).
    #[arg(long)]
    quick: bool,
    /// Resource counts for plan/apply (comma-separated); default 1,100,500 (quick: 1,100).
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<usize>,
    /// Runs per measurement (the median is reported); default 3 (quick: 1).
    #[arg(long)]
    runs: Option<usize>,
    /// Record latencies for the record-wait runs, in seconds; default 0.2,2,20 (quick: 0.2,2).
    #[arg(long, value_delimiter = ',')]
    latencies: Vec<f64>,
    /// Exec-to-handshake launches; default 60 (quick: 20).
    #[arg(long)]
    launches: Option<usize>,
    /// The provider binary; default `terraform-provider-servicecatalog` next to this one.
    #[arg(long)]
    provider: Option<PathBuf>,
    /// The no-op provider binary; default `examples/noop_provider` next to this one.
    #[arg(long)]
    noop: Option<PathBuf>,
    /// The terraform (or tofu) executable.
    #[arg(long, default_value = "terraform")]
    terraform: PathBuf,
    /// Keep the work directory (configs, state, logs) instead of deleting it.
    #[arg(long)]
    keep: bool,
}

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
    bench.header(&provider, &noop)?;
    bench.process_figures(&provider)?;
    bench.scale()?;
    bench.record_wait()?;
    print!("{}", bench.out);
    bench.finish()
}
