//! Fault injection (throttling, 5xx before and after commit, latency, record failure, search lag),
//! concurrency on one product, and the `/_emulator/` control API, driven by the real SDK client.

use std::time::{Duration, Instant};

use aws_sdk_servicecatalog::error::ProvideErrorMetadata;
use aws_sdk_servicecatalog::types::PropertyKey;
use servicecatalog_provider::emulator::{EmulatorConfig, Faults};

use super::{admin, final_status, start};
use crate::harness::http::raw;
use crate::harness::sdk::{self, iam_arn};
use crate::harness::World;

#[tokio::test]
async fn sdk_retries_through_throttling() {
    let (world, _) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let id = world.seed("t").await;
    let c = world.client("AKID", "s", 3);
    emu.set_faults(Faults {
        throttle_next: 2,
        ..Default::default()
    })
    .unwrap();
    let out = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().unwrap().as_str(), "CREATED");
    assert_eq!(world.stored_change_records(&id).len(), 1);
    assert_eq!(emu.faults().throttle_next, 0);

    // Without retries the caller sees the throttling code.
    emu.set_faults(Faults {
        throttle_next: 1,
        ..Default::default()
    })
    .unwrap();
    let err = admin(&world)
        .describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ThrottlingException"));
    world.finish().await;
}

#[tokio::test]
async fn sdk_retries_through_5xx_before_and_after_commit_without_applying_twice() {
    let (world, _) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let id = world.seed("s").await;
    let c = world.client("AKID", "s", 3);
    emu.set_faults(Faults {
        server_error_next: 2,
        server_error_status: Some(503),
        ..Default::default()
    })
    .unwrap();
    c.update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(world.stored_change_records(&id).len(), 1);

    // The change is applied, the answer is lost as a 500; the retry (same auto-filled token) gets the
    // original record back.
    emu.set_faults(Faults {
        server_error_after_commit_next: 1,
        ..Default::default()
    })
    .unwrap();
    let out = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::LaunchRole, iam_arn("role", "L"))
        .send()
        .await
        .unwrap();
    assert_eq!(world.stored_change_records(&id).len(), 2);
    let last = emu.records_for(&id).pop().unwrap();
    assert_eq!(out.record_id(), Some(last.id.as_str()));
    assert_eq!(emu.faults().server_error_after_commit_next, 0);

    let err = admin(&world);
    emu.set_faults(Faults {
        server_error_next: 1,
        ..Default::default()
    })
    .unwrap();
    let e = err
        .describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(500));
    assert_eq!(e.code(), Some("InternalFailure"));
    world.finish().await;
}

#[tokio::test]
async fn faults_can_target_one_operation_and_add_latency() {
    let (world, c) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let id = world.seed("o").await;
    emu.set_faults(Faults {
        throttle_next: 5,
        operations: ["UpdateProvisionedProductProperties".to_owned()].into(),
        ..Default::default()
    })
    .unwrap();
    c.describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    let e = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ThrottlingException"));
    assert_eq!(emu.faults().throttle_next, 4);

    // Injected latency is a floor on the answer time (a lower bound only; no upper bound is asserted).
    emu.set_faults(Faults {
        latency: Duration::from_millis(200),
        ..Default::default()
    })
    .unwrap();
    let t = Instant::now();
    c.describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_millis(200));
    world.finish().await;
}

#[tokio::test]
async fn parallel_property_updates_on_one_product_accept_exactly_one() {
    let world = World::with_config(EmulatorConfig {
        record_latency: Duration::from_secs(30),
        ..Default::default()
    })
    .await;
    let id = world.seed("race").await;
    let mut tasks = vec![];
    for i in 0..16 {
        let c = admin(&world);
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            c.update_provisioned_product_properties()
                .provisioned_product_id(&id)
                .provisioned_product_properties(
                    PropertyKey::Owner,
                    iam_arn("user", &format!("u{i}")),
                )
                .send()
                .await
                .map(|o| o.record_id().unwrap().to_owned())
                .map_err(|e| e.code().unwrap_or_default().to_owned())
        }));
    }
    let mut ok = vec![];
    let mut errors = vec![];
    for t in tasks {
        match t.await.unwrap() {
            Ok(r) => ok.push(r),
            Err(code) => errors.push(code),
        }
    }
    assert_eq!(ok.len(), 1, "{ok:?}");
    assert_eq!(errors.len(), 15);
    assert!(
        errors.iter().all(|c| c == "InvalidStateException"),
        "{errors:?}"
    );
    assert_eq!(world.stored_change_records(&id).len(), 1);
    world.finish().await;
}

#[tokio::test]
async fn record_failure_for_one_product_only() {
    let (world, c) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let bad = world.seed("bad").await;
    let good = world.seed("good").await;
    emu.set_faults(Faults {
        fail_provisioned_products: [bad.clone()].into(),
        ..Default::default()
    })
    .unwrap();
    for (id, want) in [(&bad, "FAILED"), (&good, "SUCCEEDED"), (&bad, "FAILED")] {
        let out = c
            .update_provisioned_product_properties()
            .provisioned_product_id(id)
            .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "n"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            final_status(&c, out.record_id().unwrap()).await,
            want,
            "{id}"
        );
    }
    assert_eq!(
        sdk::owner(&c, &bad).await.as_deref(),
        Some(iam_arn("user", "admin").as_str())
    );
    assert_eq!(
        sdk::owner(&c, &good).await.as_deref(),
        Some(iam_arn("user", "n").as_str())
    );
    world.finish().await;
}

