//! The command line: what to measure ([`Scenario`]) and under which conditions (per-call
//! latency, rate limits, parallelism, sizes, runs), with each scenario's defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use servicecatalog_provider::emulator::{parse_rate_limit, RateLimit, ALL_OPERATIONS};

use crate::Result;

/// Benchmark the provider against a no-op provider with real terraform runs.
#[derive(Debug, Parser)]
#[command(name = "servicecatalog-bench")]
pub struct Cli {
    /// What to measure (repeatable or comma-separated); default: every scenario, in the order listed.
    #[arg(long = "scenario", value_enum, value_delimiter = ',')]
    pub scenarios: Vec<Scenario>,
    /// A one-minute smoke run: small sizes, one run each, fewer latencies and launches.
    #[arg(long)]
    pub quick: bool,
    /// Product counts (comma-separated) for the scenarios run; default per scenario: scale
    /// 1,100,500, plan/apply/rate-limited 500, apply-slow-records 100, small-workspace 5 (quick:
    /// 1,100 / 100 / 20 / 5, rate-limited 50).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..))]
    pub sizes: Vec<u32>,
    /// Products in the account for small-workspace; only --sizes of them are managed. Default
    /// 2000 (quick: 200).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub account_size: Option<u32>,
    /// Delay the emulator adds to every API call, in milliseconds (its `latency` fault; 50 is an
    /// in-region AWS round trip, the goals' setting).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Rate limit of the emulator, OPERATION=PER_SECOND[/BURST] as its own flag (repeatable; `all`
    /// for every operation not named on its own), for every scenario. The rate-limited scenario
    /// uses all=10/20 when none is given.
    #[arg(long = "rate-limit", value_parser = parse_rate_limit, value_name = "OPERATION=PER_SECOND[/BURST]")]
    pub rate_limits: Vec<(String, RateLimit)>,
    /// Terraform's -parallelism for every plan and apply.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub parallelism: u32,
    /// Runs per measurement (the median is reported); default 3 (quick: 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: Option<u32>,
    /// Record latency of apply-slow-records, in seconds.
    #[arg(long, default_value_t = 2.0, value_parser = seconds)]
    pub record_latency: f64,
    /// Record latencies of the record-wait runs, in seconds; default 0.2,2,20 (quick: 0.2,2).
    #[arg(long, value_delimiter = ',', value_parser = seconds)]
    pub latencies: Vec<f64>,
    /// Exec-to-handshake launches; default 60 (quick: 20).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub launches: Option<u32>,
    /// The provider binary; default `terraform-provider-servicecatalog` next to this one.
    #[arg(long)]
    pub provider: Option<PathBuf>,
    /// The no-op provider binary; default `examples/noop_provider` next to this one.
    #[arg(long)]
    pub noop: Option<PathBuf>,
    /// The no-op resource the provider is compared with: `thing` (`noop_thing`: the same
    /// configuration shape, three attributes) or `twin` (`noop_twin`: the real resource's schema,
    /// so the state has the same shape too).
    #[arg(long, value_enum, default_value_t = Baseline::Thing)]
    pub baseline: Baseline,
    /// The terraform (or tofu) executable.
    #[arg(long, default_value = "terraform")]
    pub terraform: PathBuf,
    /// Keep the work directory (configs, state, logs) instead of deleting it.
    #[arg(long)]
    pub keep: bool,
}

/// Which no-op resource is the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Baseline {
    /// `noop_thing`: the same configuration shape.
    Thing,
    /// `noop_twin`: the real resource's schema.
    Twin,
}

/// What the bench measures; each prints its own section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Binary sizes and exec-to-handshake time.
    Process,
    /// Creates (fresh state, every resource a change) and plans at each size, with peak RSS.
    Scale,
    /// Record-wait overshoot of one change at each of --latencies.
    RecordWait,
    /// Plan (refresh of N, no changes) against the no-op.
    Plan,
    /// Apply of N owner changes, record latency 0, against the no-op and the floor.
    Apply,
    /// Apply of N owner changes with records taking --record-latency.
    ApplySlowRecords,
    /// Plan of a few managed products in an account of --account-size.
    SmallWorkspace,
    /// Apply of N owner changes and the plan after it under a rate limit: pass/fail checks.
    RateLimited,
}

