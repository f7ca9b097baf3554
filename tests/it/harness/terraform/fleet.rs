//! A fleet of provisioned products on an emulator, and the steps the real-CLI tests of bulk work
//! share: seeding it, the files they write (resources, `import` blocks by id or by identity, a
//! query file, the hand-over action) and the checks after (every product managed with its live
//! values and nothing changed; or every product handed over with one record each). A test of a
//! newer CLI adds only its final CLI call to these steps.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use servicecatalog_provider::emulator::{RecordStatus, SeedProduct};

use super::files::{import_blocks, properties_blocks};
use super::{Output, Workdir};
use crate::harness::hcl::{hcl_string, RESOURCE_TYPE};
use crate::harness::sdk::{role, user};
use crate::harness::World;

/// The product id the fleet's products were launched from (what the filters select).
pub const FLEET_PRODUCT: &str = "prod-fleetfleet001";
/// The action of the hand-over (issue 16), as `terraform apply -invoke` names it.
pub const HANDOVER_ACTION: &str =
    "action.servicecatalog_update_provisioned_product_properties.handover";

/// How an `import` block names the product: `id = "pp-..."` (Terraform 1.5+) or
/// `identity = { provisioned_product_id = "pp-..." }` (Terraform and OpenTofu 1.12+).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportBy {
    Id,
    Identity,
}

/// One product of the fleet: its name and the properties it has live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub name: String,
    pub properties: BTreeMap<String, String>,
}

/// Products seeded on an emulator, with what each has live, and a few of another product id
/// that no filter of the fleet selects.
#[derive(Clone, Debug)]
pub struct Fleet {
    pub product_id: String,
    pub products: BTreeMap<String, Product>,
    pub others: Vec<String>,
}

/// `servicecatalog_provisioned_product_properties.this["pp-..."]`.
pub fn address(id: &str) -> String {
    format!("{RESOURCE_TYPE}.this[{}]", hcl_string(id))
}

impl Fleet {
    /// `size` products of `product_id` named `fleet-NN`, owned by a role (even) or a user
    /// (odd), three in four with a launch role of their own; and three of another product.
    pub async fn seed(world: &World, product_id: &str, size: usize) -> Fleet {
        let mut products = BTreeMap::new();
        for n in 0..size {
            let owner = if n % 2 == 0 {
                role(&format!("Team{}", n % 5))
            } else {
                user(&format!("owner-{n}"))
            };
            let launch = (n % 4 != 0).then(|| role(&format!("Launch{n}")));
            let name = format!("fleet-{n:02}");
            let id = world
                .seed_with(SeedProduct {
                    name: name.clone(),
                    owner_arn: Some(owner.clone()),
                    launch_role_arn: launch.clone(),
                    product_id: Some(product_id.to_owned()),
                    ..Default::default()
                })
                .await;
            let mut properties = BTreeMap::from([("OWNER".to_owned(), owner)]);
            if let Some(launch) = launch {
                properties.insert("LAUNCH_ROLE".to_owned(), launch);
            }
            products.insert(id, Product { name, properties });
        }
        let mut others = Vec::new();
        for n in 0..3 {
            let seed = SeedProduct {
                name: format!("other-{n}"),
                product_id: Some("prod-otherother01".into()),
                ..Default::default()
            };
            others.push(world.seed_with(seed).await);
        }
        Fleet {
            product_id: product_id.to_owned(),
            products,
            others,
        }
    }

    /// An emulator, a workdir for it and a fleet of `size` products of [`FLEET_PRODUCT`].
    pub async fn start(size: usize) -> (World, Workdir, Fleet) {
        let world = World::start().await;
        let wd = world.workdir();
        let fleet = Fleet::seed(&world, FLEET_PRODUCT, size).await;
        (world, wd, fleet)
    }

    pub fn ids(&self) -> Vec<String> {
        self.products.keys().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.products.len()
    }

    /// What `terraform query` shows for a product: its name and owner (the list resource's
    /// display name).
    pub fn display_name(&self, id: &str) -> String {
        let p = &self.products[id];
        format!("{} (owner {})", p.name, p.properties["OWNER"])
    }

    /// The resources `this[id]`, one per product with `properties` as they are live (what a
    /// user writes after reviewing), `for_each` over a literal map.
    pub fn resources_hcl(&self) -> String {
        self.resources_with(|p| p.properties.clone())
    }

