//! The provider never outlives its host, through the real `terraform` CLI:
//!
//! - `provider_exits_when_terraform_is_killed`: SIGKILL to `terraform apply` mid-run (changes
//!   submitted, records pending) leaves no provider process 3 s later, and the rerun converges
//!   with exactly one successful record per product.
//! - `debug_provider_keeps_running_when_its_parent_exits`: a provider started by hand with
//!   `--debug` (a `TF_REATTACH_PROVIDERS` session) keeps serving after the shell that started it
//!   is gone, until it is stopped.
//!
//! Default sizes run in seconds; `RELIABILITY_FULL=1` kills an apply of 100 resources.

use std::path::Path;
use std::time::{Duration, Instant};

use servicecatalog_provider::emulator::{EmulatorConfig, Faults};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use super::faults::{assert_products, config, provider_children, succeeded};
use super::full;
use crate::harness::sdk::role;
use crate::harness::terraform::PROVIDER_BINARY;
use crate::harness::{procfs, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_exits_when_terraform_is_killed() {
    let n = if full() { 100 } else { 20 };
    let world = World::with_config(EmulatorConfig {
        record_latency: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    world.set_faults(Faults {
        latency: Duration::from_millis(50),
        ..Default::default()
    });
    let wd = world.workdir();
    let products = world.seed_many("orphan", n).await;
    let props = |i: usize| {
        [
            ("OWNER", role(&format!("Owner{i}"))),
            ("LAUNCH_ROLE", role(&format!("Launch{i}"))),
        ]
    };
    wd.write_config(&config(world.endpoint(), &products, &props));
    let args = ["apply", "-no-color", "-input=false", "-auto-approve"];
    let mut child = wd.spawn(&args);
    let tf_pid = child.id().expect("terraform pid");
    // The plan of 100 resources is more than a pipe holds: read it while terraform runs, or
    // terraform blocks writing it.
    let drain = |pipe: Option<Box<dyn AsyncRead + Send + Unpin>>| {
        tokio::spawn(async move {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text).await;
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));

    // Mid-run: some changes submitted, others not yet.
    let deadline = Instant::now() + Duration::from_secs(120);
    let providers = loop {
        let submitted = products
            .iter()
            .filter(|pp| !world.stored_change_records(pp).is_empty())
            .count();
        let providers = provider_children(tf_pid);
        if submitted >= n / 4 && !providers.is_empty() {
            break providers;
        }
        assert!(
            Instant::now() < deadline,
            "the apply never got under way ({submitted} of {n} changes submitted)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    procfs::signal(tf_pid, "KILL");
    let out = wd.finish(&args, child).await;
    let output = format!(
        "{}{}",
        stdout.await.unwrap_or_default(),
        stderr.await.unwrap_or_default()
    );
    assert!(!out.success(), "a killed apply does not succeed:\n{output}");
    let submitted = products
        .iter()
        .filter(|pp| !world.stored_change_records(pp).is_empty())
        .count();
    // How soon they went is a figure; the check is at 3 s.
    let killed = Instant::now();
    let check_at = killed + Duration::from_secs(3);
    let mut gone_after = None;
    while Instant::now() < check_at {
        if gone_after.is_none() && !providers.iter().any(|pid| procfs::alive(*pid)) {
            gone_after = Some(killed.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for pid in &providers {
        assert!(
            !procfs::alive(*pid),
            "provider process {pid} still runs 3 s after terraform was killed"
        );
    }
    assert!(
        wd.provider_processes().is_empty(),
        "no provider process of this workdir is left: {:?}",
        wd.provider_processes()
    );
    eprintln!(
        "kill -9 of terraform: {submitted} of {n} changes submitted; its {} provider process(es) \
         gone {gone_after:?} after the kill",
        providers.len()
    );

    world.set_faults(Faults::default());
    wd.apply().await;
    wd.assert_plan_empty().await;
    // One successful record each: no change submitted before the kill is made twice.
    assert_products(&world, &products, &props, &|_| succeeded(1)).await;
}

/// Stops a process this test started, if it is still running, when the test ends (even by
/// panic).
struct StopOnDrop(u32);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if procfs::alive(self.0) {
            procfs::signal(self.0, "KILL");
        }
    }
}

/// Waits up to `limit` for `file` to hold the `TF_REATTACH_PROVIDERS` value a debug provider
/// prints.
async fn reattach_value(file: &Path, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let value = text.lines().find_map(|l| {
            l.trim()
                .strip_prefix("export TF_REATTACH_PROVIDERS='")
                .and_then(|rest| rest.strip_suffix('\''))
        });
        if let Some(value) = value {
            return value.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "the debug provider printed no TF_REATTACH_PROVIDERS line: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_provider_keeps_running_when_its_parent_exits() {
    let world = World::start().await;
    let pp = world.seed("debug-session").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("debug.out");
    // The shell starts the provider in the background and exits at once: the provider is
    // re-parented, as when the terminal that started a debug session goes away.
    let started = std::process::Command::new("sh")
        .args(["-c", r#""$0" --debug >"$1" 2>&1 </dev/null & echo $!"#])
        .arg(PROVIDER_BINARY)
        .arg(&out)
        .output()
        .expect("run sh");
    assert!(started.status.success(), "sh: {started:?}");
    let pid: u32 = String::from_utf8_lossy(&started.stdout)
        .trim()
        .parse()
        .expect("sh prints the provider's pid");
    let _stop = StopOnDrop(pid);
    let reattach = reattach_value(&out, Duration::from_secs(30)).await;

    // Several polls of the parent later, the session still runs and serves Terraform.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        procfs::alive(pid),
        "the debug provider exited when its parent did"
    );
    let mut wd = world.workdir();
    wd.set_env("TF_REATTACH_PROVIDERS", reattach);
    wd.write_config(&world.config(&pp, &[("OWNER", &role("Debug"))], ""));
    wd.apply().await;
    assert_eq!(
        world.owner(&pp).await,
        role("Debug"),
        "applied through the session"
    );
    assert!(
        procfs::alive(pid),
        "the debug provider keeps running after Terraform is done with it"
    );

    procfs::signal(pid, "TERM");
    let deadline = Instant::now() + Duration::from_secs(30);
    while procfs::alive(pid) {
        assert!(
            Instant::now() < deadline,
            "SIGTERM stops the debug provider"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