impl Scenario {
    const ALL: [Scenario; 8] = [
        Scenario::Process,
        Scenario::Scale,
        Scenario::RecordWait,
        Scenario::Plan,
        Scenario::Apply,
        Scenario::ApplySlowRecords,
        Scenario::SmallWorkspace,
        Scenario::RateLimited,
    ];
}

/// The rate limit of the rate-limited scenario when --rate-limit is not given.
pub fn default_rate_limit() -> (String, RateLimit) {
    (
        ALL_OPERATIONS.to_owned(),
        RateLimit::per_second(10.0).with_burst(20),
    )
}

fn seconds(text: &str) -> std::result::Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(s),
        _ => Err(format!("'{text}' is not a number of seconds (0 or more)")),
    }
}

impl Cli {
    /// The scenarios to run, in the listed order, each once.
    pub fn scenarios(&self) -> Vec<Scenario> {
        Scenario::ALL
            .into_iter()
            .filter(|s| self.scenarios.is_empty() || self.scenarios.contains(s))
            .collect()
    }

    /// Product counts for `scenario`: --sizes, or its default.
    pub fn sizes(&self, scenario: Scenario) -> Vec<usize> {
        if !self.sizes.is_empty() {
            return self.sizes.iter().map(|&n| n as usize).collect();
        }
        let q = self.quick;
        match scenario {
            Scenario::Scale if q => vec![1, 100],
            Scenario::Scale => vec![1, 100, 500],
            Scenario::Plan | Scenario::Apply if q => vec![100],
            Scenario::ApplySlowRecords if q => vec![20],
            Scenario::RateLimited if q => vec![50],
            Scenario::ApplySlowRecords => vec![100],
            Scenario::SmallWorkspace => vec![5],
            _ => vec![500],
        }
    }

    /// Products in the account of small-workspace.
    pub fn account_size(&self) -> usize {
        self.account_size
            .unwrap_or(if self.quick { 200 } else { 2000 }) as usize
    }

    pub fn runs(&self) -> usize {
        self.runs.unwrap_or(if self.quick { 1 } else { 3 }) as usize
    }

    pub fn launches(&self) -> usize {
        self.launches.unwrap_or(if self.quick { 20 } else { 60 }) as usize
    }

    pub fn record_wait_latencies(&self) -> Vec<f64> {
        if !self.latencies.is_empty() {
            self.latencies.clone()
        } else if self.quick {
            vec![0.2, 2.0]
        } else {
            vec![0.2, 2.0, 20.0]
        }
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }

    pub fn parallelism(&self) -> usize {
        self.parallelism as usize
    }

    /// --rate-limit as the emulator's map; an operation named twice is an error.
    pub fn rate_limits(&self) -> Result<BTreeMap<String, RateLimit>> {
        let mut limits = BTreeMap::new();
        for (operation, limit) in &self.rate_limits {
            if limits.insert(operation.clone(), *limit).is_some() {
                return Err(format!(
                    "--rate-limit names {operation} more than once; give each operation one limit"
                )
                .into());
            }
        }
        Ok(limits)
    }

