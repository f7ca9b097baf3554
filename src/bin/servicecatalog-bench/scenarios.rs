//! The fleet scenarios of the scale goals (`docs/performance.md`): each seeds an empty
//! account, writes the provider's and the no-op's workspaces over the same ids, and prints
//! every figure beside its goal or floor, with the load average of its runs.

use std::fmt::Write as _;

use servicecatalog_provider::emulator::ALL_OPERATIONS;

use crate::calls::Calls;
use crate::figures::{
    apply_floor, format_limits, median, pass, rate_floor, spread, Goal, Loads, RecordCount,
};
use crate::options::{default_rate_limit, Scenario};
use crate::setup::{seed_owner, Bench, Fleet, Measured};
use crate::terraform::Step;
use crate::{Result, OWNER_PREFIX};

const PLAN_RATIO: Goal = Goal::at_most(1.3, "1.3x");
const PLAN_CALLS: Goal = Goal::at_most(0.1, "0.1");
const APPLY_FLOOR_RATIO: Goal = Goal::at_most(1.1, "1.1x");
const APPLY_CALLS: Goal = Goal::at_most(2.1, "2.1");
const SLOW_RECORD_CALLS: Goal = Goal::at_most(3.0, "3");
const SMALL_WORKSPACE_CALLS: Goal = Goal::at_most(2.0, "2");

/// How an owner change reaches the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Fresh state: the resource is created, and its create makes the change.
    Create,
    /// The resource is in state: refresh, then an update.
    Update,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Update => "update",
        }
    }
}

/// Times and calls of the provider and the no-op over the runs of one figure.
#[derive(Default)]
struct Runs {
    sc: Vec<f64>,
    noop: Vec<f64>,
    /// CPU seconds of terraform and its providers per run.
    sc_cpu: Vec<f64>,
    noop_cpu: Vec<f64>,
    /// CPU seconds of the provider processes alone per run.
    sc_plugin_cpu: Vec<f64>,
    noop_plugin_cpu: Vec<f64>,
    calls: Calls,
    loads: Loads,
    peak_rss_kib: u64,
    /// Successful records per product of each provider run.
    records: Vec<RecordCount>,
}

impl Runs {
    /// Adds one run of the provider (which must have succeeded).
    fn add_provider(&mut self, m: &Measured) -> Result<()> {
        m.run.expect(0)?;
        self.calls.add(&m.calls);
        self.loads.push(m.run.load);
        self.peak_rss_kib = self.peak_rss_kib.max(m.run.peak_rss_kib);
        self.sc.push(m.run.seconds);
        self.sc_cpu.extend(m.run.cpu_seconds);
        self.sc_plugin_cpu.push(m.run.provider_cpu_seconds);
        Ok(())
    }

    /// Adds one run of the no-op (which must have succeeded).
    fn add_noop(&mut self, m: &Measured) -> Result<()> {
        m.run.expect(0)?;
        self.loads.push(m.run.load);
        self.noop.push(m.run.seconds);
        self.noop_cpu.extend(m.run.cpu_seconds);
        self.noop_plugin_cpu.push(m.run.provider_cpu_seconds);
        Ok(())
    }

    fn ratio(&self) -> f64 {
        median(&self.sc) / median(&self.noop)
    }

    /// Median CPU seconds of terraform and its providers, with the provider processes' own
    /// share in brackets: `provider run / no-op run`.
    fn cpu(&self) -> String {
        format!(
            "{:.2} ({:.2}) / {:.2} ({:.2})",
            median(&self.sc_cpu),
            median(&self.sc_plugin_cpu),
            median(&self.noop_cpu),
            median(&self.noop_plugin_cpu)
        )
    }

    /// Provider calls per resource per run.
    fn per(&self, n: usize) -> f64 {
        (n * self.sc.len()) as f64
    }

    fn calls_per(&self, n: usize) -> f64 {
        self.calls.total() as f64 / self.per(n)
    }

    /// The records of every run, `1 per product` when all agree.
    fn records(&self) -> String {
        let all: Vec<String> = self.records.iter().map(RecordCount::describe).collect();
        let mut distinct = all.clone();
        distinct.dedup();
        if distinct.len() == 1 {
            distinct.remove(0)
        } else {
            all.join("; ")
        }
    }
}

