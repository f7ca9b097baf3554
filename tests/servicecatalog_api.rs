//! The Service Catalog API layer against the in-process emulator: property updates and record
//! waits, only differing keys sent, busy products, failed records, timeouts, cancellation,
//! idempotency, SDK retries through throttling and 5xx, search lag, and not-found vs not-visible.
//! Clients are built through `ProviderConfig` (endpoint + static keys, or the environment).

use std::collections::BTreeMap;
use std::time::Duration;

use servicecatalog_provider::emulator::model::Change as RecordChange;
use servicecatalog_provider::emulator::{
    AccessLevel, Emulator, EmulatorConfig, Faults, Principal, Principals, RunningEmulator,
    SeedProduct,
};
use servicecatalog_provider::provider::config::ProviderConfig;
use servicecatalog_provider::servicecatalog::{
    ApiError, Backoff, Change, ChangeError, Changed, PropertyKey, PropertyMap, RecordId,
    RecordOutcome, RecordStatus, ServiceCatalog, Wait,
};
use tokio_util::sync::CancellationToken;

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

async fn client(emulator: &RunningEmulator, access_key: &str) -> ServiceCatalog {
    config_for(&emulator.endpoint_url(), access_key)
        .load()
        .await
        .expect("client config loads")
        .with_backoff(fast_polling())
}

