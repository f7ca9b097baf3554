//! servicecatalog-bench: the provider's performance figures against a no-op baseline
//! (`examples/noop_provider.rs`), with real `terraform` runs.
//!
//! It starts the emulator in-process behind a small counting TCP proxy (API calls and
//! `DescribeRecord` calls are counted from the `X-Amz-Target` headers going through), and
//! measures: plan/apply at several sizes for both providers in the same run (ratios of
//! medians), the provider's peak RSS during applies, exec-to-handshake time with AutoMTLS,
//! binary sizes, and record-wait overshoot for several record latencies. Every figure is
//! printed with the load average seen when it was taken. See `docs/performance.md`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use servicecatalog_provider::emulator::{Emulator, EmulatorConfig, RunningEmulator, SeedProduct};
use servicecatalog_provider::plugin::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::Runtime;

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

/// What the counting proxy has seen.
#[derive(Default)]
struct Counters {
    api_calls: AtomicU64,
    describe_record: AtomicU64,
}

impl Counters {
    fn take(&self) -> (u64, u64) {
        (
            self.api_calls.swap(0, Ordering::SeqCst),
            self.describe_record.swap(0, Ordering::SeqCst),
        )
    }
}

struct Bench {
    cli: Cli,
    rt: Runtime,
    emu: RunningEmulator,
    proxy: SocketAddr,
    counters: Arc<Counters>,
    work: WorkDir,
    cli_config: PathBuf,
    runs: usize,
    out: String,
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

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let emu = rt.block_on(Emulator::start(EmulatorConfig::default()))?;
    let counters = Arc::new(Counters::default());
    let proxy = rt.block_on(counting_proxy(emu.addr(), counters.clone()))?;

    let work = WorkDir::create()?;
    // dev_overrides wants a directory holding `terraform-provider-<type>`.
    let sc_dir = work.path().join("bin-servicecatalog");
    let noop_dir = work.path().join("bin-noop");
    std::fs::create_dir_all(&sc_dir)?;
    std::fs::create_dir_all(&noop_dir)?;
    std::fs::copy(&provider, sc_dir.join("terraform-provider-servicecatalog"))?;
    std::fs::copy(&noop, noop_dir.join("terraform-provider-noop"))?;
    let cli_config = work.path().join("terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \
             \"registry.terraform.io/servicecatalog/servicecatalog\" = \"{}\"\n    \
             \"registry.terraform.io/servicecatalog/noop\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            sc_dir.display(),
            noop_dir.display()
        ),
    )?;

    let runs = cli.runs.unwrap_or(if cli.quick { 1 } else { 3 }).max(1);
    let mut bench = Bench {
        cli,
        rt,
        emu,
        proxy,
        counters,
        work,
        cli_config,
        runs,
        out: String::new(),
    };
    bench.header(&provider, &noop)?;
    bench.process_figures(&provider)?;
    bench.scale()?;
    bench.record_wait()?;
    print!("{}", bench.out);

    let keep = bench.cli.keep;
    let Bench { rt, emu, work, .. } = bench;
    rt.block_on(emu.shutdown());
    if keep {
        eprintln!("work directory kept: {}", work.path().display());
    } else {
        std::fs::remove_dir_all(work.path())
            .map_err(|e| format!("cannot remove {}: {e}", work.path().display()))?;
    }
    Ok(())
}

/// A fresh directory under the system temp dir for configs, state and logs.
struct WorkDir(PathBuf);

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

    fn path(&self) -> &Path {
        &self.0
    }
}

/// Forwards loopback TCP to `upstream`, counting API targets in the client→server bytes.
async fn counting_proxy(upstream: SocketAddr, counters: Arc<Counters>) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counters = counters.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let down = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                    let _ = cw.shutdown().await;
                });
                let mut scanner = Scanner::default();
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let n = match cr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let (all, describe) = scanner.feed(&buf[..n]);
                    counters.api_calls.fetch_add(all, Ordering::SeqCst);
                    counters
                        .describe_record
                        .fetch_add(describe, Ordering::SeqCst);
                    if sw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = sw.shutdown().await;
                let _ = down.await;
            });
        }
    });
    Ok(addr)
}

const TARGET: &[u8] = b"AWS242ServiceCatalogService.";
const DESCRIBE_RECORD: &[u8] = b"AWS242ServiceCatalogService.DescribeRecord\r";

