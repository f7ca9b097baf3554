//! The search primitive (`ServiceCatalog::search`/`scan`) against the emulator: every product of
//! a fleet larger than a page exactly once, `TotalResultsCount`, field, tag and owner filters
//! mapped to `SearchQuery` and checked exactly, a limit, cancellation, access levels, and the
//! scan that carries launch roles.

use std::collections::BTreeSet;
use std::time::Duration;

use servicecatalog_provider::emulator::SeedProduct;
use servicecatalog_provider::servicecatalog::{
    AccessLevel, ApiError, ProvisionedProductStatus, SearchField, SearchFilter, SearchOptions,
    SearchTerm, SCAN_PAGE_MAX,
};
use tokio_util::sync::CancellationToken;

use super::{client, start, ALICE, ALICE_KEY, LAUNCH_1, OWNER_A};

fn term(field: SearchField, value: &str) -> SearchTerm {
    SearchTerm::field(field, value).expect("a valid term")
}

#[tokio::test]
async fn search_lists_every_product_once_with_filters_limit_and_total() {
    let (world, sc) = start(Duration::ZERO).await;
    let mut all = BTreeSet::new();
    for n in 0..130 {
        let id = world
            .seed_with(SeedProduct {
                name: format!("fleet-{n:03}"),
                owner_arn: (n % 3 == 0).then(|| OWNER_A.to_owned()),
                product_id: (n % 2 == 0).then(|| "prod-evenevenev".to_owned()),
                launch_role_arn: Some(LAUNCH_1.to_owned()),
                ..Default::default()
            })
            .await;
        all.insert(id);
    }
    let cancel = CancellationToken::new();
    let every = SearchFilter::account();
    let options = SearchOptions::default();
    let mut pages = sc.search(&every, &options, &cancel);
    let first = pages.next_page().await.unwrap().expect("a first page");
    assert_eq!(first.len(), 100);
    assert_eq!(pages.total_results_count(), Some(130));
    let second = pages.next_page().await.unwrap().expect("a second page");
    assert_eq!(second.len(), 30);
    assert!(pages.next_page().await.unwrap().is_none(), "two pages");
    let listed: Vec<_> = first.iter().chain(&second).collect();
    let ids: BTreeSet<String> = listed.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids, all, "every product exactly once");
    let names: Vec<&str> = listed.iter().filter_map(|p| p.name.as_deref()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "creation order");
    let p = &first[0];
    assert_eq!(p.status, Some(ProvisionedProductStatus::Available));
    assert_eq!(p.user_arn.as_deref(), Some(OWNER_A));
    assert!(
        p.created_time.as_deref().is_some_and(|t| t.ends_with('Z')),
        "{p:?}"
    );
    assert!(p.arn.is_some() && p.last_record_id.is_some() && p.product_type.is_some());

    // Filters: owner and product id together; status; a name; nothing.
    let owned_even = SearchFilter::account()
        .and(term(SearchField::UserArn, OWNER_A))
        .and(term(SearchField::ProductId, "prod-evenevenev"));
    let found = sc
        .search(&owned_even, &options, &cancel)
        .collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 22, "n divisible by 6 below 130");
    assert!(found.iter().all(|p| p.user_arn.as_deref() == Some(OWNER_A)
        && p.product_id.as_deref() == Some("prod-evenevenev")));
    let by_name = SearchFilter::account().and(term(SearchField::Name, "fleet-042"));
    let found = sc
        .search(&by_name, &options, &cancel)
        .collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name.as_deref(), Some("fleet-042"));
    // The emulator matches names regardless of case; the primitive keeps exact matches only.
    let wrong_case = SearchFilter::account().and(term(SearchField::Name, "FLEET-042"));
    let found = sc
        .search(&wrong_case, &options, &cancel)
        .collect()
        .await
        .unwrap();
    assert!(found.is_empty(), "{found:?}");
    let available = SearchFilter::account().and(term(SearchField::Status, "AVAILABLE"));
    let mut pages = sc.search(&available, &options, &cancel);
    pages.next_page().await.unwrap();
    assert_eq!(pages.total_results_count(), Some(130));

    // A limit stops paging early, across pages when the page is small.
    let small = SearchOptions {
        page_size: 7,
        limit: Some(10),
    };
    let searches = || world.emu().metrics().get("SearchProvisionedProducts").calls;
    let before = searches();
    let limited = sc.search(&every, &small, &cancel).collect().await.unwrap();
    assert_eq!(limited.len(), 10);
    assert_eq!(searches() - before, 2, "two pages of 7 for a limit of 10");

    // Scan: every product with its launch role, 20 a page.
    let scanned = sc
        .scan(AccessLevel::Account, SCAN_PAGE_MAX, &cancel)
        .collect()
        .await
        .unwrap();
    let ids: BTreeSet<String> = scanned.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids, all);
    assert!(scanned
        .iter()
        .all(|p| p.launch_role_arn.as_deref() == Some(LAUNCH_1)));
    assert_eq!(
        world.emu().metrics().get("ScanProvisionedProducts").calls,
        7
    );
    world.finish().await;
}

#[tokio::test]
async fn tags_access_levels_and_cancellation() {
    let (world, admin) = start(Duration::ZERO).await;
    let alice = client(&world, ALICE_KEY).await;
    let mine = world
        .seed_with(SeedProduct {
            name: "alices".into(),
            owner_arn: Some(ALICE.into()),
            ..Default::default()
        })
        .await;
    world.seed("admins").await;
    // A tagged product, provisioned through the API.
    let out = world
        .sc
        .provision_product()
        .product_id("prod-abcdefgh12345")
        .provisioning_artifact_id("pa-abcdefgh12345")
        .provisioned_product_name("tagged")
        .tags(
            aws_sdk_servicecatalog::types::Tag::builder()
                .key("team")
                .value("platform eng")
                .build()
                .unwrap(),
        )
        .provision_token("tagged")
        .send()
        .await
        .unwrap();
    let record = out.record_detail().and_then(|r| r.record_id()).unwrap();
    world.wait_record(record).await;
    let cancel = CancellationToken::new();
    let options = SearchOptions::default();

    let tagged = SearchFilter::account().and(SearchTerm::tag("team", "platform eng").unwrap());
    let found = admin
        .search(&tagged, &options, &cancel)
        .collect()
        .await
        .unwrap();
    let names: Vec<_> = found.iter().filter_map(|p| p.name.as_deref()).collect();
    assert_eq!(names, ["tagged"]);
    assert_eq!(
        found[0].tags.get("team").map(String::as_str),
        Some("platform eng")
    );
    let other_value = SearchFilter::account().and(SearchTerm::tag("team", "platform").unwrap());
    assert!(admin
        .search(&other_value, &options, &cancel)
        .collect()
        .await
        .unwrap()
        .is_empty());

    // Alice, a user-level caller, sees her own products and is refused the account level.
    let hers = SearchFilter::account().at(AccessLevel::User);
    let found = alice
        .search(&hers, &options, &cancel)
        .collect()
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        [mine.as_str()]
    );
    let err = alice
        .search(&SearchFilter::account(), &options, &cancel)
        .collect()
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::AccessDenied { .. }), "{err:?}");

    // A cancelled search sends nothing.
    let before = world.emu().metrics().get("SearchProvisionedProducts").calls;
    let cancelled = CancellationToken::new();
    cancelled.cancel();
    let err = admin
        .search(&SearchFilter::account(), &options, &cancelled)
        .collect()
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert_eq!(
        world.emu().metrics().get("SearchProvisionedProducts").calls,
        before
    );
    world.finish().await;
}
