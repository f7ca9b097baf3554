//! Listing a fleet through the real provider over in-process gRPC, against an emulator: the
//! plural data source `servicecatalog_provisioned_products`, and the list resource
//! `servicecatalog_provisioned_product_properties` driven the way Terraform 1.16 drives
//! `terraform query` (ValidateListResourceConfig, the ListResource stream,
//! GenerateResourceConfig for `-generate-config-out`).

mod data_source;
mod list_resource;

use aws_smithy_types::date_time::Format;
use servicecatalog_provider::data_sources::search_filters::with_filters;
use servicecatalog_provider::emulator::{
    AccessLevel, EmulatorConfig, Principal, Principals, SeedProduct,
};
use servicecatalog_provider::tfplugin::{ObjectExt, Schema, Value};

use crate::harness::plugin::PluginClient;
use crate::harness::sdk::{iam_arn, user};
use crate::harness::World;

/// A user-level caller: she sees her own products and is refused the account level.
const ALICE_KEY: &str = "AKIDALICE";

fn alice() -> String {
    user("alice")
}

/// An emulator that knows Alice, and the real provider configured as the account's admin.
async fn start() -> (World, PluginClient) {
    let world = World::with_config(EmulatorConfig {
        principals: Principals::default()
            .with_key(ALICE_KEY, Principal::new(alice(), AccessLevel::User)),
        ..Default::default()
    })
    .await;
    let client = PluginClient::configured(&world).await;
    (world, client)
}

/// The real provider configured as Alice.
async fn as_alice(world: &World) -> PluginClient {
    let mut client =
        PluginClient::serve(servicecatalog_provider::provider::ServiceCatalogProvider).await;
    client.configure_as(world, ALICE_KEY).await;
    client
}

/// `n` products `<prefix>-<i>` with owners (a few roles, the rest users) and, for two in three,
/// a launch role; returns their ids in creation order.
async fn seed_fleet(world: &World, prefix: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let owner = if i % 2 == 0 {
            iam_arn("role", &format!("Team{}", i % 7))
        } else {
            iam_arn("user", &format!("{prefix}-owner-{i}"))
        };
        ids.push(
            world
                .seed_with(SeedProduct {
                    name: format!("{prefix}-{i:03}"),
                    owner_arn: Some(owner),
                    launch_role_arn: (i % 3 != 0)
                        .then(|| iam_arn("role", &format!("{prefix}-launch-{i}"))),
                    ..Default::default()
                })
                .await,
        );
    }
    ids
}

/// Three products of admins' and one of Alice's; returns hers and the provider configured as
/// her.
async fn seed_hers(world: &World) -> (String, PluginClient) {
    seed_fleet(world, "adm", 3).await;
    let hers = world
        .seed_with(SeedProduct {
            name: "alices".into(),
            owner_arn: Some(alice()),
            ..Default::default()
        })
        .await;
    (hers, as_alice(world).await)
}

/// A product provisioned through the API with one tag (seeding takes no tags).
async fn provision_tagged(world: &World, name: &str, key: &str, value: &str) -> String {
    let out = world
        .sc
        .provision_product()
        .product_id("prod-taggedtagged1")
        .provisioning_artifact_id("pa-taggedtagged1")
        .provisioned_product_name(name)
        .tags(
            aws_sdk_servicecatalog::types::Tag::builder()
                .key(key)
                .value(value)
                .build()
                .expect("a tag"),
        )
        .provision_token(format!("tok-{name}"))
        .send()
        .await
        .expect("ProvisionProduct");
    let record = out.record_detail().expect("a record");
    world
        .wait_record(record.record_id().expect("a record id"))
        .await;
    record
        .provisioned_product_id()
        .expect("a provisioned product id")
        .to_owned()
}

/// A filter config (of `schema`, which holds the filters): every attribute null, then `pairs`.
fn filters_of(schema: &Schema, pairs: &[(&str, Value)]) -> Value {
    let mut v = schema.null_object();
    for (k, x) in pairs {
        v.set_attr(k, x.clone());
    }
    v
}

/// The filter attributes alone, as the list resource's config block.
fn filter_schema() -> Schema {
    with_filters(Schema::new())
}

/// One element of the data source's `provisioned_products` as the API reports the product
/// through the SDK (account-level search entry, and Describe's launch role).
async fn expected_product(world: &World, id: &str) -> Value {
    let live = world.live(id).await;
    let (found, detail) = (&live.search, &live.detail);
    let s = |v: Option<&str>| v.map_or(Value::Null, Value::string);
    let tags = found
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), Value::string(t.value())));
    Value::object([
        ("id", s(found.id())),
        ("name", s(found.name())),
        ("arn", s(found.arn())),
        ("type", s(found.r#type())),
        ("status", s(found.status().map(|s| s.as_str()))),
        ("status_message", s(found.status_message())),
        ("owner", s(found.user_arn())),
        ("owner_session", s(found.user_arn_session())),
        ("launch_role_arn", s(detail.launch_role_arn())),
        ("product_id", s(found.product_id())),
        ("product_name", s(found.product_name())),
        (
            "provisioning_artifact_id",
            s(found.provisioning_artifact_id()),
        ),
        (
            "provisioning_artifact_name",
            s(found.provisioning_artifact_name()),
        ),
        ("last_record_id", s(found.last_record_id())),
        ("tags", Value::Map(tags.collect())),
        (
            "created_time",
            s(found
                .created_time()
                .map(|t| t.fmt(Format::DateTime).expect("a formattable time"))
                .as_deref()),
        ),
    ])
}
