//! The list resource `servicecatalog_provisioned_product_properties`, driven as Terraform 1.16
//! drives `terraform query` (see `protocol::query` for the message shapes): its schema is the
//! data source's filters, bad filters are refused on their paths, ListResource streams every
//! product of a 250-product fleet with its identity, honours `limit`, sends objects (what an
//! import and a read make) only when asked, reports a refused listing as an error event, and
//! GenerateResourceConfig answers what a user would write (the layer's default, from the
//! state, is that already: the resource needs no hook of its own).

use std::collections::BTreeMap;

use servicecatalog_provider::data_sources::provisioned_products::ProvisionedProducts;
use servicecatalog_provider::resources::provisioned_product_properties::{
    ProvisionedProductProperties, TYPE_NAME,
};
use servicecatalog_provider::tfplugin::{proto, DataSource, ObjectExt, Resource, Type, Value};

use super::{alice, filter_schema, filters_of, provision_tagged, seed_fleet, seed_hers, start};
use crate::harness::plugin::{errors, path_of, undynamic, PluginClient, Typed};
use crate::harness::World;
use crate::protocol::assert_no_errors;

const PID: &str = "provisioned_product_id";
/// Far above any fleet here: Terraform's own default is 100.
const NO_LIMIT: i64 = 10_000;

/// The list resource: values are its `config` block.
fn list() -> Typed {
    Typed::new(TYPE_NAME, &filter_schema())
}

/// The managed resource, whose objects the list sends.
fn resource() -> Typed {
    Typed::new(TYPE_NAME, &ProvisionedProductProperties.schema())
}

fn config(pairs: &[(&str, Value)]) -> Value {
    filters_of(&filter_schema(), pairs)
}

fn identity_of(event: &proto::list_resource::Event) -> String {
    let identity = event
        .identity
        .as_ref()
        .expect("an object event has an identity");
    let v = undynamic(
        &identity.identity_data,
        &Type::object([(PID, Type::String)]),
    );
    v.str_attr(PID)
        .expect("a provisioned_product_id")
        .to_owned()
}

/// Every event of a listing; none may carry a diagnostic.
async fn listed(
    c: &mut PluginClient,
    pairs: &[(&str, Value)],
    include: bool,
    limit: i64,
) -> Vec<proto::list_resource::Event> {
    let events = c.list(&list(), &config(pairs), include, limit).await;
    for e in &events {
        assert!(e.diagnostic.is_empty(), "{:?}", e.diagnostic);
    }
    events
}

fn calls(world: &World, op: &str) -> u64 {
    world.emu().metrics().get(op).calls
}

#[tokio::test]
async fn the_schema_lists_the_list_resource_with_the_data_sources_filters() {
    let (world, mut c) = start().await;
    let schema = c.schema().await;
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    assert!(
        schema
            .server_capabilities
            .expect("capabilities")
            .generate_resource_config
    );
    let block = schema.list_resource_schemas[TYPE_NAME]
        .block
        .clone()
        .expect("a config block");
    assert!(!block.description.is_empty());
    let data = &schema.data_source_schemas["servicecatalog_provisioned_products"]
        .block
        .clone()
        .expect("the data source's block");
    let mut names = Vec::new();
    for a in &block.attributes {
        let shared = data
            .attributes
            .iter()
            .find(|d| d.name == a.name)
            .unwrap_or_else(|| panic!("{} is not a filter of the data source", a.name));
        assert_eq!(
            (&a.r#type, &a.description, a.optional, a.computed),
            (
                &shared.r#type,
                &shared.description,
                shared.optional,
                shared.computed
            ),
            "{}",
            a.name
        );
        names.push(a.name.as_str());
    }
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "access_level",
            "name",
            "owner",
            "product_id",
            "search_text",
            "status",
            "tags"
        ]
    );
    // Every filter of the data source (its other attributes are what it finds).
    let found = ProvisionedProducts.schema();
    assert_eq!(found.block.attributes.len(), names.len() + 2);

    let metadata = c
        .rpc
        .get_metadata(proto::get_metadata::Request {})
        .await
        .expect("GetMetadata answers")
        .into_inner();
    let types: Vec<&str> = metadata
        .list_resources
        .iter()
        .map(|l| l.type_name.as_str())
        .collect();
    assert_eq!(types, [TYPE_NAME]);
    world.finish().await;
}

