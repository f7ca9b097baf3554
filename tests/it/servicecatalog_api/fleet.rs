//! Batched reads at the API layer: many concurrent refreshes (as Terraform sends them, ten at a
//! time) share account-level search pages; a few products in a large account are read one by
//! one; a product deleted between two pages is found deleted; concurrent record waits share
//! their polls and still report each failure with its errors.

use std::time::Duration;

use futures::stream::{self, StreamExt};
use servicecatalog_provider::emulator::Faults;
use servicecatalog_provider::servicecatalog::{
    ApiError, ProductState, PropertyKey, PropertyMap, RecordId, ServiceCatalog,
};
use tokio_util::sync::CancellationToken;

use super::{props, start, update, wait, HANG_GUARD, OWNER_A};
use crate::harness::world::calls;
use crate::harness::World;

/// Terraform's default parallelism.
const PARALLELISM: usize = 10;
/// Reads made one by one before the first search page (`PROBE_AT` - 1).
const READ_ALONE: u64 = 3;

/// Refreshes every product managing OWNER, ten at a time, in order; results in the same order.
async fn refresh_all(sc: &ServiceCatalog, ids: &[String]) -> Vec<Result<ProductState, ApiError>> {
    let managed: PropertyMap = props(&[(PropertyKey::Owner, OWNER_A)]);
    let cancel = CancellationToken::new();
    stream::iter(ids.to_vec())
        .map(|id| {
            let (sc, managed, cancel) = (sc.clone(), managed.clone(), cancel.clone());
            async move { sc.refresh(&id, &managed, None, &cancel).await }
        })
        .buffered(PARALLELISM)
        .collect()
        .await
}