impl Bench {
    /// Plans (refresh, no changes) of `fleet` by both providers, `runs` times each, interleaved.
    fn plans(&mut self, fleet: &Fleet, owner: &str) -> Result<Runs> {
        let mut runs = Runs::default();
        for _ in 0..self.cli.runs() {
            runs.add_provider(&self.measure(&fleet.sc_dir, Step::Plan, owner)?)?;
            runs.add_noop(&self.measure(&fleet.noop_dir, Step::Plan, owner)?)?;
        }
        Ok(runs)
    }

    /// Applies of a new owner to every product of `fleet` by both providers: as creates (the
    /// state forgotten before each run) or as updates of the managed products.
    fn owner_changes(&mut self, fleet: &Fleet, kind: Kind) -> Result<Runs> {
        let mut runs = Runs::default();
        for r in 0..self.cli.runs() {
            let owner = format!("{OWNER_PREFIX}{}{r}", kind.name());
            if kind == Kind::Create {
                fleet.forget_state();
            }
            let seq = self.last_record_seq();
            runs.add_provider(&self.measure(&fleet.sc_dir, Step::Apply, &owner)?)?;
            runs.records.push(RecordCount::of(
                &fleet.ids,
                self.succeeded_changes_since(seq).iter().map(String::as_str),
            ));
            runs.add_noop(&self.measure(&fleet.noop_dir, Step::Apply, &owner)?)?;
        }
        Ok(runs)
    }

    /// An empty account with `n` seeded products, and both workspaces over them.
    fn fleet_of(&mut self, name: &str, n: usize) -> Result<Fleet> {
        self.reset()?;
        let ids = self.seed(name, n)?;
        self.fleet(name, ids)
    }

    /// Plan (refresh of N, no changes) against the no-op.
    pub fn plan(&mut self) -> Result<String> {
        let mut out = String::new();
        writeln!(out, "## Plan: refresh of N, no changes\n")?;
        writeln!(
            out,
            "Medians of {} runs, provider and no-op interleaved over the same ids; calls per \
             resource are means over the runs.\n",
            self.cli.runs()
        )?;
        writeln!(
            out,
            "| N | provider s | no-op s | ratio to no-op | API calls per resource | by operation | CPU s (provider processes) provider / no-op | load |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|")?;
        for n in self.cli.sizes(Scenario::Plan) {
            let fleet = self.fleet_of(&format!("plan-{n}"), n)?;
            self.manage(&fleet)?;
            let runs = self.plans(&fleet, &seed_owner())?;
            let (ratio, calls) = (runs.ratio(), runs.calls_per(n));
            writeln!(
                out,
                "| {n} | {:.2} | {:.2} | {} | {} | {} | {} | {} |",
                median(&runs.sc),
                median(&runs.noop),
                PLAN_RATIO.beside(ratio, &format!("{ratio:.2}x")),
                PLAN_CALLS.beside(calls, &format!("{calls:.2}")),
                runs.calls.breakdown(runs.per(n)),
                runs.cpu(),
                runs.loads.range()
            )?;
            eprintln!("plan {n}: done");
        }
        writeln!(out)?;
        Ok(out)
    }

