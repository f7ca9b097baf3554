//! Failed records, busy products, throttling and server errors, timeouts, Ctrl-C during a record
//! wait, and lagging search: each reported clearly, and a later apply converges without a second
//! change.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_servicecatalog::types::RecordStatus;
use servicecatalog_provider::emulator::Faults;

use super::{assert_state, string_map};
use crate::harness::hcl::ADDR;
use crate::harness::sdk::{self, role, user};
use crate::harness::terraform::squash;
use crate::harness::{procfs, World};

const UPPP: &str = "UpdateProvisionedProductProperties";

fn ops(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn failed_record_is_reported_and_a_later_apply_converges() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("failing").await;
    let owner0 = acc.owner(&pp).await;
    let a = role("OwnerA");
    wd.apply_step(&acc.config(&pp, &[("OWNER", &a)], "")).await;

    acc.set_faults(Faults {
        fail_provisioned_products: ops(&[&pp]),
        ..Default::default()
    });
    let b = role("OwnerB");
    let config_b = acc.config(&pp, &[("OWNER", &b)], "");
    wd.write_config(&config_b);
    let out = wd.try_apply().await;
    assert!(!out.success(), "apply must fail\n{}", wd.transcript());

    let failed = acc
        .change_records(&pp)
        .await
        .pop()
        .expect("the failed change has a record");
    assert_eq!(failed.status(), Some(&RecordStatus::Failed));
    let record_id = failed.record_id().expect("record id");
    let text = out.messages();
    assert!(
        text.contains(record_id),
        "error names record {record_id}: {text}"
    );
    assert!(!failed.record_errors().is_empty(), "emulator gave reasons");
    for err in failed.record_errors() {
        for part in [err.code(), err.description()].into_iter().flatten() {
            assert!(
                text.contains(&squash(part)),
                "error quotes record error {part:?}: {text}"
            );
        }
    }

    // Nothing lost: live and state values are the ones really in effect.
    assert_eq!(acc.owner(&pp).await, a);
    let s = wd.resource_values(ADDR).await;
    assert_eq!(string_map(&s["properties"]).get("OWNER"), Some(&a), "{s}");
    assert_eq!(
        string_map(&s["original_properties"]).get("OWNER"),
        Some(&owner0),
        "{s}"
    );

    acc.set_faults(Faults::default());
    wd.apply_step(&config_b).await;
    assert_eq!(acc.owner(&pp).await, b);
    assert_state(&acc, &wd, &pp, &[("OWNER", &b)]).await;
    acc.finish().await;
}

#[tokio::test]
async fn busy_product_is_waited_for() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("busy").await;
    // From now on records take a few seconds, so an out-of-band change keeps the product busy.
    acc.set_faults(Faults {
        record_latency_ms: Some(6_000),
        ..Default::default()
    });
    let launch = role("LaunchBusy");
    let oob = acc
        .start_change_out_of_band(&pp, &[("LAUNCH_ROLE", &launch)])
        .await;
    assert_eq!(acc.status(&pp).await, "UNDER_CHANGE");

    let team = role("TeamRole");
    wd.apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
        .await;

    assert_eq!(acc.owner(&pp).await, team);
    assert_eq!(
        acc.launch_role(&pp).await.as_deref(),
        Some(launch.as_str()),
        "the other change landed too"
    );
    let changes = acc.change_records(&pp).await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0].record_id(), Some(oob.as_str()));
    for r in &changes {
        assert_eq!(r.status(), Some(&RecordStatus::Succeeded), "{r:?}");
    }
    let oob_done = changes[0].updated_time().expect("updated time").secs();
    let ours_started = changes[1].created_time().expect("created time").secs();
    assert!(
        ours_started >= oob_done,
        "our change started only after the product was free"
    );
    acc.finish().await;
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_with_one_record_per_change() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("faults").await;

    // Throttled UPPP: the SDK retries with the same token.
    acc.set_faults(Faults {
        throttle_next: 2,
        operations: ops(&[UPPP]),
        ..Default::default()
    });
    let a = role("OwnerA");
    wd.apply_step(&acc.config(&pp, &[("OWNER", &a)], "")).await;
    assert_eq!(acc.faults().throttle_next, 0, "throttling was exercised");
    assert_eq!(acc.owner(&pp).await, a);
    assert_eq!(acc.change_records(&pp).await.len(), 1);

    // 503s while polling the record.
    acc.set_faults(Faults {
        server_error_next: 2,
        server_error_status: Some(503),
        operations: ops(&["DescribeRecord"]),
        ..Default::default()
    });
    let b = role("OwnerB");
    wd.apply_step(&acc.config(&pp, &[("OWNER", &b)], "")).await;
    assert_eq!(acc.faults().server_error_next, 0, "5xx was exercised");
    assert_eq!(acc.owner(&pp).await, b);
    assert_eq!(acc.change_records(&pp).await.len(), 2);

    // A 500 after the change was committed: the retry must not make a second change.
    acc.set_faults(Faults {
        server_error_after_commit_next: 1,
        server_error_status: Some(500),
        operations: ops(&[UPPP]),
        ..Default::default()
    });
    let c = user("ownerc");
    wd.apply_step(&acc.config(&pp, &[("OWNER", &c)], "")).await;
    assert_eq!(
        acc.faults().server_error_after_commit_next,
        0,
        "lost answer was exercised"
    );
    assert_eq!(acc.owner(&pp).await, c);
    let changes = acc.change_records(&pp).await;
    assert_eq!(
        changes.len(),
        3,
        "exactly one record per change: {changes:?}"
    );
    assert_state(&acc, &wd, &pp, &[("OWNER", &c)]).await;
    acc.finish().await;
}