#[tokio::test]
async fn validate_list_config_rejects_bad_filters_on_their_paths() {
    let (world, mut c) = start().await;
    let good = config(&[("status", Value::string("AVAILABLE"))]);
    let diags = c
        .validate_list(
            &list(),
            &good,
            Some(Value::Bool(true)),
            Some(Value::number(100)),
        )
        .await;
    assert!(diags.is_empty(), "{diags:?}");
    // Terraform may send values not known yet: they are checked once known.
    let unknown = config(&[("name", Value::Unknown)]);
    let diags = c
        .validate_list(
            &list(),
            &unknown,
            Some(Value::Unknown),
            Some(Value::Unknown),
        )
        .await;
    assert!(diags.is_empty(), "{diags:?}");

    let bad = config(&[
        ("status", Value::string("GONE")),
        ("access_level", Value::string("account")),
        ("tags", Value::map([("team", Value::string(" x"))])),
    ]);
    let diags = c.validate_list(&list(), &bad, None, None).await;
    let errs = errors(&diags);
    let mut paths: Vec<Vec<String>> = errs.iter().map(|d| path_of(d)).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            vec!["access_level".to_owned()],
            vec!["status".to_owned()],
            vec!["tags".to_owned(), "[\"team\"]".to_owned()],
        ],
        "{diags:?}"
    );
    for (path, value) in [("status", "\"GONE\""), ("access_level", "\"account\"")] {
        let d = errs.iter().find(|d| path_of(d) == [path]).unwrap();
        assert!(d.detail.contains(value), "{}", d.detail);
    }
    // Listing with it anyway is one error event, and nothing is searched.
    let before = calls(&world, "SearchProvisionedProducts");
    let events = c.list(&list(), &bad, false, 100).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(errors(&events[0].diagnostic).len(), 3);
    assert_eq!(calls(&world, "SearchProvisionedProducts"), before);
    world.finish().await;
}

#[tokio::test]
async fn a_fleet_of_250_is_streamed_with_identities_honouring_limit_and_objects_only_when_asked() {
    let (world, mut c) = start().await;
    let fleet = seed_fleet(&world, "lst", 250).await;
    let (search, describe, scan) = (
        calls(&world, "SearchProvisionedProducts"),
        calls(&world, "DescribeProvisionedProduct"),
        calls(&world, "ScanProvisionedProducts"),
    );

    // Identities and display names only: three search pages, nothing else.
    let events = listed(&mut c, &[], false, NO_LIMIT).await;
    let ids: Vec<String> = events.iter().map(identity_of).collect();
    assert_eq!(ids, fleet, "every product once, oldest first");
    assert!(events.iter().all(|e| e.resource_object.is_none()));
    assert_eq!(calls(&world, "SearchProvisionedProducts"), search + 3);
    assert_eq!(calls(&world, "DescribeProvisionedProduct"), describe);
    assert_eq!(calls(&world, "ScanProvisionedProducts"), scan);
    let owner = world.owner(&fleet[3]).await;
    assert_eq!(events[3].display_name, format!("lst-003 (owner {owner})"));

    // The limit: no more events, and no page beyond what they need.
    let search = calls(&world, "SearchProvisionedProducts");
    let events = listed(&mut c, &[], false, 30).await;
    assert_eq!(
        events.iter().map(identity_of).collect::<Vec<_>>(),
        fleet[..30]
    );
    assert_eq!(calls(&world, "SearchProvisionedProducts"), search + 1);
    let events = listed(&mut c, &[], false, 120).await;
    assert_eq!(events.len(), 120);
    assert_eq!(calls(&world, "SearchProvisionedProducts"), search + 3);

    // Objects when asked, at Terraform's default limit: the launch roles of 100 products of
    // 250 visible come from 13 scan pages, not 100 describes.
    let (describe, scan) = (
        calls(&world, "DescribeProvisionedProduct"),
        calls(&world, "ScanProvisionedProducts"),
    );
    let events = listed(&mut c, &[], true, 100).await;
    assert_eq!(
        events.iter().map(identity_of).collect::<Vec<_>>(),
        fleet[..100]
    );
    assert_eq!(calls(&world, "ScanProvisionedProducts"), scan + 13);
    assert_eq!(calls(&world, "DescribeProvisionedProduct"), describe);
    for (event, id) in events.iter().zip(&fleet) {
        let object = resource().value(&event.resource_object);
        let props = object
            .get("properties")
            .and_then(Value::as_map)
            .expect("properties");
        let mut expected = BTreeMap::from([("OWNER", Value::string(world.owner(id).await))]);
        if let Some(role) = world.launch_role(id).await {
            expected.insert("LAUNCH_ROLE", Value::string(role));
        }
        let expected: BTreeMap<String, Value> = expected
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(props, &expected, "{id}: the live values");
        assert_eq!(object.str_attr(PID), Some(id.as_str()));
    }
    world.finish().await;
}

