//! The hand-over engine against the emulator: a fleet selected by id or by filter gets the
//! values, products already at them are skipped without a record, failed records are reported
//! product by product, a stop sends nothing more and reports what was not done, and a second
//! hand-over finishes the rest without a second record for any product.

use std::time::Duration;

use servicecatalog_provider::emulator::{Faults, SeedProduct};
use servicecatalog_provider::servicecatalog::{
    ApiError, HandOver, HandOverReport, Progress, PropertyKey, SearchField, SearchFilter,
    SearchTerm, Selection, ServiceCatalog,
};
use tokio_util::sync::CancellationToken;

use super::{props, start, HANG_GUARD, OWNER_A, OWNER_B};

fn hand_over(products: Selection, owner: &str) -> HandOver {
    HandOver {
        products,
        desired: props(&[(PropertyKey::Owner, owner)]),
        accept_language: None,
        timeout: HANG_GUARD,
        grace: Duration::from_secs(30),
    }
}

async fn run(
    sc: &ServiceCatalog,
    h: &HandOver,
    stop: &CancellationToken,
) -> (HandOverReport, Vec<Progress>) {
    let mut seen = Vec::new();
    let report = sc
        .hand_over(h, stop, |p| seen.push(p))
        .await
        .expect("the products are resolved");
    (report, seen)
}