async fn start(record_latency: Duration) -> (RunningEmulator, ServiceCatalog) {
    let emulator = Emulator::start(EmulatorConfig {
        record_latency,
        principals: Principals::default()
            .with_key(ALICE_KEY, Principal::new(ALICE, AccessLevel::User)),
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let sc = client(&emulator, ADMIN_KEY).await;
    (emulator, sc)
}

/// An `AVAILABLE` product, created at once whatever the record latency.
async fn seed(emulator: &RunningEmulator, name: &str, owner: Option<&str>) -> String {
    emulator
        .seed_provisioned_product(SeedProduct {
            name: name.into(),
            owner_arn: owner.map(str::to_owned),
            ..Default::default()
        })
        .await
        .expect("seed product")
        .id
}

fn wait(timeout: Duration) -> Wait {
    Wait::new(timeout, CancellationToken::new())
}

/// Makes `desired` live on product `id`, as the resource does.
async fn apply(
    sc: &ServiceCatalog,
    id: &str,
    desired: &PropertyMap,
    token: &str,
) -> Result<Changed, ChangeError> {
    let change = Change {
        id: id.to_owned(),
        desired: desired.clone(),
        idempotency_token: token.to_owned(),
        accept_language: None,
        timeout: HANG_GUARD,
    };
    sc.change(&change, &CancellationToken::new()).await
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
    let (emulator, sc) = start(Duration::from_millis(300)).await;
    let id = seed(&emulator, "both-props", None).await;
    let desired = props(&[
        (PropertyKey::Owner, OWNER_A),
        (PropertyKey::LaunchRole, LAUNCH_1),
    ]);

    let applied = apply(&sc, &id, &desired, "token-both-1")
        .await
        .expect("apply");
    let outcome = applied.record.expect("a record was made");
    assert_eq!(outcome.status, RecordStatus::Succeeded);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert_eq!(applied.sent, desired);
    assert_eq!(
        applied.before.owner.as_deref(),
        Some("arn:aws:iam::123456789012:user/admin")
    );
    assert_eq!(applied.after.owner.as_deref(), Some(OWNER_A));
    assert_eq!(applied.after.launch_role.as_deref(), Some(LAUNCH_1));

    let live = sc.read_properties(&id).await.expect("read");
    assert_eq!(live.properties(), desired);
    assert!(!live.is_busy());
    assert_eq!(
        live.last_record_id.as_deref(),
        Some(outcome.record_id.as_str())
    );
    assert_eq!(
        sent_properties(&emulator, &id),
        vec![sent(&[("OWNER", OWNER_A), ("LAUNCH_ROLE", LAUNCH_1)])]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn only_differing_keys_are_sent_and_no_change_means_no_call() {
    let (emulator, sc) = start(Duration::ZERO).await;
    let id = seed(&emulator, "diff-keys", Some(OWNER_A)).await;

    // OWNER is already OWNER_A: only LAUNCH_ROLE goes out.
    let first = props(&[
        (PropertyKey::Owner, OWNER_A),
        (PropertyKey::LaunchRole, LAUNCH_1),
    ]);
    let applied = apply(&sc, &id, &first, "token-diff-1")
        .await
        .expect("first apply");
    assert_eq!(applied.sent, props(&[(PropertyKey::LaunchRole, LAUNCH_1)]));

    let second = props(&[
        (PropertyKey::Owner, OWNER_B),
        (PropertyKey::LaunchRole, LAUNCH_1),
    ]);
    let applied = apply(&sc, &id, &second, "token-diff-2")
        .await
        .expect("second apply");
    assert_eq!(applied.sent, props(&[(PropertyKey::Owner, OWNER_B)]));
    assert_eq!(applied.after.properties(), second);

    let applied = apply(&sc, &id, &second, "token-diff-3")
        .await
        .expect("no-op apply");
    assert!(applied.sent.is_empty());
    assert!(applied.record.is_none());

    // Managing only LAUNCH_ROLE never touches OWNER.
    let role_only = props(&[(PropertyKey::LaunchRole, LAUNCH_2)]);
    let applied = apply(&sc, &id, &role_only, "token-diff-4")
        .await
        .expect("role-only apply");
    assert_eq!(applied.after.owner.as_deref(), Some(OWNER_B));

    assert_eq!(
        sent_properties(&emulator, &id),
        vec![
            sent(&[("LAUNCH_ROLE", LAUNCH_1)]),
            sent(&[("OWNER", OWNER_B)]),
            sent(&[("LAUNCH_ROLE", LAUNCH_2)]),
        ]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn busy_product_is_waited_for_then_updated() {
    let (emulator, sc) = start(Duration::from_millis(800)).await;
    let id = seed(&emulator, "busy", None).await;
    let other = foreign_change(&sc, &id).await;
    assert!(sc.read_properties(&id).await.unwrap().is_busy());

    let changes = props(&[(PropertyKey::Owner, OWNER_A)]);
    let record = sc
        .update_properties(&id, &changes, "token-busy", None, &wait(HANG_GUARD))
        .await
        .expect("update after waiting");
    assert_ne!(record, other);
    let outcome = sc
        .wait_for_record(&record, &wait(HANG_GUARD))
        .await
        .unwrap();
    assert_eq!(outcome.status, RecordStatus::Succeeded);
    let live = sc.read_properties(&id).await.unwrap();
    assert_eq!(live.owner.as_deref(), Some(OWNER_A));
    assert_eq!(
        live.launch_role.as_deref(),
        Some(LAUNCH_1),
        "the other change landed first"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn busy_product_past_the_deadline_is_a_busy_error() {
    let (emulator, sc) = start(Duration::from_secs(60)).await;
    let id = seed(&emulator, "busy-timeout", None).await;
    foreign_change(&sc, &id).await;
    let err = sc
        .update_properties(
            &id,
            &props(&[(PropertyKey::Owner, OWNER_A)]),
            "token-busy-timeout",
            None,
            &wait(Duration::from_millis(400)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Busy { .. }), "{err:?}");
    assert!(err.to_string().contains(&id), "{err}");
    assert_eq!(
        sent_properties(&emulator, &id).len(),
        1,
        "only the other change"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn failed_record_quotes_record_errors_and_keeps_live_values() {
    let (emulator, sc) = start(Duration::from_millis(300)).await;
    let id = seed(&emulator, "fails", Some(OWNER_A)).await;
    emulator
        .update_faults(|f| {
            f.fail_provisioned_products.insert(id.clone());
        })
        .unwrap();
    let desired = props(&[(PropertyKey::Owner, OWNER_B)]);
    let failed = apply(&sc, &id, &desired, "token-fail-1")
        .await
        .expect_err("a FAILED record is an error");
    assert!(failed.record_failed(), "{failed:?}");
    let record = failed.record.clone().expect("the record is named");
    assert_eq!(record.status, Some(RecordStatus::Failed));
    assert_eq!(
        failed.live.as_ref().and_then(|l| l.owner.as_deref()),
        Some(OWNER_A),
        "nothing changed"
    );
    let ApiError::RecordFailed { errors, .. } = &failed.error else {
        panic!("expected RecordFailed, got {:?}", failed.error);
    };
    assert!(!errors.is_empty());
    let msg = failed.to_string();
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
    let applied = apply(&sc, &id, &desired, "token-fail-2").await.unwrap();
    assert!(applied.record.unwrap().succeeded());
    assert_eq!(applied.after.owner.as_deref(), Some(OWNER_B));
    emulator.shutdown().await;
}

#[tokio::test]
async fn record_wait_times_out_naming_the_record() {
    let (emulator, sc) = start(Duration::from_secs(60)).await;
    let id = seed(&emulator, "timeout", None).await;
    let record = sc
        .update_properties(
            &id,
            &props(&[(PropertyKey::Owner, OWNER_A)]),
            "token-timeout",
            None,
            &wait(HANG_GUARD),
        )
        .await
        .expect("accepted");
    let err = sc
        .wait_for_record(&record, &wait(Duration::from_millis(500)))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert_eq!(err.record_id(), Some(record.as_str()));
    assert!(err.to_string().contains(record.as_str()), "{err}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn cancellation_stops_a_long_record_wait() {
    let (emulator, sc) = start(Duration::from_secs(300)).await;
    let id = seed(&emulator, "cancel", None).await;
    let record = sc
        .update_properties(
            &id,
            &props(&[(PropertyKey::Owner, OWNER_A)]),
            "token-cancel",
            None,
            &wait(HANG_GUARD),
        )
        .await
        .expect("accepted");
    let cancel = CancellationToken::new();
    let long_wait = Wait::new(Duration::from_secs(3600), cancel.clone());
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let result = tokio::time::timeout(HANG_GUARD, sc.wait_for_record(&record, &long_wait))
        .await
        .expect("cancellation ends the wait");
    let err = result.unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert_eq!(err.record_id(), Some(record.as_str()));

    // An already-cancelled token stops a busy wait too, before any change is sent.
    let err = sc
        .update_properties(
            &id,
            &props(&[(PropertyKey::Owner, OWNER_B)]),
            "token-cancel-2",
            None,
            &long_wait,
        )
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert_eq!(sent_properties(&emulator, &id).len(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn same_idempotency_token_makes_one_record() {
    let (emulator, sc) = start(Duration::ZERO).await;
    let id = seed(&emulator, "idempotent", None).await;
    let changes = props(&[(PropertyKey::Owner, OWNER_A)]);
    let first = sc
        .update_properties(&id, &changes, "token-same", None, &wait(HANG_GUARD))
        .await
        .unwrap();
    sc.wait_for_record(&first, &wait(HANG_GUARD)).await.unwrap();
    let again = sc
        .update_properties(&id, &changes, "token-same", None, &wait(HANG_GUARD))
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(sent_properties(&emulator, &id).len(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_by_the_sdk_once_per_change() {
    let (emulator, sc) = start(Duration::ZERO).await;
    let id = seed(&emulator, "retries", None).await;
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
        let applied = apply(&sc, &id, &desired, &format!("token-retry-{i}"))
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(applied.record.unwrap().succeeded(), "{label}");
        assert_eq!(applied.after.owner.as_deref(), Some(owner), "{label}");
        assert_eq!(
            sent_properties(&emulator, &id).len(),
            i + 1,
            "{label}: one record per change"
        );
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn throttling_beyond_the_retries_is_a_throttled_error() {
    let (emulator, sc) = start(Duration::ZERO).await;
    let id = seed(&emulator, "throttled", None).await;
    let mut faults = Faults {
        throttle_next: 100,
        ..Default::default()
    };
    faults
        .operations
        .insert("DescribeProvisionedProduct".into());
    emulator.set_faults(faults).unwrap();
    let err = sc.read_properties(&id).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Throttled {
                operation: "DescribeProvisionedProduct",
                ..
            }
        ),
        "{err:?}"
    );
    // max_retries = 3 → 4 attempts.
    assert_eq!(emulator.faults().throttle_next, 96);
    emulator.shutdown().await;
}

#[tokio::test]
async fn throttled_polls_do_not_end_a_record_wait() {
    let (emulator, admin) = start(Duration::ZERO).await;
    // No SDK retries: every injected throttle costs one poll.
    let mut config = config_for(&emulator.endpoint_url(), ADMIN_KEY);
    config.max_retries = Some(0);
    let sc = config.load().await.unwrap().with_backoff(fast_polling());
    let id = seed(&emulator, "throttled-polls", None).await;
    let record = admin
        .update_properties(
            &id,
            &props(&[(PropertyKey::Owner, OWNER_A)]),
            "token-tp",
            None,
            &wait(HANG_GUARD),
        )
        .await
        .unwrap();
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
    emulator.shutdown().await;
}

#[tokio::test]
async fn unreadable_record_is_reported_as_such() {
    let (emulator, sc) = start(Duration::ZERO).await;
    let err = sc
        .wait_for_record(&RecordId::new("rec-doesnotexist1"), &wait(HANG_GUARD))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ApiError::RecordNotVisible {
            record_id: "rec-doesnotexist1".into()
        }
    );
    assert!(
        err.to_string().contains("servicecatalog:accountLevel"),
        "{err}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn lagging_search_is_tolerated_after_an_owner_change() {
    let (emulator, sc) = start(Duration::ZERO).await;
    let id = seed(&emulator, "lag", None).await;
    emulator
        .set_faults(Faults {
            search_lag_calls: 3,
            ..Default::default()
        })
        .unwrap();
    let desired = props(&[(PropertyKey::Owner, OWNER_A)]);
    let applied = apply(&sc, &id, &desired, "token-lag").await.unwrap();
    assert_eq!(applied.after.owner.as_deref(), Some(OWNER_A));

    emulator
        .set_faults(Faults {
            search_lag_calls: 50,
            ..Default::default()
        })
        .unwrap();
    let managed = props(&[(PropertyKey::Owner, OWNER_B)]);
    let record = sc
        .update_properties(&id, &managed, "token-lag-2", None, &wait(HANG_GUARD))
        .await
        .unwrap();
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
    emulator.shutdown().await;
}

#[tokio::test]
async fn missing_product_is_not_found() {
    let (emulator, sc) = start(Duration::ZERO).await;
    let err = sc.read_properties("pp-doesnotexist1").await.unwrap_err();
    assert_eq!(
        err,
        ApiError::NotFound {
            id: "pp-doesnotexist1".into()
        }
    );
    let err = sc
        .update_properties(
            "pp-doesnotexist1",
            &props(&[(PropertyKey::Owner, OWNER_A)]),
            "token-missing",
            None,
            &wait(HANG_GUARD),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ApiError::NotFound {
            id: "pp-doesnotexist1".into()
        }
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn product_hidden_from_a_user_level_caller_is_not_visible_rather_than_deleted() {
    let (emulator, _admin) = start(Duration::ZERO).await;
    let alice = client(&emulator, ALICE_KEY).await;
    let theirs = seed(&emulator, "someone-elses", None).await;
    let hers = seed(&emulator, "alices", Some(ALICE)).await;

    // Not hers: Describe says not found, the account-wide search is refused.
    let err = alice.read_properties(&theirs).await.unwrap_err();
    assert!(matches!(err, ApiError::NotVisible { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("servicecatalog:accountLevel"), "{msg}");
    assert!(msg.contains(&theirs), "{msg}");

    // Hers: Describe works but OWNER needs the account-level search.
    let err = alice.read_properties(&hers).await.unwrap_err();
    assert!(matches!(err, ApiError::NotVisible { .. }), "{err:?}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn invalid_parameters_carry_the_service_message() {
    let (emulator, sc) = start(Duration::ZERO).await;
    let id = seed(&emulator, "invalid", None).await;
    // Another account's role passes local validation; the service rejects it.
    let err = sc
        .update_properties(
            &id,
            &props(&[(
                PropertyKey::Owner,
                "arn:aws:iam::999999999999:role/Elsewhere",
            )]),
            "token-invalid",
            None,
            &wait(HANG_GUARD),
        )
        .await
        .unwrap_err();
    match &err {
        ApiError::InvalidParameters { operation, message } => {
            assert_eq!(*operation, "UpdateProvisionedProductProperties");
            assert!(message.contains("999999999999"), "{message}");
        }
        other => panic!("expected InvalidParameters, got {other:?}"),
    }
    emulator.shutdown().await;
}

/// Configured only through the environment; run by
/// `endpoint_region_and_credentials_come_from_the_environment` in a child process.
#[tokio::test]
#[ignore = "run in a child process by endpoint_region_and_credentials_come_from_the_environment"]
async fn child_empty_provider_config_uses_the_environment() {
    let id = std::env::var("SC_API_TEST_PRODUCT_ID").expect("set by the parent test");
    let sc = ProviderConfig::default()
        .load()
        .await
        .expect("empty config loads");
    let live = sc
        .read_properties(&id)
        .await
        .expect("reads through the env endpoint");
    assert_eq!(live.id, id);
}

#[tokio::test]
async fn endpoint_region_and_credentials_come_from_the_environment() {
    let (emulator, _sc) = start(Duration::ZERO).await;
    let id = seed(&emulator, "from-env", None).await;
    let exe = std::env::current_exe().expect("test binary path");
    for endpoint_var in ["AWS_ENDPOINT_URL_SERVICE_CATALOG", "AWS_ENDPOINT_URL"] {
        let out = tokio::process::Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                "child_empty_provider_config_uses_the_environment",
            ])
            .env_clear()
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
            .env("AWS_SECRET_ACCESS_KEY", "secret-from-env")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env(endpoint_var, emulator.endpoint_url())
            .env("SC_API_TEST_PRODUCT_ID", &id)
            .output()
            .await
            .expect("child runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{endpoint_var}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    emulator.shutdown().await;
}