/// The object of a listed product, as an import of it followed by a read makes it.
async fn import_then_read(c: &mut PluginClient, id: &str) -> Value {
    let imported = c
        .import(proto::import_resource_state::Request {
            type_name: TYPE_NAME.into(),
            id: id.into(),
            ..Default::default()
        })
        .await;
    assert_no_errors(&imported.diagnostics);
    let object = &imported.imported_resources[0];
    let state = resource().value(&object.state);
    let read = c.read(resource().read(&state, &object.private)).await;
    assert_no_errors(&read.diagnostics);
    resource().value(&read.new_state)
}

#[tokio::test]
async fn a_listed_object_is_what_an_import_and_a_read_make() {
    let (world, mut c) = start().await;
    let fleet = seed_fleet(&world, "obj", 6).await;
    let tagged = provision_tagged(&world, "obj-tagged", "team", "platform").await;
    let events = listed(&mut c, &[("search_text", Value::string("obj-"))], true, 100).await;
    let mut all = fleet.clone();
    all.push(tagged.clone());
    assert_eq!(events.iter().map(identity_of).collect::<Vec<_>>(), all);
    for (event, id) in events.iter().zip(&all) {
        let object = resource().value(&event.resource_object);
        assert_eq!(object, import_then_read(&mut c, id).await, "{id}");
    }
    // Only products with the tag, when filtered by it.
    let tags = Value::map([("team", Value::string("platform"))]);
    let events = listed(&mut c, &[("tags", tags)], false, 100).await;
    assert_eq!(events.iter().map(identity_of).collect::<Vec<_>>(), [tagged]);
    world.finish().await;
}

/// `-generate-config-out` asks GenerateResourceConfig with each listed object's state.
#[tokio::test]
async fn generated_config_is_what_a_user_writes() {
    let (world, mut c) = start().await;
    let fleet = seed_fleet(&world, "gen", 3).await;
    let events = listed(&mut c, &[("name", Value::string("gen-001"))], true, 100).await;
    let state = resource().value(&events[0].resource_object);
    let resp = c.generate_config(&resource(), &state).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let generated = resource().value(&resp.config);
    let owner = world.owner(&fleet[1]).await;
    let launch = world
        .launch_role(&fleet[1])
        .await
        .expect("obj-001 has a launch role");
    let written = ProvisionedProductProperties
        .schema()
        .null_object()
        .with_attr(PID, Value::string(fleet[1].clone()))
        .with_attr(
            "properties",
            Value::map([
                ("OWNER", Value::string(owner)),
                ("LAUNCH_ROLE", Value::string(launch)),
            ]),
        );
    assert_eq!(generated, written);
    // Terraform writes an argument for each non-null attribute: these two, nothing computed.
    let set: Vec<&String> = generated
        .as_map()
        .unwrap()
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k)
        .collect();
    assert_eq!(set, ["properties", PID]);
    world.finish().await;
}

#[tokio::test]
async fn a_refused_listing_is_an_error_event_not_a_dropped_stream() {
    let (world, _) = start().await;
    let (hers, mut c) = seed_hers(&world).await;
    // `list` reads the stream to its clean end: the error is an event, then the stream ends.
    let events = c.list(&list(), &config(&[]), false, 100).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].identity.is_none());
    let errs = errors(&events[0].diagnostic);
    assert_eq!(errs.len(), 1, "{:?}", events[0].diagnostic);
    assert_eq!(errs[0].summary, "Cannot list provisioned products");
    assert_eq!(path_of(errs[0]), ["access_level"]);
    assert!(
        errs[0].detail.contains("\"Role\" or \"User\""),
        "{}",
        errs[0].detail
    );

    let events = listed(
        &mut c,
        &[("access_level", Value::string("User"))],
        true,
        100,
    )
    .await;
    assert_eq!(events.iter().map(identity_of).collect::<Vec<_>>(), [hers]);
    assert_eq!(
        events[0].display_name,
        format!("alices (owner {})", alice())
    );
    world.finish().await;
}