/// Counts needles in a byte stream, across read boundaries.
#[derive(Default)]
struct Scanner {
    carry: Vec<u8>,
}

impl Scanner {
    fn feed(&mut self, chunk: &[u8]) -> (u64, u64) {
        let carried = self.carry.len();
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        let all = count_new(&data, TARGET, carried);
        let describe = count_new(&data, DESCRIBE_RECORD, carried);
        // Enough for the longest needle to straddle reads; count_new skips what was counted.
        let keep = (DESCRIBE_RECORD.len() - 1).min(data.len());
        self.carry = data[data.len() - keep..].to_vec();
        (all, describe)
    }
}

/// Matches of `needle` in `hay` that end after the first `carried` bytes (those were seen before).
fn count_new(hay: &[u8], needle: &[u8], carried: usize) -> u64 {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(i, w)| i + needle.len() > carried && *w == needle)
        .count() as u64
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
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

/// One terraform run: wall time, when it ended, and the largest VmHWM of its provider children.
struct RunResult {
    seconds: f64,
    ended: SystemTime,
    peak_rss_kib: u64,
    load: String,
}

impl Bench {
    fn header(&mut self, provider: &Path, noop: &Path) -> Result<()> {
        let tf = Command::new(&self.cli.terraform)
            .arg("version")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.cli.terraform.display()))?;
        let tf_version = String::from_utf8_lossy(&tf.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
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
    fn process_figures(&mut self, provider: &Path) -> Result<()> {
        let size = |p: &Path| -> Result<f64> {
            Ok(std::fs::metadata(p)?.len() as f64 / (1024.0 * 1024.0))
        };
        let sc_bin = self
            .work
            .path()
            .join("bin-servicecatalog/terraform-provider-servicecatalog");
        let noop_bin = self.work.path().join("bin-noop/terraform-provider-noop");
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

    fn terraform(&self, dir: &Path, args: &[&str], ok_codes: &[i32]) -> Result<RunResult> {
        let load = load_average();
        let log = std::fs::File::create(dir.join("terraform.log"))?;
        let started = Instant::now();
        let mut child = Command::new(&self.cli.terraform)
            .args(args)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.cli.terraform.display()))?;
        let pid = child.id();
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut peak = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    peak = peak.max(children_peak_rss(pid));
                    std::thread::sleep(Duration::from_millis(20));
                }
                peak
            })
        };
        let status = child.wait()?;
        let seconds = started.elapsed().as_secs_f64();
        let ended = SystemTime::now();
        stop.store(true, Ordering::Relaxed);
        let peak_rss_kib = sampler.join().unwrap_or(0);
        let code = status.code().unwrap_or(-1);
        if !ok_codes.contains(&code) {
            let log = std::fs::read_to_string(dir.join("terraform.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "terraform {} in {} exited with {code}:\n{}",
                args.join(" "),
                dir.display(),
                tail.join("\n")
            )
            .into());
        }
        Ok(RunResult {
            seconds,
            ended,
            peak_rss_kib,
            load,
        })
    }

    fn seed(&self, name: &str) -> Result<String> {
        let pp = self
            .rt
            .block_on(self.emu.seed_provisioned_product(SeedProduct {
                name: name.to_owned(),
                owner_arn: Some(format!("{OWNER_PREFIX}Seed")),
                ..Default::default()
            }))?;
        Ok(pp.id)
    }

    fn sc_config(&self, dir: &Path, ids: &[String]) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let list: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
        std::fs::write(
            dir.join("main.tf"),
            format!(
                r#"terraform {{
  required_providers {{
    servicecatalog = {{ source = "servicecatalog/servicecatalog" }}
  }}
}}

provider "servicecatalog" {{
  region     = "us-east-1"
  endpoint   = "http://{proxy}"
  access_key = "AKIDBENCH"
  secret_key = "bench-not-a-secret"
}}

variable "owner" {{ type = string }}

locals {{
  ids = [{ids}]
}}

resource "servicecatalog_provisioned_product_properties" "p" {{
  count                  = length(local.ids)
  provisioned_product_id = local.ids[count.index]
  properties             = {{ OWNER = var.owner }}
}}
"#,
                proxy = self.proxy,
                ids = list.join(", ")
            ),
        )?;
        Ok(())
    }

    fn noop_config(dir: &Path, n: usize) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join("main.tf"),
            format!(
                r#"terraform {{
  required_providers {{
    noop = {{ source = "servicecatalog/noop" }}
  }}
}}

