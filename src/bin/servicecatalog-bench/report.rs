//! The report: each section measures and appends its Markdown table to [`Bench::out`].

use std::fmt::Write as _;
use std::path::Path;
use std::time::UNIX_EPOCH;

use crate::handshake::handshake_time;
use crate::rss::load_average;
use crate::setup::Bench;
use crate::terraform::{write_noop_config, write_sc_config};
use crate::{Result, OWNER_PREFIX};

impl Bench {
    /// Terraform version, CPUs, runs per figure and the binaries measured.
    pub fn header(&mut self, provider: &Path, noop: &Path) -> Result<()> {
        let tf_version = self.terraform.version()?;
        let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
        writeln!(self.out, "# servicecatalog-bench")?;
        writeln!(
            self.out,
            "{tf_version}; {cpus} CPUs; runs per figure: {}; parallelism: terraform default (10)",
            self.runs
        )?;
        writeln!(
            self.out,
            "provider: {}\nno-op:    {}\n",
            provider.display(),
            noop.display()
        )?;
        Ok(())
    }

    /// Binary sizes and exec-to-handshake time.
    pub fn process_figures(&mut self, provider: &Path) -> Result<()> {
        let size = |p: &Path| -> Result<f64> {
            Ok(std::fs::metadata(p)?.len() as f64 / (1024.0 * 1024.0))
        };
        let (sc_bin, noop_bin) = self.installed_binaries();
        writeln!(self.out, "## Provider process\n")?;
        writeln!(
            self.out,
            "binary size (release profile, strip = true): provider {:.2} MiB, no-op {:.2} MiB",
            size(&sc_bin)?,
            size(&noop_bin)?
        )?;

        let launches = self
            .cli
            .launches
            .unwrap_or(if self.cli.quick { 20 } else { 60 })
            .max(1);
        let client = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
        let client_pem = client.cert.pem();
        let load = load_average();
        let mut times = Vec::with_capacity(launches);
        for _ in 0..launches {
            times.push(handshake_time(provider, &client_pem)?.as_secs_f64() * 1000.0);
        }
        let max = times.iter().copied().fold(0.0, f64::max);
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        let med = median(&mut times);
        writeln!(
            self.out,
            "exec to handshake line, AutoMTLS (client cert set): median {med:.2} ms, min {min:.2} ms, \
             max {max:.2} ms over {launches} launches (load {load})\n"
        )?;
        Ok(())
    }

    /// Plan and apply at each size, provider and no-op interleaved in the same run.
    pub fn scale(&mut self) -> Result<()> {
        let sizes = if !self.cli.sizes.is_empty() {
            self.cli.sizes.clone()
        } else if self.cli.quick {
            vec![1, 100]
        } else {
            vec![1, 100, 500]
        };
        writeln!(
            self.out,
            "## Plan and apply at scale (emulator record latency 0)\n"
        )?;
        writeln!(
            self.out,
            "Apply: fresh state, every resource a real change (create). Plan: refresh of the \
             applied state, no changes (checked with -detailed-exitcode). Seconds are medians of {} runs.\n",
            self.runs
        )?;
        writeln!(
            self.out,
            "| N | no-op apply s | provider apply s | apply ratio | no-op plan s | provider plan s | plan ratio | API calls per apply | DescribeRecord per apply | peak RSS provider / no-op (MiB) | load (min-max) |"
        )?;
        writeln!(self.out, "|---|---|---|---|---|---|---|---|---|---|---|")?;
        for n in sizes {
            let ids: Vec<String> = (0..n)
                .map(|i| self.seed(&format!("bench-{n}-{i}")))
                .collect::<Result<_>>()?;
            let sc_dir = self.work.path().join(format!("sc-{n}"));
            let noop_dir = self.work.path().join(format!("noop-{n}"));
            write_sc_config(&sc_dir, self.calls.endpoint(), &ids)?;
            write_noop_config(&noop_dir, n)?;

            let mut loads = Vec::new();
            let (mut sc_apply, mut noop_apply, mut sc_plan, mut noop_plan) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let (mut sc_rss, mut noop_rss) = (0u64, 0u64);
            let (mut calls, mut describes) = (Vec::new(), Vec::new());
            let mut last_owner = String::new();
            let mut last_tag = String::new();
            for r in 0..self.runs {
                let owner = format!("owner={OWNER_PREFIX}{r}");
                let tag = format!("tag=r{r}");
                let _ = std::fs::remove_file(sc_dir.join("terraform.tfstate"));
                let _ = std::fs::remove_file(noop_dir.join("terraform.tfstate"));
                let apply = [
                    "apply",
                    "-auto-approve",
                    "-input=false",
                    "-no-color",
                    "-var",
                ];

                self.take_calls()?;
                let res = self
                    .terraform
                    .run(&sc_dir, &[&apply[..], &[&owner]].concat(), &[0])?;
                let counted = self.take_calls()?;
                calls.push(counted.total as f64);
                describes.push(counted.describe_record as f64);
                sc_rss = sc_rss.max(res.peak_rss_kib);
                loads.push(res.load);
                sc_apply.push(res.seconds);

                let res = self
                    .terraform
                    .run(&noop_dir, &[&apply[..], &[&tag]].concat(), &[0])?;
                noop_rss = noop_rss.max(res.peak_rss_kib);
                loads.push(res.load);
                noop_apply.push(res.seconds);
                last_owner = owner;
                last_tag = tag;
            }
            for _ in 0..self.runs {
                let plan = [
                    "plan",
                    "-input=false",
                    "-no-color",
                    "-detailed-exitcode",
                    "-var",
                ];
                let res =
                    self.terraform
                        .run(&sc_dir, &[&plan[..], &[&last_owner]].concat(), &[0])?;
                loads.push(res.load);
                sc_plan.push(res.seconds);
                let res =
                    self.terraform
                        .run(&noop_dir, &[&plan[..], &[&last_tag]].concat(), &[0])?;
                loads.push(res.load);
                noop_plan.push(res.seconds);
            }
            let (sa, na) = (median(&mut sc_apply), median(&mut noop_apply));
            let (sp, np) = (median(&mut sc_plan), median(&mut noop_plan));
            let load_values: Vec<f64> = loads.iter().filter_map(|l| l.parse().ok()).collect();
            let lo = load_values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = load_values.iter().copied().fold(0.0, f64::max);
            writeln!(
                self.out,
                "| {n} | {na:.2} | {sa:.2} | {:.2}x | {np:.2} | {sp:.2} | {:.2}x | {:.0} | {:.0} | {:.1} / {:.1} | {lo:.1}-{hi:.1} |",
                sa / na,
                sp / np,
                median(&mut calls),
                median(&mut describes),
                sc_rss as f64 / 1024.0,
                noop_rss as f64 / 1024.0,
            )?;
            eprintln!("scale {n}: done");
        }
        writeln!(self.out)?;
        Ok(())
    }

