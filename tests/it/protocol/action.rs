//! The action `servicecatalog_update_provisioned_product_properties`, driven as Terraform 1.14+
//! drives `terraform apply -invoke` (ValidateActionConfig, PlanAction, then the InvokeAction
//! stream), through the real provider over in-process gRPC against an emulator: bad input is
//! refused on its attribute before anything is sent, a fleet by owner or by ids gets the values
//! under a rate limit, failed records are one error each, an interrupt stops sending and says
//! what is left, and invoking again finishes the rest with no second record for any product.

use std::collections::BTreeMap;
use std::time::Duration;

use servicecatalog_provider::actions::update_provisioned_product_properties::{
    UpdateProvisionedProductProperties, TYPE_NAME,
};
use servicecatalog_provider::emulator::{
    EmulatorConfig, Faults, RateLimit, RecordStatus, SeedProduct,
};
use servicecatalog_provider::provider::ServiceCatalogProvider;
use servicecatalog_provider::tfplugin::{proto, Action, ObjectExt, Provider, Value};

use super::{assert_no_errors, stop_provider};
use crate::harness::plugin::{errors, invoked, path_of, PluginClient, Typed};
use crate::harness::sdk::{role, user, ACCESS_KEY, REGION, SECRET_KEY};
use crate::harness::World;

const UPDATE: &str = "UpdateProvisionedProductProperties";

fn action() -> Typed {
    Typed::new(TYPE_NAME, &UpdateProvisionedProductProperties.schema())
}

/// A config: every attribute null, then `pairs`.
fn config(pairs: &[(&str, Value)]) -> Value {
    let mut v = UpdateProvisionedProductProperties.schema().null_object();
    for (k, x) in pairs {
        v.set_attr(k, x.clone());
    }
    v
}

fn owner_to(arn: &str) -> (&'static str, Value) {
    (
        "properties",
        Value::Map(BTreeMap::from([("OWNER".to_owned(), Value::string(arn))])),
    )
}

fn ids(ids: &[String]) -> (&'static str, Value) {
    let set = ids.iter().map(|id| Value::string(id.as_str())).collect();
    ("provisioned_product_ids", Value::Set(set))
}

/// A `filter` block with `pairs` set (the rest null).
fn filter(pairs: &[(&str, Value)]) -> (&'static str, Value) {
    let schema = UpdateProvisionedProductProperties.schema();
    let block = &schema
        .block
        .nested_block("filter")
        .expect("a filter block")
        .block;
    let mut v = block.null_object();
    for (k, x) in pairs {
        v.set_attr(k, x.clone());
    }
    ("filter", v)
}

/// Validate, plan and invoke, as Terraform does; the first two must pass.
async fn invoke(c: &mut PluginClient, config: &Value) -> (Vec<String>, Vec<proto::Diagnostic>) {
    assert_no_errors(&c.validate_action(&action(), config).await);
    assert_no_errors(&c.plan_action(&action(), config).await);
    invoked(c.invoke_stream(&action(), config).await).await
}

/// The real provider for `world` with the default retries, as users run it (the harness's
/// usual client allows none, which no fleet under a rate limit gets through).
async fn with_default_retries(world: &World) -> PluginClient {
    let mut c = PluginClient::serve(ServiceCatalogProvider).await;
    let schema = ServiceCatalogProvider.schema();
    let config = schema
        .null_object()
        .with_attr("endpoint", Value::string(world.endpoint()))
        .with_attr("region", Value::string(REGION))
        .with_attr("access_key", Value::string(ACCESS_KEY))
        .with_attr("secret_key", Value::string(SECRET_KEY));
    assert_no_errors(&c.configure(&schema, &config).await);
    c
}

fn succeeded_records(world: &World, id: &str) -> usize {
    world
        .stored_change_records(id)
        .into_iter()
        .filter(|r| r.status == RecordStatus::Succeeded)
        .count()
}

/// The message that says what was found.
fn found(progress: &[String]) -> Option<&str> {
    progress
        .iter()
        .map(String::as_str)
        .find(|m| m.starts_with("found "))
}

