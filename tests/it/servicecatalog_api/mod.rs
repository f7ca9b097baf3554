//! The Service Catalog API layer against the in-process emulator: property updates and record
//! waits, only differing keys sent, busy products, failed records, timeouts, cancellation,
//! idempotency, SDK retries through throttling and 5xx, search lag, not-found vs not-visible,
//! and the listings (search, scan, launch roles).
//! Clients are built through `ProviderConfig` (endpoint + static keys, or the environment).

mod environment;
mod errors;
mod fleet;
mod handover;
mod launch_roles;
mod search;

use std::collections::BTreeMap;
use std::time::Duration;

use servicecatalog_provider::emulator::model::Change as RecordChange;
use servicecatalog_provider::emulator::{
    AccessLevel, EmulatorConfig, Faults, Principal, Principals, RunningEmulator, SeedProduct,
};
use servicecatalog_provider::provider::config::ProviderConfig;
use servicecatalog_provider::servicecatalog::{
    ApiError, Backoff, Change, ChangeOutcome, Deadline, PropertyKey, PropertyMap, RecordId,
    RecordOutcome, RecordStatus, ServiceCatalog,
};
use tokio_util::sync::CancellationToken;

use crate::harness::World;

const ADMIN_KEY: &str = "AKIDADMIN";
const ALICE_KEY: &str = "AKIDALICE";
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const OWNER_A: &str = "arn:aws:iam::123456789012:role/TeamA";
const OWNER_B: &str = "arn:aws:iam::123456789012:user/bob";
const LAUNCH_1: &str = "arn:aws:iam::123456789012:role/Launch1";
const LAUNCH_2: &str = "arn:aws:iam::123456789012:role/Launch2";
/// Guard against a hung test; never an assertion about speed.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn config_for(endpoint: &str, access_key: &str) -> ProviderConfig {
    ProviderConfig {
        region: Some("us-east-1".into()),
        access_key: Some(access_key.into()),
        secret_key: Some("test-secret".into()),
        endpoint: Some(endpoint.into()),
        max_retries: Some(3),
        ..Default::default()
    }
}

/// Fast polling so tests against an instant emulator stay quick.
fn fast_polling() -> Backoff {
    Backoff::new(
        Duration::from_millis(20),
        2.0,
        Duration::from_millis(250),
        0.2,
    )
}

async fn client(world: &World, access_key: &str) -> ServiceCatalog {
    config_for(world.endpoint(), access_key)
        .load()
        .await
        .expect("client config loads")
        .with_backoff(fast_polling())
}

async fn start(record_latency: Duration) -> (World, ServiceCatalog) {
    let world = World::with_config(EmulatorConfig {
        record_latency,
        principals: Principals::default()
            .with_key(ALICE_KEY, Principal::new(ALICE, AccessLevel::User)),
        ..Default::default()
    })
    .await;
    let sc = client(&world, ADMIN_KEY).await;
    (world, sc)
}

/// An `AVAILABLE` product, created at once whatever the record latency.
async fn seed(world: &World, name: &str, owner: Option<&str>) -> String {
    world
        .seed_with(SeedProduct {
            name: name.into(),
            owner_arn: owner.map(str::to_owned),
            ..Default::default()
        })
        .await
}

fn wait(timeout: Duration) -> Deadline {
    Deadline::new(timeout, CancellationToken::new())
}

/// Makes `desired` live on product `id`, as the resource does, within `timeout`.
async fn apply_within(
    sc: &ServiceCatalog,
    id: &str,
    desired: &PropertyMap,
    token: &str,
    timeout: Duration,
    cancel: &CancellationToken,
) -> ChangeOutcome {
    let change = Change {
        id: id.to_owned(),
        desired: desired.clone(),
        idempotency_token: token.to_owned(),
        accept_language: None,
        timeout,
    };
    sc.change(&change, cancel).await
}