    /// Checks what clap cannot: options that contradict each other.
    pub fn validate(&self) -> Result<()> {
        self.rate_limits()?;
        if self.scenarios().contains(&Scenario::SmallWorkspace) {
            let account = self.account_size();
            if let Some(n) = self
                .sizes(Scenario::SmallWorkspace)
                .into_iter()
                .find(|&n| n > account)
            {
                return Err(format!(
                    "--sizes {n} is more products than the small workspace's account holds \
                     (--account-size {account}); give a larger --account-size or smaller --sizes"
                )
                .into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> std::result::Result<Cli, String> {
        Cli::try_parse_from(std::iter::once("servicecatalog-bench").chain(args.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_run_every_scenario_at_the_goal_sizes() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.scenarios(), Scenario::ALL);
        assert_eq!(cli.sizes(Scenario::Plan), [500]);
        assert_eq!(cli.sizes(Scenario::Scale), [1, 100, 500]);
        assert_eq!(cli.sizes(Scenario::ApplySlowRecords), [100]);
        assert_eq!(cli.sizes(Scenario::SmallWorkspace), [5]);
        assert_eq!(cli.account_size(), 2000);
        assert_eq!((cli.parallelism(), cli.runs()), (10, 3));
        assert_eq!(cli.latency(), Duration::ZERO);
        assert_eq!(cli.record_latency, 2.0);
        assert!(cli.rate_limits().unwrap().is_empty());
        cli.validate().unwrap();
    }

    #[test]
    fn quick_shrinks_everything_and_sizes_override_it() {
        let quick = parse(&["--quick"]).unwrap();
        assert_eq!(quick.sizes(Scenario::Apply), [100]);
        assert_eq!(quick.sizes(Scenario::RateLimited), [50]);
        assert_eq!(
            (quick.runs(), quick.launches(), quick.account_size()),
            (1, 20, 200)
        );
        assert_eq!(quick.record_wait_latencies(), [0.2, 2.0]);
        let sized = parse(&["--quick", "--sizes", "7,9", "--runs", "2"]).unwrap();
        assert_eq!(sized.sizes(Scenario::Scale), [7, 9]);
        assert_eq!(sized.runs(), 2);
    }

    #[test]
    fn scenarios_run_in_the_listed_order_once() {
        let cli = parse(&["--scenario", "rate-limited,plan", "--scenario", "plan"]).unwrap();
        assert_eq!(cli.scenarios(), [Scenario::Plan, Scenario::RateLimited]);
        let err = parse(&["--scenario", "fastest"]).unwrap_err();
        assert!(err.contains("'fastest'"), "{err}");
    }

    #[test]
    fn rate_limits_use_the_emulators_syntax() {
        let cli = parse(&[
            "--rate-limit",
            "all=10/20",
            "--rate-limit",
            "SearchProvisionedProducts=5",
            "--latency-ms",
            "50",
            "--parallelism",
            "4",
        ])
        .unwrap();
        let limits = cli.rate_limits().unwrap();
        assert_eq!(limits["all"], RateLimit::per_second(10.0).with_burst(20));
        assert_eq!(
            limits["SearchProvisionedProducts"],
            RateLimit::per_second(5.0)
        );
        assert_eq!(cli.latency(), Duration::from_millis(50));
        assert_eq!(cli.parallelism(), 4);
        let err = parse(&["--rate-limit", "all=fast"]).unwrap_err();
        assert!(err.contains("'fast'"), "{err}");
        let twice = parse(&["--rate-limit", "all=1", "--rate-limit", "all=2"]).unwrap();
        let err = twice.validate().unwrap_err().to_string();
        assert!(err.contains("names all more than once"), "{err}");
    }

    #[test]
    fn bad_numbers_are_refused_naming_the_value() {
        for (args, names) in [
            (&["--parallelism", "0"][..], "'0'"),
            (&["--sizes", "5,0"][..], "'0'"),
            (&["--record-latency", "-1"][..], "'-1'"),
            (&["--latencies", "0.2,soon"][..], "'soon'"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.contains(names), "{args:?}: {err}");
        }
        let small = parse(&[
            "--scenario",
            "small-workspace",
            "--sizes",
            "50",
            "--account-size",
            "20",
        ])
        .unwrap();
        let err = small.validate().unwrap_err().to_string();
        assert!(
            err.contains("--sizes 50") && err.contains("--account-size 20"),
            "{err}"
        );
        // The same sizes are fine when small-workspace is not run.
        parse(&[
            "--scenario",
            "plan",
            "--sizes",
            "50",
            "--account-size",
            "20",
        ])
        .unwrap()
        .validate()
        .unwrap();
    }
}