fn rate_limited(per_second: f64) -> Faults {
    Faults {
        rate_limits: BTreeMap::from([(
            UPDATE.to_owned(),
            RateLimit {
                per_second,
                burst: Some(per_second as u32),
            },
        )]),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_schema_and_metadata_offer_the_action() {
    let world = World::start().await;
    let mut c = PluginClient::configured(&world).await;
    let schema = c.schema().await;
    assert_no_errors(&schema.diagnostics);
    let block = schema.action_schemas[TYPE_NAME]
        .schema
        .as_ref()
        .and_then(|s| s.block.as_ref())
        .expect("the action's config block");
    let attr = |name: &str| {
        block
            .attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("attribute {name}"))
    };
    assert!(attr("properties").required);
    assert!(attr("provisioned_product_ids").optional);
    let filter = block
        .block_types
        .iter()
        .find(|b| b.type_name == "filter")
        .expect("a filter block");
    let mut names: Vec<&str> = filter
        .block
        .as_ref()
        .expect("its block")
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    names.sort();
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
    let metadata = c
        .rpc
        .get_metadata(proto::get_metadata::Request {})
        .await
        .expect("GetMetadata answers")
        .into_inner();
    let actions: Vec<&str> = metadata
        .actions
        .iter()
        .map(|a| a.type_name.as_str())
        .collect();
    assert_eq!(actions, [TYPE_NAME]);
    world.finish().await;
}

#[tokio::test]
async fn bad_input_is_refused_on_its_attribute_before_anything_is_sent() {
    let world = World::start().await;
    let id = world.seed("bad-input").await;
    let mut c = PluginClient::configured(&world).await;
    let before = world.metrics();
    let new_owner = user("bob");
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "neither selection",
            config(&[owner_to(&new_owner)]),
            "provisioned_product_ids",
            "neither is set",
        ),
        (
            "both selections",
            config(&[
                ids(std::slice::from_ref(&id)),
                filter(&[("name", Value::string("bad-input"))]),
                owner_to(&new_owner),
            ]),
            "filter",
            "not both",
        ),
        (
            "an empty filter",
            config(&[filter(&[]), owner_to(&new_owner)]),
            "filter",
            "every provisioned product of the account",
        ),
        (
            "an unknown property key",
            config(&[
                ids(std::slice::from_ref(&id)),
                (
                    "properties",
                    Value::Map(BTreeMap::from([(
                        "COLOUR".to_owned(),
                        Value::string("blue"),
                    )])),
                ),
            ]),
            "properties",
            "\"COLOUR\"",
        ),
        (
            "a malformed OWNER",
            config(&[
                ids(std::slice::from_ref(&id)),
                owner_to("arn:aws:iam::12:user/x"),
            ]),
            "properties",
            "arn:aws:iam::12:user/x",
        ),
        (
            "a bad product id",
            config(&[ids(&["pp bad".to_owned()]), owner_to(&new_owner)]),
            "provisioned_product_ids",
            "pp bad",
        ),
        (
            "a bad owner filter",
            config(&[
                filter(&[("owner", Value::string("alice"))]),
                owner_to(&new_owner),
            ]),
            "filter",
            "\"alice\"",
        ),
    ];
    for (what, config, path, quoted) in cases {
        let diags = c.validate_action(&action(), &config).await;
        let errs = errors(&diags);
        assert_eq!(errs.len(), 1, "{what}: {diags:?}");
        assert_eq!(
            path_of(errs[0]).first().map(String::as_str),
            Some(path),
            "{what}: {diags:?}"
        );
        assert!(
            errs[0].detail.contains(quoted),
            "{what}: the error names {quoted}: {}",
            errs[0].detail
        );
        // Invoked anyway (Terraform would not), it is refused the same way and sends nothing.
        let (progress, completed) = invoked(c.invoke_stream(&action(), &config).await).await;
        assert!(progress.is_empty(), "{what}: {progress:?}");
        assert_eq!(errors(&completed).len(), 1, "{what}: {completed:?}");
    }
    let after = world.metrics();
    for op in [
        UPDATE,
        "SearchProvisionedProducts",
        "DescribeProvisionedProduct",
    ] {
        assert_eq!(
            after.get(op).calls,
            before.get(op).calls,
            "{op}: nothing is sent for bad input"
        );
    }
    world.finish().await;
}

