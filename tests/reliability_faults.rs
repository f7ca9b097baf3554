//! Reliability under faults, through the real `terraform` CLI and the emulator:
//!
//! - `fault_soak_converges`: applies under 20 % throttling, 5 % HTTP 500 and random record
//!   latency converge, with exactly one successful record per change and an empty follow-up plan.
//! - `failed_records_are_reported_and_retried_once`: a tenth of the records FAIL; the apply names
//!   each with its record errors, keeps the others in state, and a clean re-apply converges with
//!   no duplicate records.
//! - `sigint_during_record_waits`: Ctrl-C during long record waits ends Terraform promptly, leaves
//!   no provider process, and the next apply converges without a second change.
//! - `emulator_kill_9_loses_no_acknowledged_change`: the emulator binary with `--state-file`,
//!   killed with SIGKILL mid-soak, still holds every change it acknowledged after a restart.
//!
//! Default sizes run in a few minutes on 2 cores; `RELIABILITY_FULL=1` runs the sizes.

#[path = "support/terraform.rs"]
mod terraform;

#[path = "support/acceptance.rs"]
mod acceptance;

#[path = "support/reliability.rs"]
mod reliability;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use acceptance::{provider_hcl, role};
use reliability::{full, live_properties, resource_block, FaultProxy, Rates, World};
use servicecatalog_provider::emulator::{EmulatorConfig, Faults, RecordStatus};
use terraform::provider_processes;