variable "tag" {{ type = string }}

resource "noop_thing" "t" {{
  count = {n}
  name  = "thing-${{count.index}}-${{var.tag}}"
}}
"#
            ),
        )?;
        Ok(())
    }

    /// Plan and apply at each size, provider and no-op interleaved in the same run.
    fn scale(&mut self) -> Result<()> {
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
            self.sc_config(&sc_dir, &ids)?;
            Self::noop_config(&noop_dir, n)?;

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

                let _ = self.counters.take();
                let res = self.terraform(&sc_dir, &[&apply[..], &[&owner]].concat(), &[0])?;
                let (c, d) = self.counters.take();
                calls.push(c as f64);
                describes.push(d as f64);
                sc_rss = sc_rss.max(res.peak_rss_kib);
                loads.push(res.load);
                sc_apply.push(res.seconds);

                let res = self.terraform(&noop_dir, &[&apply[..], &[&tag]].concat(), &[0])?;
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
                let res = self.terraform(&sc_dir, &[&plan[..], &[&last_owner]].concat(), &[0])?;
                loads.push(res.load);
                sc_plan.push(res.seconds);
                let res = self.terraform(&noop_dir, &[&plan[..], &[&last_tag]].concat(), &[0])?;
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
    fn record_wait(&mut self) -> Result<()> {
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
            self.sc_config(&dir, std::slice::from_ref(&id))?;
            let (mut applies, mut overshoots, mut calls, mut loads) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for r in 0..self.runs {
                let _ = std::fs::remove_file(dir.join("terraform.tfstate"));
                let owner = format!("owner={OWNER_PREFIX}Wait{r}");
                let _ = self.counters.take();
                let res = self.terraform(
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
                let (_, d) = self.counters.take();
                let record = self
                    .emu
                    .records_for(&id)
                    .into_iter()
                    .next_back()
                    .ok_or_else(|| format!("no record for {id} after the apply"))?;
                let ended = res.ended.duration_since(UNIX_EPOCH)?.as_secs_f64();
                overshoots.push((ended - (record.created_time + latency)) * 1000.0);
                applies.push(res.seconds);
                calls.push(d as f64);
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

/// Largest VmHWM (KiB) among the provider processes (`terraform-provider-*`, comm truncated
/// to 15 bytes) that are direct children of `parent`.
fn children_peak_rss(parent: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut peak = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the parenthesised command name: state, ppid, ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let ppid = rest
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u32>().ok());
        // Skip the fork-before-exec copy of terraform itself: only exec'd providers count.
        if ppid != Some(parent) || !stat.contains("(terraform-provi") {
            continue;
        }
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
            peak = peak.max(hwm);
        }
    }
    peak
}

/// Launches the provider as Terraform does (magic cookie, protocol 6, a client certificate)
/// and times it up to its handshake line on stdout.
fn handshake_time(provider: &Path, client_pem: &str) -> Result<Duration> {
    let started = Instant::now();
    let mut child = Command::new(provider)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_CLIENT_CERT", client_pem)
        .env_remove("TF_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", provider.display()))?;
    let stdout = child.stdout.take().ok_or("provider stdout not captured")?;
    let mut line = String::new();
    let read = BufReader::new(stdout).read_line(&mut line);
    let elapsed = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    read?;
    if line.split('|').count() < 5 {
        return Err(format!("unexpected handshake line from the provider: {line:?}").into());
    }
    Ok(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_counts_targets_split_across_reads() {
        let req = b"POST / HTTP/1.1\r\nX-Amz-Target: AWS242ServiceCatalogService.DescribeRecord\r\n\r\n{}";
        let other = b"POST / HTTP/1.1\r\nx-amz-target: AWS242ServiceCatalogService.DescribeProvisionedProduct\r\n\r\n{}";
        let mut stream = Vec::new();
        stream.extend_from_slice(req);
        stream.extend_from_slice(other);
        stream.extend_from_slice(req);
        // Every split point, so needles straddle reads.
        for cut in 1..stream.len() {
            let mut s = Scanner::default();
            let (a1, d1) = s.feed(&stream[..cut]);
            let (a2, d2) = s.feed(&stream[cut..]);
            assert_eq!((a1 + a2, d1 + d2), (3, 2), "cut at {cut}");
        }
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }
}