#[tokio::test]
async fn search_lag_shows_the_previous_owner() {
    let (world, c) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let id = world.seed("lag").await;
    emu.set_faults(Faults {
        search_lag_calls: 2,
        ..Default::default()
    })
    .unwrap();
    let out = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "new"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        final_status(&c, out.record_id().unwrap()).await,
        "SUCCEEDED"
    );
    let old = iam_arn("user", "admin");
    assert_eq!(sdk::owner(&c, &id).await.as_deref(), Some(old.as_str()));
    assert_eq!(sdk::owner(&c, &id).await.as_deref(), Some(old.as_str()));
    assert_eq!(
        sdk::owner(&c, &id).await.as_deref(),
        Some(iam_arn("user", "new").as_str())
    );

    // Time-based lag: an hour-long lag is certainly still running right after the change.
    emu.set_faults(Faults {
        search_lag: Duration::from_secs(3600),
        ..Default::default()
    })
    .unwrap();
    let out = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "newer"))
        .send()
        .await
        .unwrap();
    final_status(&c, out.record_id().unwrap()).await;
    assert_eq!(
        sdk::owner(&c, &id).await.as_deref(),
        Some(iam_arn("user", "new").as_str())
    );
    world.finish().await;
}

#[tokio::test]
async fn control_api_sets_faults_seeds_dumps_and_resets() {
    let (world, c) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let addr = emu.addr();
    let json = [("Content-Type", "application/json")];
    let r = raw(
        addr,
        "PUT",
        "/_emulator/faults",
        &json,
        br#"{"throttle_next": 1, "search_lag_ms": 1500}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(emu.faults().throttle_next, 1);
    assert_eq!(emu.faults().search_lag, Duration::from_millis(1500));
    let r = raw(
        addr,
        "PATCH",
        "/_emulator/faults",
        &json,
        br#"{"fail_next_records": 2}"#,
    )
    .await;
    assert_eq!(r.json()["throttle_next"], 1);
    assert_eq!(r.json()["fail_next_records"], 2);
    let r = raw(
        addr,
        "PATCH",
        "/_emulator/faults",
        &json,
        br#"{"throttle_nxt": 2}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"].as_str().unwrap().contains("throttle_nxt"),
        "{}",
        r.text()
    );
    let r = raw(
        addr,
        "PATCH",
        "/_emulator/faults",
        &json,
        br#"{"server_error_status": 502}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("502"), "{}", r.text());
    let r = raw(addr, "GET", "/_emulator/faults", &[], b"").await;
    assert_eq!(r.json()["search_lag_ms"], 1500);

    let r = raw(
        addr,
        "POST",
        "/_emulator/provisioned-products",
        &json,
        format!(
            r#"{{"name":"seeded","owner_arn":"{}"}}"#,
            iam_arn("role", "Owner")
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["Id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["Status"], "AVAILABLE");
    let r = raw(
        addr,
        "POST",
        "/_emulator/provisioned-products",
        &json,
        br#"{"name":"x","owner_arn":"nobody"}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("'nobody'"), "{}", r.text());

    emu.set_faults(Faults::default()).unwrap();
    assert_eq!(
        sdk::owner(&c, &id).await.as_deref(),
        Some(iam_arn("role", "Owner").as_str())
    );
    let r = raw(
        addr,
        "GET",
        &format!("/_emulator/records?provisioned_product_id={id}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(r.json()["records"].as_array().unwrap().len(), 1);
    let r = raw(addr, "GET", "/_emulator/state", &[], b"").await;
    assert!(r.json()["products"].get(&id).is_some(), "{}", r.text());

    let r = raw(addr, "POST", "/_emulator/reset", &[], b"").await;
    assert_eq!(r.status, 200);
    let e = c
        .describe_provisioned_product()
        .id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    assert!(emu.snapshot().products.is_empty());
    world.finish().await;
}

#[tokio::test]
async fn record_latency_can_be_changed_at_run_time() {
    let (world, c) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let id = world.seed("slow").await;
    let r = raw(
        emu.addr(),
        "PATCH",
        "/_emulator/faults",
        &[],
        br#"{"record_latency_ms": 600000}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let out = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "x"))
        .send()
        .await
        .unwrap();
    // A ten-minute record is certainly still open.
    let rec = c
        .describe_record()
        .id(out.record_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_ne!(
        rec.record_detail().unwrap().status().unwrap().as_str(),
        "SUCCEEDED"
    );
    let e = c
        .update_provisioned_product_properties()
        .provisioned_product_id(&id)
        .provisioned_product_properties(PropertyKey::Owner, iam_arn("user", "y"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidStateException"));
    world.finish().await;
}