fn config(
    endpoint: &str,
    products: &[String],
    props: &dyn Fn(usize) -> [(&'static str, String); 2],
) -> String {
    let mut hcl = provider_hcl(endpoint, "  max_retries = 10\n");
    for (i, pp) in products.iter().enumerate() {
        let map: BTreeMap<&str, String> = props(i).into_iter().collect();
        hcl.push_str(&resource_block(&format!("p{i}"), pp, &map));
    }
    hcl
}

/// Asserts live values and the change-record history of every product.
async fn assert_products(
    world: &World,
    products: &[String],
    props: &dyn Fn(usize) -> [(&'static str, String); 2],
    changes: &dyn Fn(usize) -> usize,
) {
    for (i, pp) in products.iter().enumerate() {
        let want = props(i);
        let (owner, launch) = live_properties(&world.sc, pp).await;
        assert_eq!(owner.as_deref(), Some(want[0].1.as_str()), "owner of {pp}");
        assert_eq!(
            launch.as_deref(),
            Some(want[1].1.as_str()),
            "launch role of {pp}"
        );
        let records = world.change_records(pp);
        assert_eq!(
            records.len(),
            changes(i),
            "change records of {pp} (one per change, no duplicates): {records:?}"
        );
        assert!(
            records.iter().all(|r| r.status == RecordStatus::Succeeded),
            "every change record of {pp} succeeded: {records:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_soak_converges() {
    let n = if full() { 100 } else { 20 };
    let world = World::start(EmulatorConfig::default()).await;
    let products = world.seed_many("soak", n).await;
    let proxy = FaultProxy::start(
        world.emu.clone(),
        Rates {
            throttle: 0.20,
            server_error: 0.05,
            max_record_latency_ms: 1500,
        },
    )
    .await;

    let first = |i: usize| {
        [
            ("OWNER", role(&format!("Owner{i}"))),
            ("LAUNCH_ROLE", role(&format!("Launch{i}"))),
        ]
    };
    let started = Instant::now();
    world
        .wd
        .write_config(&config(&proxy.url, &products, &first));
    world.wd.apply().await;
    let first_apply = started.elapsed();
    assert_products(&world, &products, &first, &|_| 1).await;

    // Change the owner of every other product.
    let second = |i: usize| {
        let owner = if i.is_multiple_of(2) {
            role(&format!("NewOwner{i}"))
        } else {
            role(&format!("Owner{i}"))
        };
        [
            ("OWNER", owner),
            ("LAUNCH_ROLE", role(&format!("Launch{i}"))),
        ]
    };
    let started = Instant::now();
    world
        .wd
        .write_config(&config(&proxy.url, &products, &second));
    world.wd.apply().await;
    let second_apply = started.elapsed();
    assert_products(&world, &products, &second, &|i| {
        if i.is_multiple_of(2) {
            2
        } else {
            1
        }
    })
    .await;

    world.wd.assert_plan_empty().await;
    let requests = proxy.requests();
    assert!(
        proxy.throttled() > 0 && proxy.server_errors() > 0,
        "faults were injected: {} throttled, {} server errors of {requests} requests",
        proxy.throttled(),
        proxy.server_errors()
    );
    eprintln!(
        "fault soak: {n} resources, {requests} API requests, {} throttled, {} HTTP 500; \
         first apply {first_apply:?}, second apply {second_apply:?}",
        proxy.throttled(),
        proxy.server_errors()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_records_are_reported_and_retried_once() {
    let n = if full() { 100 } else { 20 };
    let world = World::start(EmulatorConfig::default()).await;
    let products = world.seed_many("fail", n).await;
    let failing: Vec<usize> = (0..n).filter(|i| i % 10 == 3).collect();
    world
        .emu
        .set_faults(Faults {
            fail_provisioned_products: failing.iter().map(|i| products[*i].clone()).collect(),
            ..Default::default()
        })
        .expect("faults accepted");
    let props = |i: usize| {
        [
            ("OWNER", role(&format!("Owner{i}"))),
            ("LAUNCH_ROLE", role(&format!("Launch{i}"))),
        ]
    };
    world
        .wd
        .write_config(&config(&world.emu.endpoint_url(), &products, &props));
    let out = world.wd.try_apply().await;
    assert!(!out.success(), "the apply fails\n{}", world.wd.transcript());
    let text = out.text();
    for i in &failing {
        let records = world.change_records(&products[*i]);
        assert_eq!(records.len(), 1, "one attempt for {}", products[*i]);
        let record = &records[0];
        assert_eq!(record.status, RecordStatus::Failed);
        assert!(
            text.contains(&record.id),
            "the apply names failed record {}\n{text}",
            record.id
        );
        let error = record
            .errors
            .first()
            .expect("a FAILED record carries errors");
        assert!(
            text.contains(&error.description),
            "the apply shows the record error {:?}\n{text}",
            error.description
        );
    }
    for (i, pp) in products.iter().enumerate() {
        let addr = format!("servicecatalog_provisioned_product_properties.p{i}");
        let state = world.wd.resource_state(&addr).await;
        if failing.contains(&i) {
            assert!(
                state.is_none(),
                "a FAILED create leaves nothing in state: {addr}"
            );
        } else {
            let state = state.unwrap_or_else(|| panic!("{addr} is in state"));
            assert_eq!(state["provisioned_product_id"], pp.as_str());
            assert_eq!(state["record_status"], "SUCCEEDED");
        }
    }

    world.emu.set_faults(Faults::default()).expect("faults off");
    world.wd.apply().await;
    world.wd.assert_plan_empty().await;
    for (i, pp) in products.iter().enumerate() {
        let want = props(i);
        let (owner, launch) = live_properties(&world.sc, pp).await;
        assert_eq!(owner.as_deref(), Some(want[0].1.as_str()), "owner of {pp}");
        assert_eq!(
            launch.as_deref(),
            Some(want[1].1.as_str()),
            "launch role of {pp}"
        );
        let statuses: Vec<RecordStatus> =
            world.change_records(pp).iter().map(|r| r.status).collect();
        let expected = if failing.contains(&i) {
            vec![RecordStatus::Failed, RecordStatus::Succeeded]
        } else {
            vec![RecordStatus::Succeeded]
        };
        assert_eq!(statuses, expected, "records of {pp}: no duplicates");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_record_waits() {
    let n = 3;
    let world = World::start(EmulatorConfig {
        record_latency: Duration::from_secs(8),
        ..Default::default()
    })
    .await;
    // Products are seeded with quick records, then records take long.
    world
        .emu
        .set_faults(Faults {
            record_latency_ms: Some(0),
            ..Default::default()
        })
        .expect("faults");
    let products = world.seed_many("sigint", n).await;
    world
        .emu
        .set_faults(Faults::default())
        .expect("back to the configured latency");
    let props = |i: usize| {
        [
            ("OWNER", role(&format!("Owner{i}"))),
            ("LAUNCH_ROLE", role(&format!("Launch{i}"))),
        ]
    };
    world
        .wd
        .write_config(&config(&world.emu.endpoint_url(), &products, &props));
    let args = ["apply", "-no-color", "-input=false", "-auto-approve"];
    let child = world.wd.spawn(&args);
    let tf_pid = child.id().expect("terraform pid");

    // Wait until every change is submitted and its record is being waited on.
    let deadline = Instant::now() + Duration::from_secs(120);
    let providers = loop {
        let submitted = products
            .iter()
            .all(|pp| !world.change_records(pp).is_empty());
        let providers = reliability::child_pids(tf_pid)
            .into_iter()
            .filter(|p| {
                reliability::exe_of(*p).is_some_and(|e| {
                    e.file_name()
                        .is_some_and(|f| f == "terraform-provider-servicecatalog")
                })
            })
            .collect::<Vec<_>>();
        if submitted && !providers.is_empty() {
            break providers;
        }
        assert!(
            Instant::now() < deadline,
            "the apply never submitted its changes"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    let interrupted = Instant::now();
    terraform::send_sigint(tf_pid);
    let out = world.wd.finish(&args, child).await;
    let exit_after = interrupted.elapsed();
    eprintln!(
        "SIGINT: terraform exited after {exit_after:?} (code {:?})",
        out.code
    );
    assert!(
        !out.success(),
        "an interrupted apply does not report success"
    );
    assert!(
        exit_after < Duration::from_secs(15),
        "terraform took {exit_after:?} to exit after SIGINT"
    );
    for pid in &providers {
        assert!(
            !reliability::alive(*pid),
            "provider process {pid} outlived terraform"
        );
    }
    assert!(
        provider_processes(world.wd.path()).is_empty(),
        "no provider process of this workdir is left"
    );

    // The submitted changes complete on their own; the next apply finds them live.
    for pp in &products {
        for r in world.change_records(pp) {
            reliability::wait_record(&world.sc, &r.id).await;
        }
    }
    world.wd.apply().await;
    world.wd.assert_plan_empty().await;
    for (i, pp) in products.iter().enumerate() {
        let want = props(i);
        let (owner, launch) = live_properties(&world.sc, pp).await;
        assert_eq!(owner.as_deref(), Some(want[0].1.as_str()), "owner of {pp}");
        assert_eq!(
            launch.as_deref(),
            Some(want[1].1.as_str()),
            "launch role of {pp}"
        );
        let records = world.change_records(pp);
        assert_eq!(
            records.len(),
            1,
            "the interrupted change is not made twice: {records:?}"
        );
        assert_eq!(records[0].status, RecordStatus::Succeeded);
    }
}

/// Starts the emulator binary on a free port with a state file; returns the child and its URL.
async fn start_emulator_process(state: &std::path::Path) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_servicecatalog-emulator"))
        .args(["--listen", "127.0.0.1:0", "--state-file"])
        .arg(state)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start servicecatalog-emulator");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the emulator announces its address")
        .expect("read stdout")
        .expect("a line");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_kill_9_loses_no_acknowledged_change() {
    let (products_n, run_for) = if full() {
        (50, Duration::from_secs(10))
    } else {
        (10, Duration::from_millis(500))
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.json");
    let (mut emu, url) = start_emulator_process(&state).await;
    let sc = acceptance::sdk_client(&url);
    let mut products = Vec::new();
    for i in 0..products_n {
        products.push(reliability::seed(&sc, &format!("kill9-{i}")).await);
    }

    // One writer per product: change the owner again and again, noting each acknowledged change,
    // until the emulator is gone (or a safety bound passes).
    let mut originals = Vec::new();
    for pp in &products {
        originals.push(live_properties(&sc, pp).await.0);
    }
    let acks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop_at = Instant::now() + Duration::from_secs(300);
    let mut writers = Vec::new();
    for (pp, original) in products.clone().into_iter().zip(originals) {
        let sc = sc.clone();
        let acks = acks.clone();
        writers.push(tokio::spawn(async move {
            let mut acked: Vec<(String, String)> = Vec::new();
            let mut in_flight = None;
            for k in 0.. {
                if Instant::now() > stop_at {
                    break;
                }
                let owner = role(&format!("Owner-{pp}-{k}"));
                in_flight = Some(owner.clone());
                let sent = sc
                    .update_provisioned_product_properties()
                    .provisioned_product_id(&pp)
                    .idempotency_token(uuid::Uuid::new_v4().to_string())
                    .provisioned_product_properties(
                        aws_sdk_servicecatalog::types::PropertyKey::Owner,
                        &owner,
                    )
                    .send()
                    .await;
                match sent {
                    Ok(out) => {
                        acked.push((out.record_id().unwrap_or_default().to_string(), owner));
                        in_flight = None;
                        acks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    // The emulator is gone (killed): stop.
                    Err(_) => break,
                }
            }
            (pp, original, acked, in_flight)
        }));
    }
    // Kill it mid-soak: once the writers are well under way.
    let wanted = products_n * 2;
    let deadline = Instant::now() + Duration::from_secs(120);
    while acks.load(std::sync::atomic::Ordering::SeqCst) < wanted && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(run_for).await;
    emu.start_kill().expect("SIGKILL the emulator");
    let _ = emu.wait().await;
    let mut results = Vec::new();
    for w in writers {
        results.push(w.await.expect("writer task"));
    }
    let acked_total: usize = results.iter().map(|(_, _, a, _)| a.len()).sum();
    assert!(
        acked_total > 0,
        "some changes were acknowledged before the kill"
    );

    let (mut emu, url) = start_emulator_process(&state).await;
    let sc = acceptance::sdk_client(&url);
    for (pp, original, acked, in_flight) in &results {
        for (record_id, _) in acked {
            let status = reliability::wait_record(&sc, record_id).await;
            assert_eq!(
                status, "SUCCEEDED",
                "acknowledged record {record_id} of {pp}"
            );
        }
        let (owner, _) = live_properties(&sc, pp).await;
        let last_acked = acked.last().map(|(_, o)| o.clone()).or(original.clone());
        let allowed: Vec<Option<String>> = vec![last_acked, in_flight.clone()];
        assert!(
            allowed.contains(&owner),
            "{pp}: owner {owner:?} is neither the last acknowledged change nor the one in flight {allowed:?}"
        );
    }
    eprintln!("kill -9: {acked_total} acknowledged changes over {products_n} products, all present after restart");
    let _ = emu.start_kill();
    let _ = emu.wait().await;
}
