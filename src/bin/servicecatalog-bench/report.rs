//! The long-standing sections: the header, the provider process (binary size, handshake),
//! creates and plans at scale (with peak RSS), and record-wait overshoot. Each returns its
//! Markdown.

use std::fmt::Write as _;
use std::path::Path;
use std::time::UNIX_EPOCH;

use crate::calls::Calls;
use crate::figures::{format_limits, median, Loads};
use crate::handshake::handshake_time;
use crate::options::Baseline;
use crate::rss::load_average;
use crate::setup::Bench;
use crate::terraform::Step;
use crate::{Result, OWNER_PREFIX};

impl Bench {
    /// Terraform version, CPUs, runs, the emulator's conditions and the binaries measured.
    pub fn header(&self, provider: &Path, noop: &Path) -> Result<String> {
        let mut out = String::new();
        let tf_version = self.terraform.version()?;
        let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
        let limits = self.cli.rate_limits()?;
        writeln!(out, "# servicecatalog-bench\n")?;
        writeln!(
            out,
            "{tf_version}; {cpus} CPUs; runs per figure: {}; -parallelism={}; per-call latency \
             {} ms; rate limits: {}",
            self.cli.runs(),
            self.cli.parallelism(),
            self.cli.latency_ms,
            format_limits(&limits),
        )?;
        if self.cli.latency_ms != 50 {
            writeln!(
                out,
                "(the fleet goals are stated at 50 ms per call: --latency-ms 50)"
            )?;
        }
        writeln!(
            out,
            "\nprovider: {}\nno-op:    {} (baseline resource: {})\n",
            provider.display(),
            noop.display(),
            match self.cli.baseline {
                Baseline::Thing => "noop_thing, the same configuration shape",
                Baseline::Twin => "noop_twin, the real resource's schema",
            }
        )?;
        Ok(out)
    }

    /// Binary sizes and exec-to-handshake time.
    pub fn process_figures(&mut self, provider: &Path) -> Result<String> {
        let mut out = String::new();
        let size = |p: &Path| -> Result<f64> {
            Ok(std::fs::metadata(p)?.len() as f64 / (1024.0 * 1024.0))
        };
        let (sc_bin, noop_bin) = self.installed_binaries();
        writeln!(out, "## Provider process\n")?;
        writeln!(
            out,
            "binary size (release profile, strip = true): provider {:.2} MiB, no-op {:.2} MiB\n",
            size(&sc_bin)?,
            size(&noop_bin)?
        )?;
        let launches = self.cli.launches();
        let client = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
        let client_pem = client.cert.pem();
        let mut loads = Loads::default();
        loads.push(load_average());
        let mut times = Vec::with_capacity(launches);
        for _ in 0..launches {
            times.push(handshake_time(provider, &client_pem)?.as_secs_f64() * 1000.0);
        }
        loads.push(load_average());
        let max = times.iter().copied().fold(0.0, f64::max);
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        writeln!(
            out,
            "exec to handshake line, AutoMTLS (client cert set): median {:.2} ms, min {min:.2} ms, \
             max {max:.2} ms over {launches} launches (load {})\n",
            median(&times),
            loads.range()
        )?;
        Ok(out)
    }

