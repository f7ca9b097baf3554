//! How the API layer reports what went wrong: throttling past the retries, records it cannot read,
//! missing products, products hidden from the caller (not taken for deleted), and the service's
//! own validation messages.

use std::time::Duration;

use servicecatalog_provider::emulator::Faults;
use servicecatalog_provider::servicecatalog::{ApiError, Call, PropertyKey, RecordId};
use tokio_util::sync::CancellationToken;

use servicecatalog_provider::provider::config::ProviderConfig;

use super::{
    apply_within, client, config_for, props, seed, start, wait, ADMIN_KEY, ALICE, ALICE_KEY,
    HANG_GUARD, OWNER_A,
};

#[tokio::test]
async fn throttling_beyond_the_retries_is_a_throttled_error() {
    let (world, sc) = start(Duration::ZERO).await;
    let emulator = world.emu();
    let id = seed(&world, "throttled", None).await;
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
                call: Call {
                    operation: "DescribeProvisionedProduct",
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    // max_retries = 3 set → 4 attempts, no more, and the message says so.
    assert_eq!(emulator.faults().throttle_next, 96);
    let msg = err.to_string();
    for part in [
        &format!("AWS throttled DescribeProvisionedProduct for provisioned product {id:?}"),
        "still throttled when the retries ran out (max_retries = 3 allows up to 4 attempts)",
        "raise max_retries",
    ] {
        assert!(msg.contains(part), "{part:?} missing from: {msg}");
    }
    world.finish().await;
}

#[tokio::test]
async fn throttling_slows_a_call_down_until_its_deadline_then_says_so() {
    let (world, _) = start(Duration::ZERO).await;
    // max_retries unset: the SDK's default 3 attempts a send, and throttled sends go out again.
    let sc = ProviderConfig {
        max_retries: None,
        ..config_for(world.endpoint(), ADMIN_KEY)
    }
    .load()
    .await
    .expect("client config loads");
    let emulator = world.emu();
    let id = seed(&world, "throttled", None).await;
    // Throttled past the SDK's own retries: the read is sent again after a pause, and succeeds
    // once the throttling ends.
    let mut faults = Faults {
        throttle_next: 6,
        ..Default::default()
    };
    faults
        .operations
        .insert("DescribeProvisionedProduct".into());
    emulator.set_faults(faults).unwrap();
    let live = sc
        .read_properties(&id)
        .await
        .expect("throttling only slows the read");
    assert_eq!(live.id, id);
    assert_eq!(emulator.faults().throttle_next, 0);

    // Throttled until the deadline: an error that names the operation and says it was still
    // throttled after several attempts, and no change made.
    let mut faults = Faults {
        throttle_next: 10_000,
        ..Default::default()
    };
    faults
        .operations
        .insert("UpdateProvisionedProductProperties".into());
    emulator.set_faults(faults).unwrap();
    let outcome = apply_within(
        &sc,
        &id,
        &props(&[(PropertyKey::Owner, OWNER_A)]),
        "token-throttled",
        Duration::from_secs(8),
        &CancellationToken::new(),
    )
    .await;
    assert!(outcome.record.is_none(), "no change was made");
    let err = outcome.error.expect("throttled until the deadline");
    assert!(
        matches!(
            err,
            ApiError::Throttled {
                call: Call {
                    operation: "UpdateProvisionedProductProperties",
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    // How many sends fit in the deadline depends on the SDK's jittered back-off (the read above
    // already needed a second send); the message counts them.
    let ApiError::Throttled { sends, .. } = &err else {
        unreachable!("matched above")
    };
    let throttled = 10_000 - emulator.faults().throttle_next;
    assert!(
        throttled >= 3,
        "the SDK's 3 attempts were made: {throttled}"
    );
    let text = err.to_string();
    let expected = match sends {
        1 => "still throttled when the retries ran out (max_retries = 2 allows up to 3 attempts)"
            .to_owned(),
        n => format!(
            "still throttled when the retries ran out (sent {n} times until the operation's \
             timeout, and each time max_retries = 2 allows up to 3 attempts)"
        ),
    };
    assert!(
        text.contains("AWS throttled UpdateProvisionedProductProperties")
            && text.contains(&expected),
        "{expected:?} missing from: {text}"
    );
    assert!(world.stored_change_records(&id).is_empty());
    world.finish().await;
}

#[tokio::test]
async fn an_endpoint_that_refuses_is_named_in_the_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let config = ProviderConfig {
        max_retries: Some(0),
        ..config_for(&endpoint, ALICE_KEY)
    };
    let sc = config
        .load()
        .await
        .expect("static keys resolve without a call");
    let err = sc
        .wait_for_record(&RecordId::new("rec-abc"), &wait(HANG_GUARD))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    for part in [
        "DescribeRecord for record rec-abc could not reach the Service Catalog endpoint",
        endpoint.as_str(),
        "the connection was refused",
        "Check that the endpoint is right",
    ] {
        assert!(msg.contains(part), "{part:?} missing from: {msg}");
    }
}

#[tokio::test]
async fn unreadable_record_is_reported_as_such() {
    let (world, sc) = start(Duration::ZERO).await;
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
    world.finish().await;
}

#[tokio::test]
async fn missing_product_is_not_found() {
    let (world, sc) = start(Duration::ZERO).await;
    let err = sc.read_properties("pp-doesnotexist1").await.unwrap_err();
    assert_eq!(
        err,
        ApiError::NotFound {
            id: "pp-doesnotexist1".into()
        }
    );
    let outcome = apply_within(
        &sc,
        "pp-doesnotexist1",
        &props(&[(PropertyKey::Owner, OWNER_A)]),
        "token-missing",
        HANG_GUARD,
        &CancellationToken::new(),
    )
    .await;
    assert_eq!(outcome.before, None, "nothing to read, nothing sent");
    assert_eq!(
        outcome.error,
        Some(ApiError::NotFound {
            id: "pp-doesnotexist1".into()
        })
    );
    world.finish().await;
}

#[tokio::test]
async fn product_hidden_from_a_user_level_caller_is_not_visible_rather_than_deleted() {
    let (world, _admin) = start(Duration::ZERO).await;
    let alice = client(&world, ALICE_KEY).await;
    let theirs = seed(&world, "someone-elses", None).await;
    let hers = seed(&world, "alices", Some(ALICE)).await;

    // Not hers: Describe says not found, the account-wide search is refused.
    let err = alice.read_properties(&theirs).await.unwrap_err();
    assert!(matches!(err, ApiError::NotVisible { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("servicecatalog:accountLevel"), "{msg}");
    assert!(msg.contains(&theirs), "{msg}");

    // Hers: Describe works but OWNER needs the account-level search.
    let err = alice.read_properties(&hers).await.unwrap_err();
    assert!(matches!(err, ApiError::NotVisible { .. }), "{err:?}");
    world.finish().await;
}

#[tokio::test]
async fn invalid_parameters_carry_the_service_message() {
    let (world, sc) = start(Duration::ZERO).await;
    let id = seed(&world, "invalid", None).await;
    // Another account's role passes local validation; the service rejects it.
    let outcome = apply_within(
        &sc,
        &id,
        &props(&[(
            PropertyKey::Owner,
            "arn:aws:iam::999999999999:role/Elsewhere",
        )]),
        "token-invalid",
        HANG_GUARD,
        &CancellationToken::new(),
    )
    .await;
    match &outcome.error {
        Some(ApiError::InvalidParameters { call, message }) => {
            assert_eq!(call.operation, "UpdateProvisionedProductProperties");
            assert_eq!(call.about, format!("provisioned product {id:?}"));
            assert!(message.contains("999999999999"), "{message}");
        }
        other => panic!("expected InvalidParameters, got {other:?}"),
    }
    world.finish().await;
}