fn ids_of<T>(entries: &[(String, T)]) -> Vec<String> {
    let mut ids: Vec<String> = entries.iter().map(|(id, _)| id.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_fleet_by_filter_gets_the_owner_and_those_already_set_are_skipped() {
    let (world, sc) = start(Duration::from_millis(200)).await;
    let mut team_a = Vec::new();
    for n in 0..30 {
        let owner = if n < 6 { OWNER_B } else { OWNER_A };
        let id = world
            .seed_with(SeedProduct {
                name: format!("team-a-{n}"),
                owner_arn: Some(owner.into()),
                tags: vec![("team".into(), "a".into())],
                ..Default::default()
            })
            .await;
        team_a.push((id, owner));
    }
    let other = world.seed("not-team-a").await;
    let filter = SearchFilter::account().and(SearchTerm::tag("team", "a").expect("a term"));
    let (report, progress) = run(
        &sc,
        &hand_over(Selection::Filter(filter), OWNER_B),
        &CancellationToken::new(),
    )
    .await;
    assert_eq!(report.found, 30);
    assert!(report.complete(), "{report:?}");
    assert_eq!(report.already_set.len(), 6, "already the new owner");
    assert_eq!(report.changed.len(), 24);
    assert_eq!(
        progress.first(),
        Some(&Progress::Resolved {
            found: 30,
            already_set: 6
        })
    );
    assert_eq!(
        progress.last(),
        Some(&Progress::Done {
            changed: 24,
            failed: 0,
            to_change: 24
        })
    );
    for (id, _) in &team_a {
        assert_eq!(world.owner(id).await, OWNER_B);
        let records = world.stored_change_records(id).len();
        let expected = usize::from(!report.already_set.contains(id));
        assert_eq!(
            records, expected,
            "{id}: one record if it changed, none if it was set"
        );
    }
    assert_eq!(
        world.stored_change_records(&other).len(),
        0,
        "outside the filter"
    );
    world.finish().await;
}

#[tokio::test]
async fn failed_records_and_unreadable_ids_are_reported_and_a_second_run_finishes_the_rest() {
    let (world, sc) = start(Duration::ZERO).await;
    let ids = world.seed_many("fleet", 12).await;
    let failing = vec![ids[3].clone(), ids[7].clone()];
    world.set_faults(Faults {
        fail_provisioned_products: failing.iter().cloned().collect(),
        ..Default::default()
    });
    let mut selected = ids.clone();
    selected.push(ids[0].clone());
    selected.push("pp-doesnotexist1".into());
    let h = hand_over(Selection::Ids(selected), OWNER_A);
    let (report, _) = run(&sc, &h, &CancellationToken::new()).await;
    assert_eq!(report.found, 13, "duplicates count once");
    assert_eq!(report.changed.len(), 10);
    let mut failed = failing.clone();
    failed.push("pp-doesnotexist1".into());
    failed.sort();
    assert_eq!(ids_of(&report.failed), failed);
    for (id, e) in &report.failed {
        match id.as_str() {
            "pp-doesnotexist1" => assert!(matches!(e, ApiError::NotFound { .. }), "{e:?}"),
            _ => assert!(matches!(e, ApiError::RecordFailed { .. }), "{id}: {e:?}"),
        }
    }
    // The cause is fixed: a second hand-over changes only the two that failed.
    world.set_faults(Faults::default());
    let h = hand_over(Selection::Ids(ids.clone()), OWNER_A);
    let (again, _) = run(&sc, &h, &CancellationToken::new()).await;
    assert!(again.complete(), "{again:?}");
    assert_eq!(ids_of(&again.changed), {
        let mut f = failing.clone();
        f.sort();
        f
    });
    assert_eq!(again.already_set.len(), 10);
    for id in &ids {
        let succeeded = world
            .stored_change_records(id)
            .into_iter()
            .filter(|r| r.status == servicecatalog_provider::emulator::RecordStatus::Succeeded)
            .count();
        assert_eq!(
            succeeded, 1,
            "{id}: one successful record for the hand-over"
        );
    }
    world.finish().await;
}

#[tokio::test]
async fn a_stop_sends_nothing_more_waits_for_what_was_sent_and_a_second_run_finishes() {
    let (world, sc) = start(Duration::from_millis(1_500)).await;
    let ids = world.seed_many("stopped", 40).await;
    // One change a second: the stop comes when a few have been sent.
    world.set_faults(Faults {
        rate_limits: std::collections::BTreeMap::from([(
            "UpdateProvisionedProductProperties".to_owned(),
            servicecatalog_provider::emulator::RateLimit {
                per_second: 4.0,
                burst: Some(4),
            },
        )]),
        ..Default::default()
    });
    let stop = CancellationToken::new();
    let h = hand_over(Selection::Ids(ids.clone()), OWNER_B);
    let stopper = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            stop.cancel();
        })
    };
    let (report, _) = run(&sc, &h, &stop).await;
    stopper.await.expect("the stopper ran");
    assert!(!report.complete());
    assert!(!report.not_started.is_empty(), "{report:?}");
    assert!(
        !report.changed.is_empty(),
        "what was sent was waited for: {report:?}"
    );
    assert!(
        report.unfinished.is_empty(),
        "the grace covers 1.5 s records: {report:?}"
    );
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.changed.len() + report.not_started.len(), 40);
    for id in &report.not_started {
        assert!(
            world.stored_change_records(id).is_empty(),
            "{id} was not sent"
        );
    }
    // Invoked again, it finishes the rest and changes nothing twice.
    world.set_faults(Faults::default());
    let (again, _) = run(&sc, &h, &CancellationToken::new()).await;
    assert!(again.complete(), "{again:?}");
    assert_eq!(ids_of(&again.changed), {
        let mut n = report.not_started.clone();
        n.sort();
        n
    });
    for id in &ids {
        assert_eq!(world.stored_change_records(id).len(), 1, "{id}: one record");
        assert_eq!(world.owner(id).await, OWNER_B);
    }
    world.finish().await;
}

#[tokio::test]
async fn a_listing_the_filter_cannot_make_is_an_error_and_nothing_is_sent() {
    let (world, _) = start(Duration::ZERO).await;
    let alice = super::client(&world, super::ALICE_KEY).await;
    world.seed("someone").await;
    let filter = SearchFilter::account()
        .and(SearchTerm::field(SearchField::Name, "someone").expect("a term"));
    let err = alice
        .hand_over(
            &hand_over(Selection::Filter(filter), OWNER_A),
            &CancellationToken::new(),
            |_| {},
        )
        .await
        .expect_err("a user-level caller cannot list the account");
    assert!(err.is_refusal(), "{err:?}");
    world.finish().await;
}