    /// Creates and plans at each size, provider and no-op interleaved in the same minutes.
    pub fn scale(&mut self) -> Result<String> {
        let mut out = String::new();
        let runs = self.cli.runs();
        writeln!(out, "## Creates and plans at scale (record latency 0)\n")?;
        writeln!(
            out,
            "Apply: fresh state, every resource created with a real owner change. Plan: refresh \
             of the applied state, no changes (-detailed-exitcode). Seconds are medians of {runs} \
             runs; calls are per resource, means over the runs.\n"
        )?;
        writeln!(
            out,
            "| N | no-op apply s | provider apply s | apply ratio | no-op plan s | provider plan s | plan ratio | API calls per create | by operation | peak RSS provider / no-op (MiB) | load |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|")?;
        for n in self.cli.sizes(crate::options::Scenario::Scale) {
            self.reset()?;
            let ids = self.seed(&format!("scale-{n}"), n)?;
            let fleet = self.fleet(&format!("scale-{n}"), ids)?;
            let mut loads = Loads::default();
            let (mut sc_apply, mut noop_apply, mut sc_plan, mut noop_plan) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let (mut sc_rss, mut noop_rss) = (0u64, 0u64);
            let mut calls = Calls::default();
            let mut owner = String::new();
            for r in 0..runs {
                owner = format!("{OWNER_PREFIX}{r}");
                fleet.forget_state();
                let sc = self.measure(&fleet.sc_dir, Step::Apply, &owner)?;
                sc.run.expect(0)?;
                calls.add(&sc.calls);
                sc_rss = sc_rss.max(sc.run.peak_rss_kib);
                loads.push(sc.run.load);
                sc_apply.push(sc.run.seconds);
                let noop = self.measure(&fleet.noop_dir, Step::Apply, &owner)?;
                noop.run.expect(0)?;
                noop_rss = noop_rss.max(noop.run.peak_rss_kib);
                loads.push(noop.run.load);
                noop_apply.push(noop.run.seconds);
            }
            for _ in 0..runs {
                for (dir, times) in [
                    (&fleet.sc_dir, &mut sc_plan),
                    (&fleet.noop_dir, &mut noop_plan),
                ] {
                    let plan = self.measure(dir, Step::Plan, &owner)?;
                    plan.run.expect(0)?;
                    loads.push(plan.run.load);
                    times.push(plan.run.seconds);
                }
            }
            let (sa, na) = (median(&sc_apply), median(&noop_apply));
            let (sp, np) = (median(&sc_plan), median(&noop_plan));
            let per = (n * runs) as f64;
            writeln!(
                out,
                "| {n} | {na:.2} | {sa:.2} | {:.2}x | {np:.2} | {sp:.2} | {:.2}x | {:.2} | {} | {:.1} / {:.1} | {} |",
                sa / na,
                sp / np,
                calls.total() as f64 / per,
                calls.breakdown(per),
                sc_rss as f64 / 1024.0,
                noop_rss as f64 / 1024.0,
                loads.range(),
            )?;
            eprintln!("scale {n}: done");
        }
        writeln!(out)?;
        Ok(out)
    }

    /// For each record latency: time from the record reaching SUCCEEDED to the apply returning,
    /// and the DescribeRecord calls made.
    pub fn record_wait(&mut self) -> Result<String> {
        let mut out = String::new();
        let runs = self.cli.runs();
        writeln!(
            out,
            "## Record wait (one resource, one real change per apply)\n"
        )?;
        writeln!(
            out,
            "Overshoot = apply exit - (record CreatedTime + latency). Goal: <= 20 % of latency + \
             300 ms. Medians of {runs} runs.\n"
        )?;
        writeln!(
            out,
            "| record latency s | apply s | overshoot ms | goal ms | DescribeRecord calls | load |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for (li, latency) in self.cli.record_wait_latencies().into_iter().enumerate() {
            self.reset()?;
            let ms = (latency * 1000.0).round() as u64;
            self.emu.update_faults(|f| f.record_latency_ms = Some(ms))?;
            let ids = self.seed(&format!("wait-{li}"), 1)?;
            let fleet = self.fleet(&format!("wait-{li}"), ids)?;
            let id = fleet.ids[0].clone();
            let (mut applies, mut overshoots, mut calls) = (Vec::new(), Vec::new(), Vec::new());
            let mut loads = Loads::default();
            for r in 0..runs {
                fleet.forget_state();
                let owner = format!("{OWNER_PREFIX}Wait{r}");
                let m = self.measure(&fleet.sc_dir, Step::Apply, &owner)?;
                m.run.expect(0)?;
                let record = self
                    .emu
                    .records_for(&id)
                    .into_iter()
                    .next_back()
                    .ok_or_else(|| format!("no record for {id} after the apply"))?;
                let ended = m.run.ended.duration_since(UNIX_EPOCH)?.as_secs_f64();
                overshoots.push((ended - (record.created_time + latency)) * 1000.0);
                applies.push(m.run.seconds);
                calls.push(m.calls.get("DescribeRecord").calls as f64);
                loads.push(m.run.load);
            }
            writeln!(
                out,
                "| {latency} | {:.2} | {:.0} | {:.0} | {:.0} | {} |",
                median(&applies),
                median(&overshoots),
                latency * 200.0 + 300.0,
                median(&calls),
                loads.range()
            )?;
            eprintln!("record wait {latency}s: done");
        }
        writeln!(out)?;
        Ok(out)
    }
}