    fn resources_with(&self, props: impl Fn(&Product) -> BTreeMap<String, String>) -> String {
        let entries: String = self
            .products
            .iter()
            .map(|(id, p)| {
                let props: Vec<String> = props(p)
                    .iter()
                    .map(|(k, v)| format!("{k} = {}", hcl_string(v)))
                    .collect();
                format!("    {} = {{ {} }}\n", hcl_string(id), props.join(", "))
            })
            .collect();
        format!(
            "locals {{\n  fleet = {{\n{entries}  }}\n}}\n\n\
             resource \"{RESOURCE_TYPE}\" \"this\" {{\n  for_each               = local.fleet\n  \
             provisioned_product_id = each.key\n  properties             = each.value\n}}\n"
        )
    }

    /// One `import` block per product into `this[id]`.
    pub fn import_blocks_hcl(&self, by: ImportBy) -> String {
        self.products
            .keys()
            .map(|id| {
                let which = match by {
                    ImportBy::Id => format!("id = {}", hcl_string(id)),
                    ImportBy::Identity => format!(
                        "identity = {{\n    provisioned_product_id = {}\n  }}",
                        hcl_string(id)
                    ),
                };
                format!("import {{\n  to = {}\n  {which}\n}}\n\n", address(id))
            })
            .collect()
    }

    /// Provider, resources and import blocks: one apply imports the fleet and changes nothing.
    pub fn import_config(&self, world: &World, by: ImportBy) -> String {
        format!(
            "{}\n{}\n{}",
            world.provider_hcl(""),
            self.resources_hcl(),
            self.import_blocks_hcl(by)
        )
    }

    /// The filter that selects exactly the fleet, as the data source's and the list resource's
    /// arguments.
    fn filter_hcl(&self) -> String {
        format!("product_id = {}", hcl_string(&self.product_id))
    }

    /// The data source over the fleet's filter, with its ids as output `ids`.
    pub fn data_source_hcl(&self) -> String {
        format!(
            "data \"servicecatalog_provisioned_products\" \"fleet\" {{\n  {}\n}}\n\n\
             output \"ids\" {{\n  value = data.servicecatalog_provisioned_products.fleet.ids\n}}\n",
            self.filter_hcl()
        )
    }

    /// A `.tfquery.hcl` file: the list block `fleet` over the fleet's filter, room for all.
    pub fn query_hcl(&self, include_resource: bool) -> String {
        format!(
            "list \"{RESOURCE_TYPE}\" \"fleet\" {{\n  provider         = servicecatalog\n  \
             limit            = {}\n  include_resource = {include_resource}\n\n  config {{\n    \
             {}\n  }}\n}}\n",
            self.len() + 50,
            self.filter_hcl()
        )
    }

    /// The output of `terraform query -json` lists each product once, by identity, with its
    /// display name, under the list block `fleet`, and nothing else.
    pub fn assert_listed(&self, out: &Output) {
        let list = format!("list.{RESOURCE_TYPE}.fleet");
        let mut listed = BTreeMap::new();
        let mut total = None;
        for message in out.json_messages() {
            match message["type"].as_str() {
                Some("list_resource_found") => {
                    let found = &message["list_resource_found"];
                    assert_eq!(found["address"], list.as_str(), "{found}");
                    let id = found["identity"]["provisioned_product_id"]
                        .as_str()
                        .unwrap_or_else(|| panic!("no identity in {found}"))
                        .to_owned();
                    let name = found["display_name"].as_str().unwrap_or_default();
                    assert!(
                        listed.insert(id.clone(), name.to_owned()).is_none(),
                        "{id} listed twice"
                    );
                }
                Some("list_complete") => total = message["list_complete"]["total"].as_u64(),
                Some("diagnostic") if message["diagnostic"]["severity"] == "error" => {
                    panic!("query error: {message}")
                }
                _ => {}
            }
        }
        let expected: BTreeMap<String, String> = self
            .products
            .keys()
            .map(|id| (id.clone(), self.display_name(id)))
            .collect();
        assert_eq!(listed, expected, "the query lists exactly the fleet");
        assert_eq!(total, Some(self.len() as u64), "list_complete's total");
    }

