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

use std::time::{Duration, Instant};

use servicecatalog_provider::emulator::{EmulatorConfig, Faults, RecordStatus};

use super::full;
use crate::harness::emulator_process::EmulatorProcess;
use crate::harness::fault_proxy::{FaultProxy, Rates};
use crate::harness::hcl::{labelled_resource_hcl, provider_hcl};
use crate::harness::sdk::{self, provision, role, ACCESS_KEY, SECRET_KEY};
use crate::harness::{procfs, World};

/// How long a record may take to finish (a hang guard).
const RECORD_BUDGET: Duration = Duration::from_secs(60);

pub(super) fn config(
    endpoint: &str,
    products: &[String],
    props: &dyn Fn(usize) -> [(&'static str, String); 2],
) -> String {
    let mut hcl = provider_hcl(endpoint, "  max_retries = 10\n");
    for (i, pp) in products.iter().enumerate() {
        let props = props(i);
        let refs: Vec<(&str, &str)> = props.iter().map(|(k, v)| (*k, v.as_str())).collect();
        hcl.push_str(&labelled_resource_hcl(&format!("p{i}"), pp, &refs, ""));
    }
    hcl
}

/// Asserts live values and the change-record history of every product: the statuses of its
/// records in order, one per change (no duplicates).
pub(super) async fn assert_products(
    world: &World,
    products: &[String],
    props: &dyn Fn(usize) -> [(&'static str, String); 2],
    records: &dyn Fn(usize) -> Vec<RecordStatus>,
) {
    for (i, pp) in products.iter().enumerate() {
        let want = props(i);
        let (owner, launch) = (
            sdk::owner(&world.sc, pp).await,
            sdk::launch_role(&world.sc, pp).await,
        );
        assert_eq!(owner.as_deref(), Some(want[0].1.as_str()), "owner of {pp}");
        assert_eq!(
            launch.as_deref(),
            Some(want[1].1.as_str()),
            "launch role of {pp}"
        );
        let statuses: Vec<RecordStatus> = world
            .stored_change_records(pp)
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(
            statuses,
            records(i),
            "change records of {pp} (one per change, no duplicates)"
        );
    }
}

/// The provider processes `terraform` (pid `tf_pid`) has started and that are running now.
pub(super) fn provider_children(tf_pid: u32) -> Vec<u32> {
    procfs::children(tf_pid)
        .into_iter()
        .filter(|p| {
            procfs::exe(*p).is_some_and(|e| {
                e.file_name()
                    .is_some_and(|f| f == "terraform-provider-servicecatalog")
            })
        })
        .collect()
}

/// `n` successful changes.
pub(super) fn succeeded(n: usize) -> Vec<RecordStatus> {
    vec![RecordStatus::Succeeded; n]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_soak_converges() {
    let n = if full() { 100 } else { 20 };
    let world = World::start().await;
    let wd = world.workdir();
    let products = world.seed_many("soak", n).await;
    let proxy = FaultProxy::start(
        world.shared_emu(),
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
    wd.write_config(&config(&proxy.url, &products, &first));
    wd.apply().await;
    let first_apply = started.elapsed();
    assert_products(&world, &products, &first, &|_| succeeded(1)).await;

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
    wd.write_config(&config(&proxy.url, &products, &second));
    wd.apply().await;
    let second_apply = started.elapsed();
    assert_products(&world, &products, &second, &|i| {
        succeeded(if i.is_multiple_of(2) { 2 } else { 1 })
    })
    .await;

    wd.assert_plan_empty().await;
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
    let world = World::start().await;
    let wd = world.workdir();
    let products = world.seed_many("fail", n).await;
    let failing: Vec<usize> = (0..n).filter(|i| i % 10 == 3).collect();
    world
        .emu()
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
    wd.write_config(&config(world.endpoint(), &products, &props));
    let out = wd.try_apply().await;
    assert!(!out.success(), "the apply fails\n{}", wd.transcript());
    let text = out.text();
    for i in &failing {
        let records = world.stored_change_records(&products[*i]);
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
        let state = wd.resource_state(&addr).await;
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

    world
        .emu()
        .set_faults(Faults::default())
        .expect("faults off");
    wd.apply().await;
    wd.assert_plan_empty().await;
    assert_products(&world, &products, &props, &|i| {
        if failing.contains(&i) {
            vec![RecordStatus::Failed, RecordStatus::Succeeded]
        } else {
            succeeded(1)
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_record_waits() {
    let n = 3;
    let world = World::with_config(EmulatorConfig {
        record_latency: Duration::from_secs(8),
        ..Default::default()
    })
    .await;
    let wd = world.workdir();
    // Seeding is instant; the records of the changes take long.
    let products = world.seed_many("sigint", n).await;
    let props = |i: usize| {
        [
            ("OWNER", role(&format!("Owner{i}"))),
            ("LAUNCH_ROLE", role(&format!("Launch{i}"))),
        ]
    };
    wd.write_config(&config(world.endpoint(), &products, &props));
    let args = ["apply", "-no-color", "-input=false", "-auto-approve"];
    let child = wd.spawn(&args);
    let tf_pid = child.id().expect("terraform pid");

    // Wait until every change is submitted and its record is being waited on.
    let deadline = Instant::now() + Duration::from_secs(120);
    let providers = loop {
        let submitted = products
            .iter()
            .all(|pp| !world.stored_change_records(pp).is_empty());
        let providers = provider_children(tf_pid);
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
    procfs::signal(tf_pid, "INT");
    // Terraform must exit on its own; `finish` fails the test, with the transcript, if it is
    // still running after the harness's generous guard. How fast is a figure, not a bound.
    let out = wd.finish(&args, child).await;
    let exit_after = interrupted.elapsed();
    eprintln!(
        "SIGINT: terraform exited after {exit_after:?} (code {:?})",
        out.code
    );
    assert!(
        !out.success(),
        "an interrupted apply does not report success"
    );
    // Each resource stopped waiting because of the interrupt, not because its record finished:
    // it says the wait for its own record was cancelled.
    let text = out.text();
    for pp in &products {
        let records = world.stored_change_records(pp);
        assert_eq!(
            records.len(),
            1,
            "one change submitted for {pp}: {records:?}"
        );
        let said = format!("cancelled while waiting for record {}", records[0].id);
        assert!(
            text.contains(&said),
            "the interrupted apply should say {said:?}\n{}",
            wd.transcript()
        );
    }
    for pid in &providers {
        assert!(
            !procfs::alive(*pid),
            "provider process {pid} outlived terraform"
        );
    }
    assert!(
        wd.provider_processes().is_empty(),
        "no provider process of this workdir is left"
    );

    // The submitted changes complete on their own; the next apply finds them live.
    for pp in &products {
        for r in world.stored_change_records(pp) {
            world.wait_record(&r.id).await;
        }
    }
    wd.apply().await;
    wd.assert_plan_empty().await;
    // One record each: the interrupted change is not made twice.
    assert_products(&world, &products, &props, &|_| succeeded(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_kill_9_loses_no_acknowledged_change() {
    let (products_n, run_for) = if full() {
        (50, Duration::from_secs(20))
    } else {
        (10, Duration::from_millis(500))
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().expect("a UTF-8 temp path");
    let emu = EmulatorProcess::start(&["--state-file", state_arg]).await;
    let sc = emu.client(ACCESS_KEY, SECRET_KEY, 5);
    let mut products = Vec::new();
    for i in 0..products_n {
        let (pp, record) = provision(&sc, &format!("kill9-{i}")).await;
        sdk::wait_record(&sc, &record, RECORD_BUDGET).await;
        products.push(pp);
    }

    // One writer per product: change the owner again and again, noting each acknowledged change,
    // until the emulator is gone (or a safety bound passes).
    let mut originals = Vec::new();
    for pp in &products {
        originals.push(sdk::owner(&sc, pp).await);
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
    emu.kill_9().await;
    let mut results = Vec::new();
    for w in writers {
        results.push(w.await.expect("writer task"));
    }
    let acked_total: usize = results.iter().map(|(_, _, a, _)| a.len()).sum();
    assert!(
        acked_total > 0,
        "some changes were acknowledged before the kill"
    );

    let emu = EmulatorProcess::start(&["--state-file", state_arg]).await;
    let sc = emu.client(ACCESS_KEY, SECRET_KEY, 5);
    for (pp, original, acked, in_flight) in &results {
        for (record_id, _) in acked {
            let record = sdk::wait_record(&sc, record_id, RECORD_BUDGET).await;
            assert_eq!(
                record.status(),
                Some(&aws_sdk_servicecatalog::types::RecordStatus::Succeeded),
                "acknowledged record {record_id} of {pp}"
            );
        }
        let owner = sdk::owner(&sc, pp).await;
        let last_acked = acked.last().map(|(_, o)| o.clone()).or(original.clone());
        let allowed: Vec<Option<String>> = vec![last_acked, in_flight.clone()];
        assert!(
            allowed.contains(&owner),
            "{pp}: owner {owner:?} is neither the last acknowledged change nor the one in flight {allowed:?}"
        );
    }
    eprintln!("kill -9: {acked_total} acknowledged changes over {products_n} products, all present after restart");
    emu.kill_9().await;
}
