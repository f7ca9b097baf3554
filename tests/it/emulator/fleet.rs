//! Fleet-scale reads: account-level search, scan and record history page through a fleet larger
//! than one page, filter by field and free text, and skip no live product when some are
//! terminated between two pages.

use std::collections::BTreeSet;

use aws_sdk_servicecatalog::operation::list_record_history::ListRecordHistoryOutput;
use aws_sdk_servicecatalog::operation::scan_provisioned_products::ScanProvisionedProductsOutput;
use aws_sdk_servicecatalog::operation::search_provisioned_products::SearchProvisionedProductsOutput;
use aws_sdk_servicecatalog::types::{AccessLevelFilterKey, ProvisionedProductViewFilterBy, Tag};
use servicecatalog_provider::emulator::{EmulatorConfig, SeedProduct};

use super::{all_pages, code_of, final_status, level, start};
use crate::harness::sdk::iam_arn;

#[tokio::test]
async fn fleet_reads_page_through_the_whole_account() {
    let role = iam_arn("role", "Launch");
    let (world, c) = start(EmulatorConfig {
        launch_role_arn: Some(role.clone()),
        ..Default::default()
    })
    .await;
    let alice = iam_arn("user", "alice");
    let mut all = BTreeSet::new();
    let mut created = vec![];
    for n in 0..130 {
        let name = format!("fleet-{n:03}");
        let id = world
            .seed_with(SeedProduct {
                name: name.clone(),
                owner_arn: (n % 2 == 0).then(|| alice.clone()),
                ..Default::default()
            })
            .await;
        all.insert(id);
        created.push(name);
    }
    for (name, team) in [("tagged-a", "blue"), ("tagged-b", "red")] {
        let out = c
            .provision_product()
            .product_id("prod-abcdefgh12345")
            .provisioning_artifact_id("pa-abcdefgh12345")
            .provisioned_product_name(name)
            .tags(Tag::builder().key("team").value(team).build().unwrap())
            .provision_token(name)
            .send()
            .await
            .unwrap();
        let rec = out.record_detail().unwrap();
        assert_eq!(
            final_status(&c, rec.record_id().unwrap()).await,
            "SUCCEEDED"
        );
        all.insert(rec.provisioned_product_id().unwrap().to_owned());
        created.push(name.to_owned());
    }

    // Search at account level, 100 a page, in creation order: every product exactly once.
    let by_age = || {
        c.search_provisioned_products()
            .access_level_filter(level(AccessLevelFilterKey::Account))
            .sort_by("createdTime")
            .page_size(100)
    };
    let pages = all_pages(
        |token| by_age().set_page_token(token).send(),
        SearchProvisionedProductsOutput::next_page_token,
    )
    .await;
    let mut names = vec![];
    let mut ids = BTreeSet::new();
    for out in &pages {
        assert_eq!(out.total_results_count(), 132);
        assert!(out.provisioned_products().len() <= 100);
        for p in out.provisioned_products() {
            names.push(p.name().unwrap().to_owned());
            assert!(ids.insert(p.id().unwrap().to_owned()), "{p:?} twice");
        }
    }
    assert_eq!(pages.len(), 2);
    assert_eq!(ids, all);
    assert_eq!(names, created);
    let (code, msg) = code_of(c.search_provisioned_products().page_size(101).send().await);
    assert_eq!(code, "ValidationException");
    assert!(msg.contains("'101'"), "{msg}");

    // SearchQuery terms: field filters are ANDed, bare terms are free text.
    let query = |terms: &[&str]| {
        c.search_provisioned_products()
            .filters(
                ProvisionedProductViewFilterBy::SearchQuery,
                terms.iter().map(|t| (*t).to_owned()).collect(),
            )
            .page_size(100)
            .send()
    };
    let owner = format!("userArn:{alice}");
    let total = |out: SearchProvisionedProductsOutput| out.total_results_count();
    assert_eq!(total(query(&[&owner]).await.unwrap()), 65);
    assert_eq!(total(query(&[&owner, "name:fleet-004"]).await.unwrap()), 1);
    assert_eq!(total(query(&[&owner, "name:fleet-005"]).await.unwrap()), 0);
    assert_eq!(
        total(
            query(&["status:AVAILABLE", "productId:prod-emulator0000"])
                .await
                .unwrap()
        ),
        130
    );
    assert_eq!(total(query(&["fleet-12"]).await.unwrap()), 10);
    for (term, want) in [("tags:team:blue", "tagged-a"), ("tags:red", "tagged-b")] {
        let out = query(&[term]).await.unwrap();
        let found: Vec<_> = out
            .provisioned_products()
            .iter()
            .map(|p| p.name())
            .collect();
        assert_eq!(found, [Some(want)], "{term}");
    }

    // Scan at account level, 20 a page, carries the launch role of every product.
    let pages = all_pages(
        |token| {
            c.scan_provisioned_products()
                .access_level_filter(level(AccessLevelFilterKey::Account))
                .page_size(20)
                .set_page_token(token)
                .send()
        },
        ScanProvisionedProductsOutput::next_page_token,
    )
    .await;
    let mut scanned = BTreeSet::new();
    for out in &pages {
        assert!(out.provisioned_products().len() <= 20);
        for p in out.provisioned_products() {
            assert_eq!(p.launch_role_arn(), Some(role.as_str()), "{p:?}");
            assert!(scanned.insert(p.id().unwrap().to_owned()));
        }
    }
    assert_eq!(pages.len(), 7);
    assert_eq!(scanned, all);
    let (code, _) = code_of(c.scan_provisioned_products().page_size(21).send().await);
    assert_eq!(code, "ValidationException");

    // Record history at account level: every product's record, newest first.
    let pages = all_pages(
        |token| {
            c.list_record_history()
                .access_level_filter(level(AccessLevelFilterKey::Account))
                .page_size(20)
                .set_page_token(token)
                .send()
        },
        ListRecordHistoryOutput::next_page_token,
    )
    .await;
    assert!(pages.iter().all(|out| out.record_details().len() <= 20));
    let records: Vec<_> = pages.iter().flat_map(|out| out.record_details()).collect();
    let products: BTreeSet<String> = records
        .iter()
        .map(|r| r.provisioned_product_id().unwrap().to_owned())
        .collect();
    assert_eq!(records.len(), 132);
    assert_eq!(products, all);
    assert_eq!(records[0].provisioned_product_name(), Some("tagged-b"));
    assert!(records
        .windows(2)
        .all(|w| w[0].created_time() >= w[1].created_time()));

    // Sorted by createdTime, products terminated between two pages make search skip no live one.
    let first = by_age().send().await.unwrap();
    let gone: Vec<String> = first.provisioned_products()[..3]
        .iter()
        .map(|p| p.id().unwrap().to_owned())
        .collect();
    for id in &gone {
        let out = c
            .terminate_provisioned_product()
            .provisioned_product_id(id)
            .send()
            .await
            .unwrap();
        let rec = out.record_detail().unwrap().record_id().unwrap();
        assert_eq!(final_status(&c, rec).await, "SUCCEEDED");
    }
    let second = by_age()
        .set_page_token(first.next_page_token().map(str::to_owned))
        .send()
        .await
        .unwrap();
    assert_eq!(second.total_results_count(), 129);
    assert_eq!(second.provisioned_products().len(), 32);
    let seen: BTreeSet<String> = first
        .provisioned_products()
        .iter()
        .chain(second.provisioned_products())
        .map(|p| p.id().unwrap().to_owned())
        .collect();
    let live: BTreeSet<String> = all
        .difference(&gone.into_iter().collect())
        .cloned()
        .collect();
    assert!(seen.is_superset(&live));
    world.finish().await;
}