#[tokio::test]
async fn a_fleet_shares_pages_and_a_few_products_in_a_large_account_are_read_alone() {
    let (world, sc) = start(Duration::ZERO).await;
    let ids = world.seed_many("account", 1000).await;

    // Five products, the newest of the account: the first page does not hold them, and paging
    // through ten would cost more than reading them.
    let few = &ids[995..];
    let before = world.metrics();
    let live = refresh_all(&sc, few).await;
    let after = world.metrics();
    assert!(live.iter().all(Result::is_ok), "{live:?}");
    let searches = calls(&before, &after, "SearchProvisionedProducts");
    assert!(
        searches <= 1 + few.len() as u64,
        "{searches} searches for 5 products"
    );
    assert_eq!(
        after.total_calls() - before.total_calls(),
        searches,
        "owner only: no describe"
    );

    // The whole account, on a client that has read nothing yet: ten pages, and the first few
    // products read alone.
    let fresh = super::client(&world, super::ADMIN_KEY).await;
    let before = world.metrics();
    let live = refresh_all(&fresh, &ids).await;
    let after = world.metrics();
    assert!(live.iter().all(Result::is_ok));
    for (state, id) in live.iter().zip(&ids) {
        let state = state.as_ref().unwrap();
        assert_eq!(&state.id, id);
        assert_eq!(
            state.owner.as_deref(),
            Some("arn:aws:iam::123456789012:user/admin")
        );
    }
    assert!(calls(&before, &after, "SearchProvisionedProducts") <= 10 + READ_ALONE);
    assert_eq!(calls(&before, &after, "DescribeProvisionedProduct"), 0);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_deleted_between_two_pages_is_found_deleted() {
    let (world, sc) = start(Duration::ZERO).await;
    let ids = world.seed_many("paged", 150).await;
    let gone = ids[120].clone();
    // Slow searches, so that the test can act between the first page and the second.
    let mut faults = Faults {
        latency: Duration::from_millis(1500),
        ..Default::default()
    };
    faults.operations.insert("SearchProvisionedProducts".into());
    world.set_faults(faults);

    let searches = |w: &World| w.metrics().get("SearchProvisionedProducts").calls;
    let reads = {
        let (sc, ids) = (sc.clone(), ids.clone());
        tokio::spawn(async move { refresh_all(&sc, &ids).await })
    };
    // Three products read alone, then the first page, then the second: delete while the
    // second page is on its way (it is answered after its latency).
    let guard = tokio::time::Instant::now() + HANG_GUARD;
    while searches(&world) < READ_ALONE + 2 {
        assert!(
            tokio::time::Instant::now() < guard,
            "the second page never came"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = world
        .sc
        .terminate_provisioned_product()
        .provisioned_product_id(&gone)
        .terminate_token("between-pages")
        .send()
        .await
        .expect("terminate");
    let record = out
        .record_detail()
        .and_then(|r| r.record_id())
        .expect("record");
    world.wait_record(record).await;

    let live = reads.await.expect("reads finish");
    for (id, result) in ids.iter().zip(&live) {
        if *id == gone {
            assert_eq!(result, &Err(ApiError::NotFound { id: gone.clone() }));
        } else {
            assert!(result.is_ok(), "{id}: {result:?}");
        }
    }
    let m = world.metrics();
    // Two pages, the reads before them, and the deleted product's own search.
    assert!(
        m.get("SearchProvisionedProducts").calls <= READ_ALONE + 2 + 1,
        "{m:?}"
    );
    assert_eq!(
        m.get("DescribeProvisionedProduct").calls,
        1,
        "deleted: described once"
    );
    world.finish().await;
}

#[tokio::test]
async fn concurrent_record_waits_share_their_polls() {
    let (world, sc) = start(Duration::from_secs(2)).await;
    let ids = world.seed_many("waits", 10).await;
    // Three of the ten records fail.
    let failing = [&ids[2], &ids[5], &ids[8]];
    world.set_faults(Faults {
        fail_provisioned_products: failing.iter().map(|id| (*id).clone()).collect(),
        ..Default::default()
    });
    let mut records: Vec<RecordId> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let record = update(
            &sc,
            id,
            &props(&[(PropertyKey::Owner, OWNER_A)]),
            &format!("token-wait-{i}"),
        )
        .await;
        records.push(record);
    }
    let before = world.metrics();
    let outcomes = futures::future::join_all(
        records
            .iter()
            .map(|r| async { sc.wait_for_record(r, &wait(HANG_GUARD)).await }),
    )
    .await;
    let after = world.metrics();
    for ((outcome, record), id) in outcomes.iter().zip(&records).zip(&ids) {
        let outcome = outcome.as_ref().expect("each wait ends");
        assert_eq!(&outcome.record_id, record);
        if failing.contains(&id) {
            assert!(!outcome.succeeded(), "{outcome:?}");
            assert!(
                outcome
                    .errors
                    .iter()
                    .any(|e| e.code == "EmulatorInjectedFailure"),
                "a failed record carries its errors: {outcome:?}"
            );
        } else {
            assert!(outcome.succeeded(), "{outcome:?}");
        }
    }
    // Alone, each wait would poll every 20-250 ms for 2 s (about ten polls each, a hundred in
    // all); shared, one history page answers all ten.
    let polls =
        calls(&before, &after, "ListRecordHistory") + calls(&before, &after, "DescribeRecord");
    assert!(
        polls <= 25,
        "{polls} polls for ten 2 s records waited on together"
    );
    assert!(calls(&before, &after, "ListRecordHistory") >= 1);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_of_a_fleet_keep_under_a_rate_limit_once_throttled() {
    let (world, sc) = start(Duration::ZERO).await;
    let ids = world.seed_many("paced", 80).await;
    world.set_faults(Faults {
        rate_limits: std::collections::BTreeMap::from([(
            "UpdateProvisionedProductProperties".to_owned(),
            servicecatalog_provider::emulator::RateLimit {
                per_second: 10.0,
                burst: Some(10),
            },
        )]),
        ..Default::default()
    });
    let before = world.metrics();
    let desired = props(&[(PropertyKey::Owner, OWNER_A)]);
    let outcomes = futures::future::join_all(ids.iter().enumerate().map(|(i, id)| {
        let desired = &desired;
        let sc = &sc;
        async move { super::apply(sc, id, desired, &format!("token-paced-{i}")).await }
    }))
    .await;
    let after = world.metrics();
    assert!(outcomes
        .iter()
        .all(|o| o.record.as_ref().is_some_and(|r| r.succeeded())));
    let update = "UpdateProvisionedProductProperties";
    let throttled = after.get(update).throttled - before.get(update).throttled;
    let sent = calls(&before, &after, update);
    assert_eq!(sent - throttled, 80, "one accepted call per change");
    assert!(
        throttled <= 40,
        "once throttled, sends keep to the limit: {throttled} throttled calls for 80 changes"
    );
    world.finish().await;
}