#[tokio::test]
async fn a_persons_products_by_owner_go_to_the_platform_role_under_a_rate_limit() {
    let world = World::with_config(EmulatorConfig {
        record_latency: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let (alice, platform) = (user("alice"), role("Platform"));
    let mut hers = Vec::new();
    for n in 0..40 {
        hers.push(
            world
                .seed_with(SeedProduct {
                    name: format!("alice-{n}"),
                    owner_arn: Some(alice.clone()),
                    ..Default::default()
                })
                .await,
        );
    }
    let others = world.seed_many("others", 5).await;
    world.set_faults(rate_limited(10.0));
    let mut c = with_default_retries(&world).await;
    let cfg = config(&[
        filter(&[("owner", Value::string(alice.as_str()))]),
        owner_to(&platform),
    ]);
    let (progress, completed) = invoke(&mut c, &cfg).await;
    assert_no_errors(&completed);
    assert_eq!(
        found(&progress),
        Some("found 40 products, 40 to change, 0 already set")
    );
    assert_eq!(
        progress.last().map(String::as_str),
        Some("done: 40 changed, 0 already set, 0 failed")
    );
    // A message at every tenth at least (the last is the summary), each "changed N of 40" with N
    // never going down.
    let counts: Vec<usize> = progress
        .iter()
        .filter_map(|m| m.strip_prefix("changed "))
        .map(|m| {
            m.split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a count")
        })
        .collect();
    assert!(counts.len() >= 9, "{progress:?}");
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    for id in &hers {
        assert_eq!(world.owner(id).await, platform);
        assert_eq!(world.stored_change_records(id).len(), 1, "{id}: one record");
    }
    for id in &others {
        assert!(world.stored_change_records(id).is_empty(), "{id}: not hers");
    }
    assert!(
        world.metrics().get(UPDATE).throttled > 0,
        "the rate limit was reached, so pacing was exercised"
    );

    // Invoked again (by ids now): everything is already set, and nothing is sent.
    let before = world.metrics().get(UPDATE).calls;
    let (progress, completed) = invoke(&mut c, &config(&[ids(&hers), owner_to(&platform)])).await;
    assert_no_errors(&completed);
    assert_eq!(
        found(&progress),
        Some("found 40 products, 0 to change, 40 already set")
    );
    assert_eq!(world.metrics().get(UPDATE).calls, before);
    world.finish().await;
}

#[tokio::test]
async fn failed_records_are_one_error_each_and_a_second_invoke_finishes_the_rest() {
    let world = World::start().await;
    let fleet = world.seed_many("failing", 12).await;
    let failing = [fleet[2].clone(), fleet[9].clone()];
    world.set_faults(Faults {
        fail_provisioned_products: failing.iter().cloned().collect(),
        ..Default::default()
    });
    let mut c = PluginClient::configured(&world).await;
    let cfg = config(&[
        ids(&fleet),
        (
            "properties",
            Value::Map(BTreeMap::from([
                ("OWNER".to_owned(), Value::string(role("TeamB"))),
                ("LAUNCH_ROLE".to_owned(), Value::string(role("TeamBLaunch"))),
            ])),
        ),
    ]);
    let (progress, completed) = invoke(&mut c, &cfg).await;
    let errs = errors(&completed);
    assert_eq!(
        errs.len(),
        3,
        "one per failed product and the summary: {completed:?}"
    );
    for id in &failing {
        let e = errs
            .iter()
            .find(|d| d.summary == format!("Cannot change provisioned product {id}"))
            .unwrap_or_else(|| panic!("an error for {id}: {completed:?}"));
        assert!(e.detail.contains("FAILED"), "{}", e.detail);
    }
    let summary = errs.last().expect("the summary");
    assert_eq!(summary.summary, "Hand-over incomplete");
    assert!(
        summary.detail.starts_with(
            "10 of the 12 products found were changed and 0 were already set; 2 failed."
        ),
        "{}",
        summary.detail
    );
    assert_eq!(
        progress.last().map(String::as_str),
        Some("done: 10 changed, 0 already set, 2 failed")
    );

    world.set_faults(Faults::default());
    let (progress, completed) = invoke(&mut c, &cfg).await;
    assert_no_errors(&completed);
    assert_eq!(
        found(&progress),
        Some("found 12 products, 2 to change, 10 already set")
    );
    for id in &fleet {
        assert_eq!(
            succeeded_records(&world, id),
            1,
            "{id}: one successful record"
        );
        assert_eq!(world.owner(id).await, role("TeamB"));
        assert_eq!(world.launch_role(id).await, Some(role("TeamBLaunch")));
    }
    world.finish().await;
}

#[tokio::test]
async fn an_interrupt_stops_sending_says_what_is_left_and_invoking_again_finishes() {
    let world = World::with_config(EmulatorConfig {
        record_latency: Duration::from_millis(1_500),
        ..Default::default()
    })
    .await;
    let fleet = world.seed_many("interrupted", 40).await;
    // A few changes a second: the stop comes when some have been sent.
    world.set_faults(rate_limited(4.0));
    let mut c = with_default_retries(&world).await;
    let cfg = config(&[ids(&fleet), owner_to(&role("TeamB"))]);
    assert_no_errors(&c.validate_action(&action(), &cfg).await);
    let mut stream = c.invoke_stream(&action(), &cfg).await;
    let first = stream
        .message()
        .await
        .expect("a clean stream")
        .expect("an event");
    assert!(
        matches!(
            first.r#type,
            Some(proto::invoke_action::event::Type::Progress(_))
        ),
        "{first:?}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop_provider(&mut c).await;
    let (_, completed) = invoked(stream).await;
    let errs = errors(&completed);
    let summary = errs.last().expect("an error says it was interrupted");
    assert_eq!(summary.summary, "Hand-over interrupted", "{completed:?}");
    assert!(
        summary.detail.contains("were not started"),
        "{}",
        summary.detail
    );
    assert!(
        summary.detail.contains("Invoke the action again"),
        "{}",
        summary.detail
    );
    let sent: Vec<&String> = fleet
        .iter()
        .filter(|id| !world.stored_change_records(id).is_empty())
        .collect();
    assert!(
        !sent.is_empty() && sent.len() < fleet.len(),
        "{} sent",
        sent.len()
    );

    world.set_faults(Faults::default());
    let (progress, completed) = invoke(&mut c, &cfg).await;
    assert_no_errors(&completed);
    assert_eq!(
        found(&progress),
        Some(
            format!(
                "found 40 products, {} to change, {} already set",
                40 - sent.len(),
                sent.len()
            )
            .as_str()
        )
    );
    for id in &fleet {
        assert_eq!(world.stored_change_records(id).len(), 1, "{id}: one record");
        assert_eq!(world.owner(id).await, role("TeamB"));
    }
    world.finish().await;
}
