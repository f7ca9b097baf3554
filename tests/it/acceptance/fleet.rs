//! Fleets: a `count` over more products than one account-level search page holds, read through
//! shared pages. Batching changes no behaviour — drift on a few products shows exactly those
//! products, owner lag after our own change is waited out, hidden products are never taken for
//! deleted — and a plan or an apply costs what the design says (counted by the emulator).

use servicecatalog_provider::emulator::{
    AccessLevel, EmulatorConfig, Faults, Principal, Principals,
};

use crate::harness::hcl::{fleet_hcl, provider_hcl_with_keys, FLEET};
use crate::harness::sdk::{role, user};
use crate::harness::world::calls;
use crate::harness::World;

/// More products than one search page (100) holds.
const FLEET_SIZE: usize = 130;
/// Reads made one by one before the first search page is fetched (`PROBE_AT` - 1).
const READ_ALONE: u64 = 3;

fn fleet_config(
    world: &World,
    ids: &[String],
    props: &dyn Fn(usize) -> Vec<(&'static str, String)>,
) -> String {
    format!("{}\n{}", world.provider_hcl(""), fleet_hcl(ids, props))
}

fn addresses(indices: &[usize]) -> Vec<(String, Vec<String>)> {
    let mut all: Vec<_> = indices
        .iter()
        .map(|i| (format!("{FLEET}[{i}]"), vec!["update".to_owned()]))
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn drift_on_a_few_products_of_a_fleet_shows_exactly_those_products() {
    let world = World::start().await;
    let wd = world.workdir();
    let ids = world.seed_many("fleet", FLEET_SIZE).await;
    let team = role("TeamA");
    let owners = |_: usize| vec![("OWNER", team.clone())];
    wd.write_config(&fleet_config(&world, &ids, &owners));

    // Creating the fleet: one change per product, one poll per record, the "before" reads from
    // the shared pages, nothing read back.
    let before = world.metrics();
    wd.apply().await;
    let after = world.metrics();
    let n = FLEET_SIZE as u64;
    assert_eq!(
        calls(&before, &after, "UpdateProvisionedProductProperties"),
        n
    );
    let polls =
        calls(&before, &after, "DescribeRecord") + calls(&before, &after, "ListRecordHistory");
    assert!(
        polls <= n,
        "{polls} polls for {n} records that finish at once"
    );
    assert!(calls(&before, &after, "SearchProvisionedProducts") <= 2 + READ_ALONE);
    assert_eq!(calls(&before, &after, "DescribeProvisionedProduct"), 0);
    assert_eq!(calls(&before, &after, "ScanProvisionedProducts"), 0);
    assert!(
        after.total_calls() - before.total_calls() <= 2 * n + n / 10,
        "at most 2.1 calls per change: {after:?}"
    );

    // A plan of the whole fleet: the two search pages, and the few reads before them.
    let before = world.metrics();
    assert_eq!(wd.planned_changes().await, addresses(&[]));
    let after = world.metrics();
    assert!(calls(&before, &after, "SearchProvisionedProducts") <= 2 + READ_ALONE);
    assert_eq!(
        after.total_calls() - before.total_calls(),
        calls(&before, &after, "SearchProvisionedProducts")
    );

    // Someone else changes three owners, on both pages: exactly those three are planned.
    let drifted = [5, 77, 128];
    for i in drifted {
        world
            .change_out_of_band(&ids[i], &[("OWNER", &user("someone"))])
            .await;
    }
    let before = world.metrics();
    assert_eq!(wd.planned_changes().await, addresses(&drifted));
    let after = world.metrics();
    // A drifted product after our own change gets an exact read (is our change still its last?).
    let d = drifted.len() as u64;
    assert!(calls(&before, &after, "SearchProvisionedProducts") <= 2 + READ_ALONE + d);
    assert!(calls(&before, &after, "DescribeProvisionedProduct") <= d);
    assert_eq!(
        calls(&before, &after, "UpdateProvisionedProductProperties"),
        0
    );

    // Managing launch roles too: the scan (20 a page) joins the search, only now.
    let launch = role("Launch");
    let both = |_: usize| vec![("OWNER", team.clone()), ("LAUNCH_ROLE", launch.clone())];
    wd.write_config(&fleet_config(&world, &ids, &both));
    wd.apply().await;
    for i in [0, 5, 129] {
        assert_eq!(world.owner(&ids[i]).await, team);
        assert_eq!(
            world.launch_role(&ids[i]).await.as_deref(),
            Some(launch.as_str())
        );
    }
    let before = world.metrics();
    assert_eq!(wd.planned_changes().await, addresses(&[]));
    let after = world.metrics();
    let scan_pages = FLEET_SIZE.div_ceil(20) as u64;
    assert!(calls(&before, &after, "ScanProvisionedProducts") <= scan_pages);
    assert!(calls(&before, &after, "SearchProvisionedProducts") <= 2 + READ_ALONE);
    assert!(
        calls(&before, &after, "DescribeProvisionedProduct") <= READ_ALONE,
        "only the reads made before the pages: {after:?}"
    );
    assert!(
        after.total_calls() - before.total_calls() <= n / 5,
        "a plan of {n} products managing both keys: {after:?}"
    );
    world.finish().await;
}

#[tokio::test]
async fn owner_lag_after_our_own_changes_is_waited_out_across_a_fleet() {
    let world = World::start().await;
    let wd = world.workdir();
    let ids = world.seed_many("lag", 110).await;
    let team_a = role("TeamA");
    wd.write_config(&fleet_config(&world, &ids, &|_| {
        vec![("OWNER", team_a.clone())]
    }));
    wd.apply().await;

    // The search shows the previous owner of each changed product for its next 3 answers.
    world.set_faults(Faults {
        search_lag_calls: 3,
        ..Default::default()
    });
    let team_b = role("TeamB");
    wd.write_config(&fleet_config(&world, &ids, &|_| {
        vec![("OWNER", team_b.clone())]
    }));
    wd.apply().await;
    assert_eq!(
        wd.planned_changes().await,
        addresses(&[]),
        "a lagging search after our own change is not drift"
    );
    for pp in [&ids[0], &ids[109]] {
        assert_eq!(world.owner(pp).await, team_b);
        assert_eq!(
            world.stored_change_records(pp).len(),
            2,
            "one record per change"
        );
    }
    wd.assert_plan_empty().await;
    world.finish().await;
}

#[tokio::test]
async fn hidden_products_of_a_fleet_are_never_taken_for_deleted() {
    let limited = user("limited");
    let world = World::with_config(EmulatorConfig {
        principals: Principals::default().with_key(
            "AKIDLIMITED",
            Principal::new(limited.clone(), AccessLevel::User),
        ),
        ..Default::default()
    })
    .await;
    let wd = world.workdir();
    let ids = world.seed_many("hidden", 12).await;
    let team = role("TeamA");
    let owners = |_: usize| vec![("OWNER", team.clone())];
    wd.apply_step(&fleet_config(&world, &ids, &owners)).await;

    // A caller with user-level access: the account-level pages are refused, and so is every
    // product's own search. Nothing is planned for removal or creation; each is an error.
    wd.write_config(&format!(
        "{}\n{}",
        provider_hcl_with_keys(world.endpoint(), "AKIDLIMITED", "limited-secret", ""),
        fleet_hcl(&ids, &owners)
    ));
    let out = wd.run(&["plan", "-no-color", "-input=false"]).await;
    wd.assert_failed_matching(&out, r"not treated as deleted");
    assert!(
        !out.stdout.contains("will be created") && !out.stdout.contains("will be destroyed"),
        "{}",
        out.stdout
    );
    let state = wd.state_json().await;
    let kept = state
        .pointer("/values/root_module/resources")
        .and_then(|r| r.as_array())
        .map_or(0, Vec::len);
    assert_eq!(kept, ids.len(), "every hidden product stays in state");
    for pp in &ids {
        assert_eq!(world.owner(pp).await, team, "and is left alone");
    }
    world.finish().await;
}