#[tokio::test]
async fn timeout_names_the_record_and_a_later_apply_converges() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("timeout").await;
    // The record takes far longer than the configured timeout.
    acc.set_faults(Faults {
        record_latency_ms: Some(20_000),
        ..Default::default()
    });
    let team = role("TeamRole");
    let timeouts = "  timeouts {\n    create = \"2s\"\n  }";
    let config = acc.config(&pp, &[("OWNER", &team)], timeouts);

    wd.write_config(&config);
    let out = wd.try_apply().await;
    assert!(!out.success(), "apply must time out\n{}", wd.transcript());
    let record = acc
        .change_records(&pp)
        .await
        .pop()
        .expect("the change was made");
    let record_id = record.record_id().expect("record id").to_string();
    assert!(
        !matches!(
            acc.record_status(&record_id).await,
            RecordStatus::Succeeded | RecordStatus::Failed
        ),
        "the apply ended on the timeout, not on the record"
    );
    let text = out.messages();
    let lower = text.to_lowercase();
    assert!(
        lower.contains("timeout") || lower.contains("timed out"),
        "{text}"
    );
    assert!(text.contains(&record_id), "error names {record_id}: {text}");
    let s = wd.resource_values(ADDR).await;
    assert_eq!(
        s["record_id"],
        record_id.as_str(),
        "record id kept in state: {s}"
    );

    // The next apply (default timeouts) waits for the product to be free and converges
    // without a second change.
    wd.apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
        .await;
    assert_eq!(acc.owner(&pp).await, team);
    let changes = acc.change_records(&pp).await;
    assert_eq!(
        changes.len(),
        1,
        "the timed-out change is not made twice: {}\n{}",
        sdk::describe_records(&changes),
        wd.transcript()
    );
    acc.finish().await;
}

#[tokio::test]
async fn interrupt_during_a_long_record_wait_exits_promptly() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("cancel").await;
    acc.set_faults(Faults {
        record_latency_ms: Some(30_000),
        ..Default::default()
    });
    let team = role("TeamRole");
    let config = acc.config(&pp, &[("OWNER", &team)], "");

    wd.write_config(&config);
    let args = ["apply", "-no-color", "-input=false", "-auto-approve"];
    let mut child = wd.spawn(&args);
    let pid = child.id().expect("terraform pid");

    // Wait until the change is made, i.e. the provider is waiting on the record.
    let mut polls = 0;
    let record_id = loop {
        if let Some(r) = acc.change_records(&pp).await.pop() {
            break r.record_id().expect("record id").to_string();
        }
        if child.try_wait().expect("poll terraform").is_some() {
            wd.finish(&args, child).await;
            panic!(
                "terraform ended before making the change\n{}",
                wd.transcript()
            );
        }
        polls += 1;
        assert!(polls < 600, "terraform never made the change");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    procfs::signal(pid, "INT");

    // Hang guard only; promptness is proven by the record still running below.
    let out = tokio::time::timeout(Duration::from_secs(120), wd.finish(&args, child))
        .await
        .expect("terraform exits after an interrupt");
    assert!(!out.success(), "interrupted apply reports failure");
    assert!(
        !matches!(
            acc.record_status(&record_id).await,
            RecordStatus::Succeeded | RecordStatus::Failed
        ),
        "terraform stopped waiting at once, before the record finished\n{}",
        wd.transcript()
    );

    let mut left = wd.provider_processes();
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = wd.provider_processes();
    }
    assert!(left.is_empty(), "provider processes left running: {left:?}");

    // State is readable and, if the resource was saved, it points at the real record.
    if let Some(s) = wd.resource_state(ADDR).await {
        assert_eq!(s["provisioned_product_id"], pp.as_str(), "{s}");
        assert_eq!(s["record_id"], record_id.as_str(), "{s}");
    }

    // The next apply waits for the record in flight and converges without a second change.
    wd.apply_step(&config).await;
    assert_eq!(acc.owner(&pp).await, team);
    let changes = acc.change_records(&pp).await;
    assert_eq!(
        changes.len(),
        1,
        "the interrupted change is not made twice: {}\n{}",
        sdk::describe_records(&changes),
        wd.transcript()
    );
    acc.finish().await;
}

#[tokio::test]
async fn search_lag_after_a_change_is_tolerated() {
    let acc = World::start().await;
    let wd = acc.workdir();
    let pp = acc.seed("search-lag").await;
    // The next searches after the owner change still show the previous owner.
    acc.set_faults(Faults {
        search_lag_calls: 2,
        ..Default::default()
    });
    let team = role("TeamRole");
    wd.apply_step(&acc.config(&pp, &[("OWNER", &team)], ""))
        .await;
    assert_state(&acc, &wd, &pp, &[("OWNER", &team)]).await;
    assert_eq!(acc.owner(&pp).await, team);
    assert_eq!(acc.change_records(&pp).await.len(), 1, "no second change");
    acc.finish().await;
}