    /// For each record latency: time from the record reaching SUCCEEDED to the apply returning,
    /// and the DescribeRecord calls made.
    pub fn record_wait(&mut self) -> Result<()> {
        let latencies = if !self.cli.latencies.is_empty() {
            self.cli.latencies.clone()
        } else if self.cli.quick {
            vec![0.2, 2.0]
        } else {
            vec![0.2, 2.0, 20.0]
        };
        writeln!(
            self.out,
            "## Record wait (one resource, one real change per apply)\n"
        )?;
        writeln!(
            self.out,
            "Overshoot = apply exit - (record CreatedTime + latency). Goal: <= 20 % of latency + 300 ms. Medians of {} runs.\n",
            self.runs
        )?;
        writeln!(
            self.out,
            "| record latency s | apply s | overshoot ms | goal ms | DescribeRecord calls | load |"
        )?;
        writeln!(self.out, "|---|---|---|---|---|---|")?;
        for (li, latency) in latencies.into_iter().enumerate() {
            let ms = (latency * 1000.0).round() as u64;
            self.emu.update_faults(|f| f.record_latency_ms = Some(ms))?;
            let id = self.seed(&format!("wait-{li}"))?;
            let dir = self.work.path().join(format!("wait-{li}"));
            write_sc_config(&dir, self.calls.endpoint(), std::slice::from_ref(&id))?;
            let (mut applies, mut overshoots, mut calls, mut loads) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for r in 0..self.runs {
                let _ = std::fs::remove_file(dir.join("terraform.tfstate"));
                let owner = format!("owner={OWNER_PREFIX}Wait{r}");
                self.take_calls()?;
                let res = self.terraform.run(
                    &dir,
                    &[
                        "apply",
                        "-auto-approve",
                        "-input=false",
                        "-no-color",
                        "-var",
                        &owner,
                    ],
                    &[0],
                )?;
                let counted = self.take_calls()?;
                let record = self
                    .emu
                    .records_for(&id)
                    .into_iter()
                    .next_back()
                    .ok_or_else(|| format!("no record for {id} after the apply"))?;
                let ended = res.ended.duration_since(UNIX_EPOCH)?.as_secs_f64();
                overshoots.push((ended - (record.created_time + latency)) * 1000.0);
                applies.push(res.seconds);
                calls.push(counted.describe_record as f64);
                loads.push(res.load);
            }
            self.emu.update_faults(|f| f.record_latency_ms = None)?;
            writeln!(
                self.out,
                "| {latency} | {:.2} | {:.0} | {:.0} | {:.0} | {} |",
                median(&mut applies),
                median(&mut overshoots),
                latency * 200.0 + 300.0,
                median(&mut calls),
                loads.join(", ")
            )?;
            eprintln!("record wait {latency}s: done");
        }
        writeln!(self.out)?;
        Ok(())
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }
}
