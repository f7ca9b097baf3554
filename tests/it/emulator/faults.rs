//! Fault injection (throttling, 5xx before and after commit, latency, record failure, search lag),
//! concurrency on one product, and the `/_emulator/` control API, driven by the real SDK client.

use std::time::{Duration, Instant};

use aws_sdk_servicecatalog::error::ProvideErrorMetadata;
use aws_sdk_servicecatalog::types::PropertyKey;
use servicecatalog_provider::emulator::{EmulatorConfig, Faults};

use super::{
    admin, control, describe_err, faults, get, patch_faults, seeded, set, set_and_wait, start,
    try_set, with_record_latency,
};
use crate::harness::http::{raw, raw_api};
use crate::harness::sdk::{self, iam_arn};

#[tokio::test]
async fn sdk_retries_through_throttling() {
    let (world, _, id) = seeded("t").await;
    let emu = world.emu();
    let c = world.client("AKID", "s", 3);
    world.set_faults(faults(|f| f.throttle_next = 2));
    let out = set(&c, &id, PropertyKey::Owner, iam_arn("user", "x")).await;
    assert_eq!(out.status().unwrap().as_str(), "CREATED");
    assert_eq!(world.stored_change_records(&id).len(), 1);
    assert_eq!(emu.faults().throttle_next, 0);

    // Without retries the caller sees the throttling code.
    world.set_faults(faults(|f| f.throttle_next = 1));
    let err = describe_err(&admin(&world), &id).await;
    assert_eq!(err.code(), Some("ThrottlingException"));
    world.finish().await;
}

#[tokio::test]
async fn sdk_retries_through_5xx_before_and_after_commit_without_applying_twice() {
    let (world, admin, id) = seeded("s").await;
    let emu = world.emu();
    let c = world.client("AKID", "s", 3);
    world.set_faults(faults(|f| {
        f.server_error_next = 2;
        f.server_error_status = Some(503);
    }));
    set(&c, &id, PropertyKey::Owner, iam_arn("user", "x")).await;
    assert_eq!(world.stored_change_records(&id).len(), 1);

    // The change is applied, the answer is lost as a 500; the retry (same auto-filled token) gets the
    // original record back.
    world.set_faults(faults(|f| f.server_error_after_commit_next = 1));
    let out = set(&c, &id, PropertyKey::LaunchRole, iam_arn("role", "L")).await;
    assert_eq!(world.stored_change_records(&id).len(), 2);
    let last = emu.records_for(&id).pop().unwrap();
    assert_eq!(out.record_id(), Some(last.id.as_str()));
    assert_eq!(emu.faults().server_error_after_commit_next, 0);

    world.set_faults(faults(|f| f.server_error_next = 1));
    let e = describe_err(&admin, &id).await;
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(500));
    assert_eq!(e.code(), Some("InternalFailure"));
    world.finish().await;
}