    /// The file `terraform query -generate-config-out` wrote: an import block by identity and
    /// a resource block with the live properties for each product, and nothing else. Returns
    /// the generated resource addresses by product id.
    pub fn assert_generated(&self, text: &str) -> BTreeMap<String, String> {
        let imports = import_blocks(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let resources = properties_blocks(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let mut addresses = BTreeMap::new();
        for r in &resources {
            let p = self
                .products
                .get(&r.provisioned_product_id)
                .unwrap_or_else(|| panic!("{} is not in the fleet:\n{text}", r.address));
            assert_eq!(r.properties, p.properties, "{}: live values", r.address);
            assert!(
                addresses
                    .insert(r.provisioned_product_id.clone(), r.address.clone())
                    .is_none(),
                "{} generated twice",
                r.provisioned_product_id
            );
        }
        assert_eq!(
            addresses.keys().cloned().collect::<Vec<_>>(),
            self.ids(),
            "one resource per product:\n{text}"
        );
        let mut targets = BTreeSet::new();
        for i in &imports {
            let identity = i
                .identity
                .as_ref()
                .unwrap_or_else(|| panic!("import to {} is not by identity", i.to));
            let id = &identity["provisioned_product_id"];
            assert_eq!(identity.len(), 1, "{identity:?}");
            assert_eq!(addresses.get(id), Some(&i.to), "import of {id}");
            targets.insert(i.to.clone());
        }
        assert_eq!(targets.len(), self.len(), "one import per product:\n{text}");
        addresses
    }

    /// With the configuration written: `terraform plan` shows every product to import and
    /// nothing else, `terraform apply` imports them in one go, and the plans after are empty.
    pub async fn plan_and_apply_the_import(&self, wd: &Workdir) {
        let n = self.len();
        let plan = wd.run_ok(&["plan", "-no-color", "-input=false"]).await;
        assert!(
            plan.stdout.contains(&format!(
                "Plan: {n} to import, 0 to add, 0 to change, 0 to destroy."
            )),
            "{}",
            wd.transcript()
        );
        let out = wd.apply().await;
        assert!(
            out.stdout.contains(&format!(
                "Resources: {n} imported, 0 added, 0 changed, 0 destroyed"
            )),
            "one apply imports the fleet and changes nothing:\n{}",
            wd.transcript()
        );
        wd.assert_plan_empty().await;
    }

    /// Every product, and nothing else, is in state with its live values; the owners are
    /// unchanged and no change record was made.
    pub async fn assert_managed(&self, world: &World, wd: &Workdir) {
        let in_state = properties_in_state(&wd.state_json().await);
        let expected: BTreeMap<String, BTreeMap<String, String>> = self
            .products
            .iter()
            .map(|(id, p)| (id.clone(), p.properties.clone()))
            .collect();
        assert_eq!(in_state, expected, "state holds the fleet, as it is live");
        for (id, p) in &self.products {
            assert_eq!(world.owner(id).await, p.properties["OWNER"], "unchanged");
            assert!(
                world.stored_change_records(id).is_empty(),
                "importing made a change record for {id}"
            );
        }
    }

    /// The resources of [`Fleet::resources_hcl`] with `OWNER` = `owner`: the hand-over done
    /// through managed resources.
    pub fn handover_resources_hcl(&self, owner: &str) -> String {
        self.resources_with(|p| {
            let mut props = p.properties.clone();
            props.insert("OWNER".to_owned(), owner.to_owned());
            props
        })
    }

    /// The hand-over as an action block ([`HANDOVER_ACTION`]): every product of the fleet to
    /// `owner` (the action's configuration as issue 16 specifies it).
    pub fn handover_action_hcl(&self, owner: &str) -> String {
        let ids: Vec<String> = self
            .products
            .keys()
            .map(|id| format!("      {},\n", hcl_string(id)))
            .collect();
        format!(
            "action \"servicecatalog_update_provisioned_product_properties\" \"handover\" {{\n  \
             config {{\n    provisioned_product_ids = [\n{}    ]\n    properties = {{\n      \
             OWNER = {}\n    }}\n  }}\n}}\n",
            ids.concat(),
            hcl_string(owner)
        )
    }

    /// Every product is owned by `owner` now, each through exactly one successful change
    /// record; launch roles are as they were; the others are untouched.
    pub async fn assert_handed_over(&self, world: &World, owner: &str) {
        for (id, p) in &self.products {
            assert_eq!(world.owner(id).await, owner, "{id} was handed over");
            assert_eq!(
                world.launch_role(id).await,
                p.properties.get("LAUNCH_ROLE").cloned(),
                "{id} keeps its launch role"
            );
            let records = world.stored_change_records(id);
            assert_eq!(records.len(), 1, "one record for {id}: {records:?}");
            assert_eq!(records[0].status, RecordStatus::Succeeded, "{id}");
        }
        for other in &self.others {
            assert!(
                world.stored_change_records(other).is_empty(),
                "{other} is not in the fleet"
            );
        }
    }
}

/// The `properties` of every `servicecatalog_provisioned_product_properties` in a state, by
/// `provisioned_product_id`, whatever the resource addresses.
pub fn properties_in_state(state: &Value) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let resources = state
        .pointer("/values/root_module/resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == RESOURCE_TYPE && r["mode"] == "managed");
    for r in resources {
        let values = &r["values"];
        let id = values["provisioned_product_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let props = values["properties"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            out.insert(id.clone(), props).is_none(),
            "{id} is in state twice"
        );
    }
    out
}
