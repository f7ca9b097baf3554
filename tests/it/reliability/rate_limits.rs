//! A fleet under a tight account-level rate limit (the emulator's token buckets, as AWS throttles
//! Service Catalog): the apply and the plan after it finish without an error, with exactly one
//! successful record per change and an empty follow-up plan — throttling slows the run down
//! (the SDK's retries, then the provider's own re-sends within each operation's timeout)
//! instead of failing it.

use std::collections::BTreeMap;

use servicecatalog_provider::emulator::{Faults, RateLimit, RecordStatus};

use super::full;
use crate::harness::hcl::fleet_hcl;
use crate::harness::sdk::role;
use crate::harness::world::calls;
use crate::harness::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_under_a_tight_rate_limit_converges() {
    let n = if full() { 500 } else { 60 };
    let world = World::start().await;
    let wd = world.workdir();
    let ids = world.seed_many("limited", n).await;
    // Every operation: 4 calls a second, bursts of 8 (AWS's own limits are a few times higher,
    // and so is the load a 10-way parallel apply puts on them).
    world.set_faults(Faults {
        rate_limits: BTreeMap::from([(
            "all".to_owned(),
            RateLimit {
                per_second: 4.0,
                burst: Some(8),
            },
        )]),
        ..Default::default()
    });
    let team = role("TeamA");
    let config = format!(
        "{}\n{}",
        world.provider_hcl(""),
        fleet_hcl(&ids, &|_| vec![("OWNER", team.clone())])
    );
    let before = world.metrics();
    wd.write_config(&config);
    wd.apply().await;
    wd.assert_plan_empty().await;
    let after = world.metrics();

    let throttled: u64 = after
        .operations
        .iter()
        .map(|(op, m)| m.throttled - before.get(op).throttled)
        .sum();
    assert!(throttled > 0, "the limit was reached: {after:?}");
    assert_eq!(
        calls(&before, &after, "UpdateProvisionedProductProperties")
            - (after.get("UpdateProvisionedProductProperties").throttled
                - before.get("UpdateProvisionedProductProperties").throttled),
        n as u64,
        "one accepted change per product"
    );
    for pp in &ids {
        let records = world.stored_change_records(pp);
        assert_eq!(records.len(), 1, "one record for {pp}: {records:?}");
        assert_eq!(records[0].status, RecordStatus::Succeeded);
    }
    // The checks below read through the SDK directly: lift the limit for them.
    world.set_faults(Faults::default());
    for pp in [&ids[0], &ids[n / 2], &ids[n - 1]] {
        assert_eq!(world.owner(pp).await, team);
    }
    world.finish().await;
}