#[tokio::test]
async fn faults_can_target_one_operation_and_add_latency() {
    let (world, c, id) = seeded("o").await;
    let emu = world.emu();
    world.set_faults(faults(|f| {
        f.throttle_next = 5;
        f.operations = ["UpdateProvisionedProductProperties".to_owned()].into();
    }));
    sdk::describe(&c, &id).await;
    let e = try_set(&c, &id, PropertyKey::Owner, iam_arn("user", "x"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ThrottlingException"));
    assert_eq!(emu.faults().throttle_next, 4);

    // Injected latency is a floor on the answer time (a lower bound only; no upper bound is asserted).
    world.set_faults(faults(|f| f.latency = Duration::from_millis(200)));
    let t = Instant::now();
    sdk::describe(&c, &id).await;
    assert!(t.elapsed() >= Duration::from_millis(200));
    world.finish().await;
}

#[tokio::test]
async fn parallel_property_updates_on_one_product_accept_exactly_one() {
    let (world, _) = with_record_latency(Duration::from_secs(30)).await;
    let id = world.seed("race").await;
    let mut tasks = vec![];
    for i in 0..16 {
        let c = admin(&world);
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            try_set(
                &c,
                &id,
                PropertyKey::Owner,
                iam_arn("user", &format!("u{i}")),
            )
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
    let (world, c, bad) = seeded("bad").await;
    let good = world.seed("good").await;
    world.set_faults(faults(|f| {
        f.fail_provisioned_products = [bad.clone()].into()
    }));
    for (id, want) in [(&bad, "FAILED"), (&good, "SUCCEEDED"), (&bad, "FAILED")] {
        let status = set_and_wait(&c, id, PropertyKey::Owner, iam_arn("user", "n")).await;
        assert_eq!(status, want, "{id}");
    }
    for (id, want) in [
        (&bad, iam_arn("user", "admin")),
        (&good, iam_arn("user", "n")),
    ] {
        assert_eq!(sdk::owner(&c, id).await, Some(want), "{id}");
    }
    world.finish().await;
}

#[tokio::test]
async fn search_lag_shows_the_previous_owner() {
    let (world, c, id) = seeded("lag").await;
    world.set_faults(faults(|f| f.search_lag_calls = 2));
    let status = set_and_wait(&c, &id, PropertyKey::Owner, iam_arn("user", "new")).await;
    assert_eq!(status, "SUCCEEDED");
    // Two searches still show the old owner, the third the new one.
    for want in ["admin", "admin", "new"] {
        assert_eq!(sdk::owner(&c, &id).await, Some(iam_arn("user", want)));
    }

    // Time-based lag: an hour-long lag is certainly still running right after the change.
    world.set_faults(faults(|f| f.search_lag = Duration::from_secs(3600)));
    set_and_wait(&c, &id, PropertyKey::Owner, iam_arn("user", "newer")).await;
    assert_eq!(sdk::owner(&c, &id).await, Some(iam_arn("user", "new")));
    world.finish().await;
}

#[tokio::test]
async fn control_api_sets_faults_seeds_dumps_and_resets() {
    let (world, c) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    let addr = emu.addr();
    let r = control(
        addr,
        "PUT",
        "/_emulator/faults",
        br#"{"throttle_next": 1, "search_lag_ms": 1500}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(emu.faults().throttle_next, 1);
    assert_eq!(emu.faults().search_lag, Duration::from_millis(1500));
    let r = patch_faults(addr, r#"{"fail_next_records": 2}"#).await;
    assert_eq!(r.json()["throttle_next"], 1);
    assert_eq!(r.json()["fail_next_records"], 2);
    let r = patch_faults(addr, r#"{"throttle_nxt": 2}"#).await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"].as_str().unwrap().contains("throttle_nxt"),
        "{}",
        r.text()
    );
    let r = patch_faults(addr, r#"{"server_error_status": 502}"#).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("502"), "{}", r.text());
    let r = get(addr, "/_emulator/faults").await;
    assert_eq!(r.json()["search_lag_ms"], 1500);

    let seed = |body: String| async move {
        control(
            addr,
            "POST",
            "/_emulator/provisioned-products",
            body.as_bytes(),
        )
        .await
    };
    let owner = iam_arn("role", "Owner");
    let r = seed(format!(r#"{{"name":"seeded","owner_arn":"{owner}"}}"#)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["Id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["Status"], "AVAILABLE");
    let r = seed(r#"{"name":"x","owner_arn":"nobody"}"#.to_owned()).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("'nobody'"), "{}", r.text());

    world.set_faults(Faults::default());
    assert_eq!(sdk::owner(&c, &id).await, Some(owner));
    let r = get(
        addr,
        &format!("/_emulator/records?provisioned_product_id={id}"),
    )
    .await;
    assert_eq!(r.json()["records"].as_array().unwrap().len(), 1);
    let r = get(addr, "/_emulator/state").await;
    assert!(r.json()["products"].get(&id).is_some(), "{}", r.text());

    let r = raw(addr, "POST", "/_emulator/reset", &[], b"").await;
    assert_eq!(r.status, 200);
    let e = describe_err(&c, &id).await;
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    assert!(emu.snapshot().products.is_empty());
    world.finish().await;
}

#[tokio::test]
async fn record_latency_can_be_changed_at_run_time() {
    let (world, c, id) = seeded("slow").await;
    // No Content-Type: the control API reads the body as JSON whatever the header says.
    let r = raw(
        world.emu().addr(),
        "PATCH",
        "/_emulator/faults",
        &[],
        br#"{"record_latency_ms": 600000}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let out = set(&c, &id, PropertyKey::Owner, iam_arn("user", "x")).await;
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
    let e = try_set(&c, &id, PropertyKey::Owner, iam_arn("user", "y"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidStateException"));
    world.finish().await;
}

#[tokio::test]
async fn metrics_count_calls_and_throttled_calls_by_operation() {
    use servicecatalog_provider::emulator::{Metrics, OperationMetrics, OPERATIONS};
    let (world, c, id) = seeded("counted").await;
    let emu = world.emu();
    let before = emu.metrics();
    assert_eq!(before.operations.len(), OPERATIONS.len());
    assert_eq!(before.total_calls(), 0, "seeding is not an API call");

    for _ in 0..2 {
        sdk::describe(&c, &id).await;
    }
    world.set_faults(faults(|f| {
        f.throttle_next = 1;
        f.operations = ["DescribeProvisionedProduct".to_owned()].into();
    }));
    let e = describe_err(&c, &id).await;
    assert_eq!(e.code(), Some("ThrottlingException"));
    // A failed call counts as a call; an unknown target counts nowhere.
    let unsigned = raw(
        emu.addr(),
        "POST",
        "/",
        &[(
            "X-Amz-Target",
            "AWS242ServiceCatalogService.ScanProvisionedProducts",
        )],
        b"{}",
    )
    .await;
    assert_eq!(unsigned.status, 403);
    assert_eq!(
        raw_api(emu.addr(), "CreatePortfolio", "{}").await.status,
        400
    );

    let m = emu.metrics();
    assert_eq!(
        m.get("DescribeProvisionedProduct"),
        OperationMetrics {
            calls: 3,
            throttled: 1
        }
    );
    assert_eq!(
        m.get("ScanProvisionedProducts"),
        OperationMetrics {
            calls: 1,
            throttled: 0
        }
    );
    assert_eq!(m.total_calls(), 4);

    // The same numbers over HTTP, in the documented shape.
    let r = get(emu.addr(), "/_emulator/metrics").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let json = r.json();
    assert_eq!(json["operations"]["DescribeProvisionedProduct"]["calls"], 3);
    assert_eq!(
        json["operations"]["DescribeProvisionedProduct"]["throttled"],
        1
    );
    assert_eq!(json["operations"]["DescribeRecord"]["calls"], 0);
    let over_http: Metrics = serde_json::from_value(json).unwrap();
    assert_eq!(over_http, m);

    // A reset zeroes them.
    emu.reset().await.unwrap();
    assert_eq!(emu.metrics().total_calls(), 0);
    assert_eq!(emu.metrics().operations.len(), OPERATIONS.len());
    world.finish().await;
}

#[tokio::test]
async fn rate_limit_throttles_a_burst_beyond_the_bucket_and_refills() {
    use aws_sdk_servicecatalog::error::SdkError;
    use servicecatalog_provider::emulator::RateLimit;
    // One call every 2 s, at most 2 at once, for DescribeProvisionedProduct only.
    let (world, c) = start(EmulatorConfig {
        faults: Faults {
            rate_limits: [(
                "DescribeProvisionedProduct".to_owned(),
                RateLimit::per_second(0.5).with_burst(2),
            )]
            .into(),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    // `c` makes one attempt: the SDK does not retry.
    let emu = world.emu();
    let id = world.seed("limited").await;
    let describe = || c.describe_provisioned_product().id(&id).send();
    describe().await.unwrap();
    describe().await.unwrap();
    let err = describe().await.unwrap_err();
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(err.message(), Some("Rate exceeded"));
    match &err {
        SdkError::ServiceError(e) => assert_eq!(e.raw().status().as_u16(), 400),
        other => panic!("expected a service error, got {other:?}"),
    }
    // Other operations have no limit.
    for _ in 0..5 {
        c.scan_provisioned_products().send().await.unwrap();
    }
    let m = emu.metrics();
    assert_eq!(m.get("DescribeProvisionedProduct").calls, 3);
    assert_eq!(m.get("DescribeProvisionedProduct").throttled, 1);
    assert_eq!(m.get("ScanProvisionedProducts").throttled, 0);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    describe().await.expect("a token has been refilled");
    assert_eq!(emu.metrics().get("DescribeProvisionedProduct").throttled, 1);
    world.finish().await;
}

#[tokio::test]
async fn rate_limits_are_set_at_run_time_and_bad_ones_are_refused() {
    let (world, c) = start(EmulatorConfig::default()).await;
    let emu = world.emu();
    // `all` covers every operation not named on its own; a named one has its own bucket.
    let r = patch_faults(
        emu.addr(),
        r#"{"rate_limits": {"all": {"per_second": 0.1, "burst": 1},
                            "ScanProvisionedProducts": {"per_second": 0.1, "burst": 3}}}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["rate_limits"]["all"]["burst"], 1);
    assert_eq!(emu.faults().rate_limits.len(), 2);
    let search = || c.search_provisioned_products().send();
    search().await.unwrap();
    assert_eq!(
        search().await.unwrap_err().code(),
        Some("ThrottlingException")
    );
    for _ in 0..3 {
        c.scan_provisioned_products().send().await.unwrap();
    }
    let e = c.scan_provisioned_products().send().await.unwrap_err();
    assert_eq!(e.message(), Some("Rate exceeded"));

    for (body, names) in [
        (r#"{"rate_limits": {"Nope": {"per_second": 1}}}"#, "'Nope'"),
        (
            r#"{"rate_limits": {"all": {"per_second": 0}}}"#,
            "per_second 0",
        ),
        (
            r#"{"rate_limits": {"all": {"per_second": "fast"}}}"#,
            "\"fast\"",
        ),
        (
            r#"{"rate_limits": {"all": {"per_second": 1, "burst": -2}}}"#,
            "-2",
        ),
        (
            r#"{"rate_limits": {"all": {"per_second": 1, "burst": 0}}}"#,
            "burst 0",
        ),
    ] {
        let r = patch_faults(emu.addr(), body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        let msg = r.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(msg.contains(names), "{body}: {msg}");
    }
    // Refused changes change nothing: still throttled.
    assert_eq!(
        search().await.unwrap_err().code(),
        Some("ThrottlingException")
    );
    // Lifting the limits lets calls through at once.
    let r = patch_faults(emu.addr(), r#"{"rate_limits": {}}"#).await;
    assert_eq!(r.status, 200, "{}", r.text());
    search().await.unwrap();
    assert_eq!(emu.metrics().get("SearchProvisionedProducts").throttled, 2);
    world.finish().await;
}