    /// Apply of N owner changes (record latency 0) against the no-op and the floor.
    pub fn apply(&mut self) -> Result<String> {
        let mut out = String::new();
        let p = self.cli.parallelism();
        let latency = self.cli.latency().as_secs_f64();
        writeln!(out, "## Apply: N owner changes, record latency 0\n")?;
        writeln!(
            out,
            "Each run gives every product a new owner: as creates (fresh state), then as updates \
             (every product in state; refresh, then the change). Floor = no-op + N / {p} × (one \
             UpdateProvisionedProductProperties and one DescribeRecord round trip at {} ms). \
             Medians of {} runs; calls per change are means.\n",
            self.cli.latency_ms,
            self.cli.runs()
        )?;
        writeln!(
            out,
            "| N | change | provider s | no-op s | ratio to no-op | floor s | ratio to floor | API calls per change | by operation | successful records | CPU s (provider processes) provider / no-op | peak RSS MiB | load |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|")?;
        for n in self.cli.sizes(Scenario::Apply) {
            let fleet = self.fleet_of(&format!("apply-{n}"), n)?;
            for kind in [Kind::Create, Kind::Update] {
                let runs = self.owner_changes(&fleet, kind)?;
                let floor = apply_floor(median(&runs.noop), n, p, 2.0 * latency);
                let to_floor = median(&runs.sc) / floor;
                let calls = runs.calls_per(n);
                writeln!(
                    out,
                    "| {n} | {} | {:.2} | {:.2} | {:.2}x | {floor:.2} | {} | {} | {} | {} | {} | {:.1} | {} |",
                    kind.name(),
                    median(&runs.sc),
                    median(&runs.noop),
                    runs.ratio(),
                    APPLY_FLOOR_RATIO.beside(to_floor, &format!("{to_floor:.2}x")),
                    APPLY_CALLS.beside(calls, &format!("{calls:.2}")),
                    runs.calls.breakdown(runs.per(n)),
                    runs.records(),
                    runs.cpu(),
                    runs.peak_rss_kib as f64 / 1024.0,
                    runs.loads.range()
                )?;
                eprintln!("apply {n} ({}): done", kind.name());
            }
        }
        writeln!(out)?;
        Ok(out)
    }

