//! Bringing a fleet under management with the real `terraform` CLI: the plural data source
//! `servicecatalog_provisioned_products` under `for_each` in the resource and in an `import`
//! block (Terraform >= 1.7) imports every matching product in one apply, changes none of them,
//! and the plans after it are empty.

use std::collections::BTreeMap;

use servicecatalog_provider::emulator::SeedProduct;

use super::string_map;
use crate::harness::hcl::{hcl_string, RESOURCE_TYPE};
use crate::harness::sdk::{role, user};
use crate::harness::terraform::find_resource;
use crate::harness::World;

const FLEET: usize = 50;
const FLEET_PRODUCT: &str = "prod-fleetfleet001";

/// The data source, the import blocks and the resources over it, filtered to `product_id`.
fn fleet_config(acc: &World, product_id: &str) -> String {
    format!(
        r#"{provider}
data "servicecatalog_provisioned_products" "fleet" {{
  product_id = {product_id}
}}

locals {{
  fleet = {{ for p in data.servicecatalog_provisioned_products.fleet.provisioned_products : p.id => p }}
}}

import {{
  for_each = local.fleet
  to       = {RESOURCE_TYPE}.this[each.key]
  id       = each.key
}}

resource "{RESOURCE_TYPE}" "this" {{
  for_each               = local.fleet
  provisioned_product_id = each.key
  properties             = {{ for k, v in {{ OWNER = each.value.owner, LAUNCH_ROLE = each.value.launch_role_arn }} : k => v if v != null }}
}}

output "ids" {{
  value = data.servicecatalog_provisioned_products.fleet.ids
}}
"#,
        provider = acc.provider_hcl(""),
        product_id = hcl_string(product_id),
    )
}

#[tokio::test]
async fn a_fleet_is_imported_through_the_plural_data_source_and_the_plan_after_is_empty() {
    let acc = World::start().await;
    let wd = acc.workdir();
    // 50 products of the fleet, with owners and (for most) launch roles of their own, and a
    // few of another product that the filter leaves alone.
    let mut expected = BTreeMap::new();
    for n in 0..FLEET {
        let owner = if n % 2 == 0 {
            role(&format!("Team{}", n % 5))
        } else {
            user(&format!("owner-{n}"))
        };
        let launch = (n % 4 != 0).then(|| role(&format!("Launch{n}")));
        let id = acc
            .seed_with(SeedProduct {
                name: format!("fleet-{n:02}"),
                owner_arn: Some(owner.clone()),
                launch_role_arn: launch.clone(),
                product_id: Some(FLEET_PRODUCT.into()),
                ..Default::default()
            })
            .await;
        let mut props = BTreeMap::from([("OWNER".to_owned(), owner)]);
        if let Some(launch) = launch {
            props.insert("LAUNCH_ROLE".to_owned(), launch);
        }
        expected.insert(id, props);
    }
    let mut others = Vec::new();
    for n in 0..3 {
        others.push(
            acc.seed_with(SeedProduct {
                name: format!("other-{n}"),
                product_id: Some("prod-otherother01".into()),
                ..Default::default()
            })
            .await,
        );
    }

    let out = wd.apply_step(&fleet_config(&acc, FLEET_PRODUCT)).await;
    assert!(
        out.stdout.contains(&format!(
            "Resources: {FLEET} imported, 0 added, 0 changed, 0 destroyed"
        )),
        "one apply imports the whole fleet and changes nothing:\n{}",
        out.stdout
    );

    let state = wd.state_json().await;
    let ids: Vec<String> = state
        .pointer("/values/outputs/ids/value")
        .and_then(|v| v.as_array())
        .map(|ids| {
            ids.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        expected.keys().cloned().collect::<Vec<_>>(),
        "the data source lists exactly the fleet"
    );
    for (id, props) in &expected {
        let addr = format!("{RESOURCE_TYPE}.this[{}]", hcl_string(id));
        let r = find_resource(&state, &addr).unwrap_or_else(|| panic!("{addr} not in state"));
        assert_eq!(r["provisioned_product_id"], id.as_str(), "{r}");
        assert_eq!(&string_map(&r["properties"]), props, "live values: {r}");
        assert_eq!(acc.owner(id).await, props["OWNER"], "unchanged");
        assert!(
            acc.stored_change_records(id).is_empty(),
            "import makes no property change record for {id}"
        );
    }
    for other in &others {
        let addr = format!("{RESOURCE_TYPE}.this[{}]", hcl_string(other));
        assert!(
            find_resource(&state, &addr).is_none(),
            "{other} is filtered out"
        );
    }
    acc.finish().await;
}
