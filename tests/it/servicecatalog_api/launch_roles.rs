//! Launch roles of listed products (`ServiceCatalog::launch_roles`) against the emulator: the
//! cheaper source is used (Describe per product for a few, Scan pages for many), both read what
//! the API reports, a product the scan missed is described, and a product gone since it was
//! listed is left out.

use std::collections::HashMap;
use std::time::Duration;

use servicecatalog_provider::emulator::SeedProduct;
use servicecatalog_provider::servicecatalog::{AccessLevel, LaunchRoleSource};
use tokio_util::sync::CancellationToken;

use super::{start, LAUNCH_1, LAUNCH_2};
use crate::harness::World;

/// Calls of `operation` the emulator has answered so far.
fn calls(world: &World, operation: &str) -> u64 {
    world.emu().metrics().get(operation).calls
}

/// The launch role a product `n` of the fleet is seeded with: none for every third.
fn role_of(n: usize) -> Option<&'static str> {
    match n % 3 {
        0 => None,
        1 => Some(LAUNCH_1),
        _ => Some(LAUNCH_2),
    }
}

#[tokio::test]
async fn launch_roles_come_from_the_cheaper_source_and_match_the_api() {
    let (world, sc) = start(Duration::ZERO).await;
    let mut expected = HashMap::new();
    for n in 0..45 {
        let id = world
            .seed_with(SeedProduct {
                name: format!("lr-{n:02}"),
                launch_role_arn: role_of(n).map(str::to_owned),
                product_id: (n < 30).then(|| "prod-thirtythirty".to_owned()),
                ..Default::default()
            })
            .await;
        assert_eq!(
            world.launch_role(&id).await.as_deref(),
            role_of(n),
            "seeded as asked"
        );
        expected.insert(id, role_of(n).map(str::to_owned));
    }
    let ids: Vec<&str> = expected.keys().map(String::as_str).collect();
    let cancel = CancellationToken::new();

    // One product wanted, visible count unknown: one describe, no counting search.
    let (search, describe, scan) = (
        calls(&world, "SearchProvisionedProducts"),
        calls(&world, "DescribeProvisionedProduct"),
        calls(&world, "ScanProvisionedProducts"),
    );
    let mut one = sc.launch_roles(AccessLevel::Account, &cancel);
    assert_eq!(one.plan(1, None).await.unwrap(), LaunchRoleSource::Describe);
    let found = one.read(&ids[..1]).await.unwrap();
    assert_eq!(found.get(ids[0]), expected.get(ids[0]));
    assert_eq!(calls(&world, "SearchProvisionedProducts"), search);
    assert_eq!(calls(&world, "DescribeProvisionedProduct"), describe + 1);
    assert_eq!(calls(&world, "ScanProvisionedProducts"), scan);

    // The whole account (45 visible): 3 scan pages instead of 45 describes.
    let mut all = sc.launch_roles(AccessLevel::Account, &cancel);
    assert_eq!(
        all.plan(45, Some(45)).await.unwrap(),
        LaunchRoleSource::Scan
    );
    let found = all.read(&ids).await.unwrap();
    assert_eq!(found, expected);
    assert_eq!(calls(&world, "ScanProvisionedProducts"), scan + 3);
    assert_eq!(calls(&world, "DescribeProvisionedProduct"), describe + 1);

    // 30 matches of an unknown number visible: one search counts 45, then scanning wins.
    let search = calls(&world, "SearchProvisionedProducts");
    let mut many = sc.launch_roles(AccessLevel::Account, &cancel);
    assert_eq!(many.plan(30, None).await.unwrap(), LaunchRoleSource::Scan);
    assert_eq!(calls(&world, "SearchProvisionedProducts"), search + 1);

    // A product provisioned after the scan is described; one terminated since is left out.
    let late = world
        .seed_with(SeedProduct {
            name: "lr-late".into(),
            launch_role_arn: Some(LAUNCH_2.into()),
            ..Default::default()
        })
        .await;
    let gone = ids[1];
    let out = world
        .sc
        .terminate_provisioned_product()
        .provisioned_product_id(gone)
        .terminate_token("lr-gone")
        .send()
        .await
        .expect("TerminateProvisionedProduct");
    world
        .wait_record(out.record_detail().and_then(|r| r.record_id()).unwrap())
        .await;
    let describe = calls(&world, "DescribeProvisionedProduct");
    let found = all.read(&[late.as_str(), gone, ids[2]]).await.unwrap();
    assert_eq!(found.get(&late), Some(&Some(LAUNCH_2.to_owned())));
    assert_eq!(found.get(ids[2]), expected.get(ids[2]), "from the scan");
    // The scanned one is answered from the scan; the late one is described.
    assert_eq!(calls(&world, "DescribeProvisionedProduct"), describe + 1);
    let mut fresh = sc.launch_roles(AccessLevel::Account, &cancel);
    let found = fresh.read(&[gone, ids[2]]).await.unwrap();
    assert!(!found.contains_key(gone), "gone: {found:?}");
    assert_eq!(found.get(ids[2]), expected.get(ids[2]));
    world.finish().await;
}