    /// Apply of N owner changes whose records take --record-latency.
    pub fn apply_slow_records(&mut self) -> Result<String> {
        let mut out = String::new();
        let p = self.cli.parallelism();
        let latency = self.cli.latency().as_secs_f64();
        let record_latency = self.cli.record_latency;
        writeln!(
            out,
            "## Apply: N owner changes, record latency {record_latency} s\n"
        )?;
        writeln!(
            out,
            "As the apply above, with every record taking {record_latency} s to succeed. Floor \
             (no goal) = no-op + N / {p} × (two round trips + the record latency). Medians of {} \
             runs; calls per change are means.\n",
            self.cli.runs()
        )?;
        writeln!(
            out,
            "| N | change | provider s | no-op s | floor s | API calls per change | by operation | successful records | load |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
        for n in self.cli.sizes(Scenario::ApplySlowRecords) {
            let fleet = self.fleet_of(&format!("slow-{n}"), n)?;
            let ms = (record_latency * 1000.0).round() as u64;
            self.emu.update_faults(|f| f.record_latency_ms = Some(ms))?;
            for kind in [Kind::Create, Kind::Update] {
                let runs = self.owner_changes(&fleet, kind)?;
                let floor = apply_floor(median(&runs.noop), n, p, 2.0 * latency + record_latency);
                let calls = runs.calls_per(n);
                writeln!(
                    out,
                    "| {n} | {} | {:.2} | {:.2} | {floor:.2} | {} | {} | {} | {} |",
                    kind.name(),
                    median(&runs.sc),
                    median(&runs.noop),
                    SLOW_RECORD_CALLS.beside(calls, &format!("{calls:.2}")),
                    runs.calls.breakdown(runs.per(n)),
                    runs.records(),
                    runs.loads.range()
                )?;
                eprintln!("apply with slow records {n} ({}): done", kind.name());
            }
        }
        writeln!(out)?;
        Ok(out)
    }

    /// Plan of a few managed products in a large account.
    pub fn small_workspace(&mut self) -> Result<String> {
        let mut out = String::new();
        let account = self.cli.account_size();
        writeln!(
            out,
            "## Small workspace: N managed products in an account of {account}\n"
        )?;
        writeln!(
            out,
            "The managed products are spread evenly over the account's creation order. Plan = \
             refresh, no changes; medians of {} runs, calls per resource are means.\n",
            self.cli.runs()
        )?;
        writeln!(
            out,
            "| N | account | provider s | no-op s | API calls per resource | by operation | load |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for n in self.cli.sizes(Scenario::SmallWorkspace) {
            self.reset()?;
            let all = self.seed(&format!("account-{account}"), account)?;
            let ids = spread(n, account)
                .into_iter()
                .map(|i| all[i].clone())
                .collect();
            let fleet = self.fleet(&format!("small-{n}"), ids)?;
            self.manage(&fleet)?;
            let runs = self.plans(&fleet, &seed_owner())?;
            let calls = runs.calls_per(n);
            writeln!(
                out,
                "| {n} | {account} | {:.2} | {:.2} | {} | {} | {} |",
                median(&runs.sc),
                median(&runs.noop),
                SMALL_WORKSPACE_CALLS.beside(calls, &format!("{calls:.2}")),
                runs.calls.breakdown(runs.per(n)),
                runs.loads.range()
            )?;
            eprintln!("small workspace {n} of {account}: done");
        }
        writeln!(out)?;
        Ok(out)
    }

    /// Apply of N owner changes and the plan after it under a rate limit: pass/fail checks.
    pub fn rate_limited(&mut self) -> Result<String> {
        let mut out = String::new();
        let mut limits = self.cli.rate_limits()?;
        if limits.is_empty() {
            let (op, limit) = default_rate_limit();
            limits.insert(op, limit);
        }
        writeln!(out, "## Rate-limited: {}\n", format_limits(&limits))?;
        writeln!(
            out,
            "Fresh state, one apply giving every product a new owner (a change each), then a \
             plan (-detailed-exitcode). One run.\n"
        )?;
        for n in self.cli.sizes(Scenario::RateLimited) {
            self.reset()?;
            let with_limits = limits.clone();
            self.emu.update_faults(|f| f.rate_limits = with_limits)?;
            let ids = self.seed(&format!("limited-{n}"), n)?;
            let fleet = self.fleet(&format!("limited-{n}"), ids)?;
            let owner = format!("{OWNER_PREFIX}Limited");
            let seq = self.last_record_seq();
            let apply = self.measure(&fleet.sc_dir, Step::Apply, &owner)?;
            let records = RecordCount::of(
                &fleet.ids,
                self.succeeded_changes_since(seq).iter().map(String::as_str),
            );
            let plan = self.measure(&fleet.sc_dir, Step::Plan, &owner)?;
            let error =
                |e: &Option<String>| e.as_deref().map(|e| format!("; {e}")).unwrap_or_default();

            writeln!(out, "### {n} products\n")?;
            writeln!(out, "| check | result | measured | load |")?;
            writeln!(out, "|---|---|---|---|")?;
            writeln!(
                out,
                "| the apply of {n} changes finishes with no error | {} | {:.1} s, exit {}{} | {} |",
                pass(apply.run.code == 0),
                apply.run.seconds,
                apply.run.code,
                error(&apply.run.error),
                Loads::of(apply.run.load).range()
            )?;
            writeln!(
                out,
                "| one successful record per change | {} | {} | |",
                pass(records.exactly_one()),
                records.describe()
            )?;
            writeln!(
                out,
                "| the plan after it finishes with no error | {} | {:.1} s, exit {}{} | {} |",
                pass(plan.run.code == 0 || plan.run.code == 2),
                plan.run.seconds,
                plan.run.code,
                error(&plan.run.error),
                Loads::of(plan.run.load).range()
            )?;
            writeln!(
                out,
                "| the follow-up plan is empty | {} | exit {} (0: no changes, 2: changes) | |",
                pass(plan.run.code == 0),
                plan.run.code
            )?;
            let per = n as f64;
            writeln!(
                out,
                "\napply: {} calls ({} throttled), per change: {}  \nplan: {} calls ({} throttled), per resource: {}",
                apply.calls.total(),
                apply.calls.throttled(),
                apply.calls.breakdown(per),
                plan.calls.total(),
                plan.calls.throttled(),
                plan.calls.breakdown(per)
            )?;
            let uppp = "UpdateProvisionedProductProperties";
            if let Some(limit) = limits.get(uppp).or_else(|| limits.get(ALL_OPERATIONS)) {
                writeln!(
                    out,
                    "(floor under this limit: {n} {uppp} calls take at least {:.1} s)",
                    rate_floor(n as u64, limit)
                )?;
            }
            writeln!(out)?;
            eprintln!("rate-limited {n}: done");
        }
        Ok(out)
    }
}