/// [`apply_within`] the hang guard; an error fails the test.
async fn apply(sc: &ServiceCatalog, id: &str, desired: &PropertyMap, token: &str) -> ChangeOutcome {
    let cancel = CancellationToken::new();
    let outcome = apply_within(sc, id, desired, token, HANG_GUARD, &cancel).await;
    if let Some(e) = &outcome.error {
        panic!("the change of {id} failed: {e}");
    }
    outcome
}

/// One `UpdateProvisionedProductProperties` straight through the SDK, as any client makes it.
async fn update(sc: &ServiceCatalog, id: &str, changes: &PropertyMap, token: &str) -> RecordId {
    let mut call = sc
        .client()
        .update_provisioned_product_properties()
        .provisioned_product_id(id)
        .idempotency_token(token);
    for (key, value) in changes {
        let key = aws_sdk_servicecatalog::types::PropertyKey::from(key.as_str());
        call = call.provisioned_product_properties(key, value);
    }
    let out = call.send().await.expect("the update is accepted");
    RecordId::new(out.record_id().expect("a record id"))
}

fn props(entries: &[(PropertyKey, &str)]) -> PropertyMap {
    entries.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// The property maps of every property-update record of a product, oldest first, as sent.
fn sent_properties(emulator: &RunningEmulator, id: &str) -> Vec<BTreeMap<String, String>> {
    emulator
        .records_for(id)
        .into_iter()
        .filter_map(|r| match r.change {
            RecordChange::Properties { properties, .. } => Some(properties),
            _ => None,
        })
        .collect()
}

fn sent(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Someone else's change, straight through the SDK, that keeps the product busy for the record latency.
async fn foreign_change(sc: &ServiceCatalog, id: &str) -> RecordId {
    let out = sc
        .client()
        .update_provisioned_product_properties()
        .provisioned_product_id(id)
        .provisioned_product_properties(
            aws_sdk_servicecatalog::types::PropertyKey::LaunchRole,
            LAUNCH_1,
        )
        .idempotency_token("someone-else")
        .send()
        .await
        .expect("other change accepted");
    RecordId::new(out.record_id().expect("record id"))
}

#[tokio::test]
async fn updates_owner_and_launch_role_and_reads_them_back() {
    let (world, sc) = start(Duration::from_millis(300)).await;
    let emulator = world.emu();
    let id = seed(&world, "both-props", None).await;
    let desired = props(&[
        (PropertyKey::Owner, OWNER_A),
        (PropertyKey::LaunchRole, LAUNCH_1),
    ]);

    let applied = apply(&sc, &id, &desired, "token-both-1").await;
    let record = applied.record.clone().expect("a record was made");
    assert_eq!(record.status, Some(RecordStatus::Succeeded));
    assert_eq!(
        applied.before,
        Some(props(&[(
            PropertyKey::Owner,
            "arn:aws:iam::123456789012:user/admin"
        )])),
        "no launch role before"
    );
    assert_eq!(applied.live, desired);

    let live = sc.read_properties(&id).await.expect("read");
    assert_eq!(live.properties(), desired);
    assert!(!live.is_busy());
    assert_eq!(live.last_record_id.as_deref(), Some(record.id.as_str()));
    assert_eq!(
        sent_properties(emulator, &id),
        vec![sent(&[("OWNER", OWNER_A), ("LAUNCH_ROLE", LAUNCH_1)])]
    );
    world.finish().await;
}

#[tokio::test]
async fn only_differing_keys_are_sent_and_no_change_means_no_call() {
    let (world, sc) = start(Duration::ZERO).await;
    let emulator = world.emu();
    let id = seed(&world, "diff-keys", Some(OWNER_A)).await;

    // OWNER is already OWNER_A: only LAUNCH_ROLE goes out.
    let first = props(&[
        (PropertyKey::Owner, OWNER_A),
        (PropertyKey::LaunchRole, LAUNCH_1),
    ]);
    apply(&sc, &id, &first, "token-diff-1").await;

    let second = props(&[
        (PropertyKey::Owner, OWNER_B),
        (PropertyKey::LaunchRole, LAUNCH_1),
    ]);
    let applied = apply(&sc, &id, &second, "token-diff-2").await;
    assert_eq!(applied.live, second);

    let applied = apply(&sc, &id, &second, "token-diff-3").await;
    assert!(applied.already_set(), "{applied:?}");
    assert!(applied.record.is_none());

    // Managing only LAUNCH_ROLE never touches OWNER.
    let role_only = props(&[(PropertyKey::LaunchRole, LAUNCH_2)]);
    let applied = apply(&sc, &id, &role_only, "token-diff-4").await;
    assert_eq!(applied.live, role_only);
    assert_eq!(world.owner(&id).await, OWNER_B, "OWNER is left as it was");

    assert_eq!(
        sent_properties(emulator, &id),
        vec![
            sent(&[("LAUNCH_ROLE", LAUNCH_1)]),
            sent(&[("OWNER", OWNER_B)]),
            sent(&[("LAUNCH_ROLE", LAUNCH_2)]),
        ]
    );
    world.finish().await;
}

#[tokio::test]
async fn busy_product_is_waited_for_then_updated() {
    let (world, sc) = start(Duration::from_millis(800)).await;
    let id = seed(&world, "busy", None).await;
    let other = foreign_change(&sc, &id).await;
    assert!(sc.read_properties(&id).await.unwrap().is_busy());

    let changes = props(&[(PropertyKey::Owner, OWNER_A)]);
    let applied = apply(&sc, &id, &changes, "token-busy").await;
    let record = applied.record.expect("a record after waiting");
    assert_ne!(record.id, other);
    assert!(record.succeeded(), "{record:?}");
    let live = sc.read_properties(&id).await.unwrap();
    assert_eq!(live.owner.as_deref(), Some(OWNER_A));
    assert_eq!(
        live.launch_role.as_deref(),
        Some(LAUNCH_1),
        "the other change landed first"
    );
    world.finish().await;
}

#[tokio::test]
async fn busy_product_past_the_deadline_is_a_busy_error() {
    let (world, sc) = start(Duration::from_secs(60)).await;
    let emulator = world.emu();
    let id = seed(&world, "busy-timeout", None).await;
    foreign_change(&sc, &id).await;
    let outcome = apply_within(
        &sc,
        &id,
        &props(&[(PropertyKey::Owner, OWNER_A)]),
        "token-busy-timeout",
        Duration::from_millis(400),
        &CancellationToken::new(),
    )
    .await;
    let err = outcome.error.expect("still busy");
    assert!(matches!(err, ApiError::Busy { .. }), "{err:?}");
    assert!(outcome.record.is_none(), "nothing was sent");
    assert!(err.to_string().contains(&id), "{err}");
    assert_eq!(
        sent_properties(emulator, &id).len(),
        1,
        "only the other change"
    );
    world.finish().await;
}

#[tokio::test]
async fn failed_record_quotes_record_errors_and_keeps_live_values() {
    let (world, sc) = start(Duration::from_millis(300)).await;
    let emulator = world.emu();
    let id = seed(&world, "fails", Some(OWNER_A)).await;
    emulator
        .update_faults(|f| {
            f.fail_provisioned_products.insert(id.clone());
        })
        .unwrap();
    let desired = props(&[(PropertyKey::Owner, OWNER_B)]);
    let cancel = CancellationToken::new();
    let failed = apply_within(&sc, &id, &desired, "token-fail-1", HANG_GUARD, &cancel).await;
    assert!(failed.record_failed(), "{failed:?}");
    let record = failed.record.clone().expect("the record is named");
    assert_eq!(record.status, Some(RecordStatus::Failed));
    assert_eq!(
        failed.live,
        props(&[(PropertyKey::Owner, OWNER_A)]),
        "nothing changed"
    );
    let Some(error @ ApiError::RecordFailed { errors, .. }) = &failed.error else {
        panic!("expected RecordFailed, got {:?}", failed.error);
    };
    assert!(!errors.is_empty());
    let msg = error.to_string();
    assert!(msg.contains(record.id.as_str()), "{msg}");
    for e in errors {
        assert!(
            msg.contains(&e.code) && msg.contains(&e.description),
            "{msg}"
        );
    }
    assert!(msg.contains("EmulatorInjectedFailure"), "{msg}");

    // Once the cause is gone, a later apply converges.
    emulator.set_faults(Faults::default()).unwrap();
    let applied = apply(&sc, &id, &desired, "token-fail-2").await;
    assert!(applied.record.unwrap().succeeded());
    assert_eq!(applied.live, desired);
    world.finish().await;
}

#[tokio::test]
async fn record_wait_times_out_naming_the_record() {
    let (world, sc) = start(Duration::from_secs(60)).await;
    let id = seed(&world, "timeout", None).await;
    let record = update(
        &sc,
        &id,
        &props(&[(PropertyKey::Owner, OWNER_A)]),
        "token-timeout",
    )
    .await;
    let err = sc
        .wait_for_record(&record, &wait(Duration::from_millis(500)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ApiError::Timeout { record_id, .. } if record_id == record.as_str()),
        "{err:?}"
    );
    assert!(err.to_string().contains(record.as_str()), "{err}");
    world.finish().await;
}

#[tokio::test]
async fn cancellation_stops_a_long_record_wait() {
    let (world, sc) = start(Duration::from_secs(300)).await;
    let emulator = world.emu();
    let id = seed(&world, "cancel", None).await;
    let record = update(
        &sc,
        &id,
        &props(&[(PropertyKey::Owner, OWNER_A)]),
        "token-cancel",
    )
    .await;
    let cancel = CancellationToken::new();
    let long_wait = Deadline::new(Duration::from_secs(3600), cancel.clone());
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let result = tokio::time::timeout(HANG_GUARD, sc.wait_for_record(&record, &long_wait))
        .await
        .expect("cancellation ends the wait");
    let err = result.unwrap_err();
    assert!(
        matches!(&err, ApiError::Cancelled { record_id: Some(r), .. } if r == record.as_str()),
        "{err:?}"
    );

    // An already-cancelled token stops a busy wait too, before any change is sent.
    let outcome = apply_within(
        &sc,
        &id,
        &props(&[(PropertyKey::Owner, OWNER_B)]),
        "token-cancel-2",
        Duration::from_secs(3600),
        &cancel,
    )
    .await;
    let err = outcome.error.expect("cancelled");
    assert!(err.is_cancelled(), "{err:?}");
    assert!(outcome.record.is_none());
    assert_eq!(sent_properties(emulator, &id).len(), 1);
    world.finish().await;
}

#[tokio::test]
async fn same_idempotency_token_makes_one_record() {
    let (world, sc) = start(Duration::ZERO).await;
    let emulator = world.emu();
    let id = seed(&world, "idempotent", None).await;
    let changes = props(&[(PropertyKey::Owner, OWNER_A)]);
    let first = update(&sc, &id, &changes, "token-same").await;
    sc.wait_for_record(&first, &wait(HANG_GUARD)).await.unwrap();
    let again = update(&sc, &id, &changes, "token-same").await;
    assert_eq!(again, first);
    assert_eq!(sent_properties(emulator, &id).len(), 1);
    world.finish().await;
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_by_the_sdk_once_per_change() {
    let (world, sc) = start(Duration::ZERO).await;
    let emulator = world.emu();
    let id = seed(&world, "retries", None).await;
    let cases: [(&str, Faults); 3] = [
        (
            "throttled",
            Faults {
                throttle_next: 2,
                ..Default::default()
            },
        ),
        (
            "503 before the change",
            Faults {
                server_error_next: 2,
                server_error_status: Some(503),
                ..Default::default()
            },
        ),
        // The change is made but the answer lost: the retry carries the same token.
        (
            "500 after the change",
            Faults {
                server_error_after_commit_next: 1,
                ..Default::default()
            },
        ),
    ];
    let owners = [OWNER_A, OWNER_B, ALICE];
    for (i, ((label, mut faults), owner)) in cases.into_iter().zip(owners).enumerate() {
        faults
            .operations
            .insert("UpdateProvisionedProductProperties".into());
        emulator.set_faults(faults).unwrap();
        let desired = props(&[(PropertyKey::Owner, owner)]);
        let applied = apply(&sc, &id, &desired, &format!("token-retry-{i}")).await;
        assert!(applied.record.unwrap().succeeded(), "{label}");
        assert_eq!(applied.live, desired, "{label}");
        assert_eq!(
            sent_properties(emulator, &id).len(),
            i + 1,
            "{label}: one record per change"
        );
    }
    world.finish().await;
}

#[tokio::test]
async fn throttled_polls_do_not_end_a_record_wait() {
    let (world, admin) = start(Duration::ZERO).await;
    let emulator = world.emu();
    // No SDK retries: every injected throttle costs one poll.
    let mut config = config_for(world.endpoint(), ADMIN_KEY);
    config.max_retries = Some(0);
    let sc = config.load().await.unwrap().with_backoff(fast_polling());
    let id = seed(&world, "throttled-polls", None).await;
    let record = update(
        &admin,
        &id,
        &props(&[(PropertyKey::Owner, OWNER_A)]),
        "token-tp",
    )
    .await;
    let mut faults = Faults {
        throttle_next: 3,
        ..Default::default()
    };
    faults.operations.insert("DescribeRecord".into());
    emulator.set_faults(faults).unwrap();
    let outcome = sc
        .wait_for_record(&record, &wait(HANG_GUARD))
        .await
        .unwrap();
    assert!(outcome.succeeded());
    assert_eq!(
        emulator.faults().throttle_next,
        0,
        "all three throttled polls were absorbed"
    );
    world.finish().await;
}

#[tokio::test]
async fn lagging_search_is_tolerated_after_an_owner_change() {
    let (world, sc) = start(Duration::ZERO).await;
    let emulator = world.emu();
    let id = seed(&world, "lag", None).await;
    emulator
        .set_faults(Faults {
            search_lag_calls: 3,
            ..Default::default()
        })
        .unwrap();
    let desired = props(&[(PropertyKey::Owner, OWNER_A)]);
    let applied = apply(&sc, &id, &desired, "token-lag").await;
    assert_eq!(applied.live, desired);

    emulator
        .set_faults(Faults {
            search_lag_calls: 50,
            ..Default::default()
        })
        .unwrap();
    let managed = props(&[(PropertyKey::Owner, OWNER_B)]);
    let record = update(&sc, &id, &managed, "token-lag-2").await;
    let outcome = sc
        .wait_for_record(&record, &wait(HANG_GUARD))
        .await
        .unwrap();
    let lag_left = || {
        emulator.snapshot().products[&id]
            .stale_owner
            .as_ref()
            .map_or(0, |s| s.calls_left)
    };
    let cancel = CancellationToken::new();
    // Not known to be our change: what is live is reported after one read, as drift.
    let before = lag_left();
    let live = sc.refresh(&id, &managed, None, &cancel).await.unwrap();
    assert_eq!(live.owner.as_deref(), Some(OWNER_A));
    assert_eq!(lag_left(), before - 1, "one search");
    // Our change is the last record: the search is re-read until the bound, which reports what
    // is live even if it is still the old owner.
    let short = sc
        .clone()
        .with_owner_consistency(Duration::from_millis(300));
    let ours = RecordOutcome::to_ref(&outcome);
    let live = short
        .refresh(&id, &managed, Some(&ours), &cancel)
        .await
        .unwrap();
    assert_eq!(
        live.owner.as_deref(),
        Some(OWNER_A),
        "the search still lags"
    );
    assert!(lag_left() < before - 2, "re-read while waiting");
    world.finish().await;
}
