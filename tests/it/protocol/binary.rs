//! The provider binary driven the way Terraform drives it: launched with the magic cookie and a
//! client certificate made here, spoken to over mTLS with the tfplugin6 client stubs, against an
//! in-process emulator.

use std::time::Duration;

use servicecatalog_provider::emulator::{EmulatorConfig, RecordStatus, SeedProduct};
use servicecatalog_provider::provider::ServiceCatalogProvider;
use servicecatalog_provider::tfplugin::object::ObjectExt;
use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::{Provider, Schema, Value};

use super::assert_no_errors;
use crate::harness::hcl::RESOURCE_TYPE as RESOURCE;
use crate::harness::plugin::{errors, path_of, PluginClient, Typed};
use crate::harness::plugin_process::PluginProcess;
use crate::harness::sdk::role;
use crate::harness::World;

/// The binary, started as Terraform starts it, and a client over its mTLS connection.
async fn launch() -> (PluginProcess, PluginClient) {
    let process = PluginProcess::start().await.expect("provider starts");
    let client = PluginClient::over(process.channel());
    (process, client)
}

fn resource_schema() -> Schema {
    ServiceCatalogProvider
        .resources()
        .into_iter()
        .find(|r| r.type_name() == RESOURCE)
        .expect("resource registered")
        .schema()
}

/// The resource, typed.
fn resource() -> Typed {
    Typed::new(RESOURCE, &resource_schema())
}

fn config_for(product: &str, properties: Value) -> Value {
    resource_schema()
        .null_object()
        .with_attr("provisioned_product_id", product)
        .with_attr("properties", properties)
}

/// An emulator whose records take two minutes, a product on it, and the binary configured
/// against it: the provider then waits on any record it makes.
async fn slow_records(name: &str) -> (World, String, PluginProcess, PluginClient) {
    let world = World::with_config(EmulatorConfig {
        record_latency: Duration::from_secs(120),
        ..Default::default()
    })
    .await;
    let product = world
        .seed_with(SeedProduct {
            name: name.into(),
            ..Default::default()
        })
        .await;
    let (process, mut client) = launch().await;
    client.configure_for(&world).await;
    (world, product, process, client)
}

#[tokio::test]
async fn schema_round_trips_through_the_binary() {
    let (mut process, mut client) = launch().await;
    let resp = client.schema().await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert_eq!(
        resp.provider,
        Some(ServiceCatalogProvider.schema().to_proto()),
        "provider schema as declared"
    );
    assert_eq!(
        resp.resource_schemas.get(RESOURCE),
        Some(&resource_schema().to_proto()),
        "resource schema as declared"
    );
    let caps = resp.server_capabilities.expect("capabilities");
    assert!(caps.plan_destroy);
    process.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_plan_with_unknown_values_stays_unknown_where_it_must() {
    let world = World::start().await;
    let (mut process, mut client) = launch().await;
    client.configure_for(&world).await;

    // `properties` comes from another resource's output: unknown at plan time.
    let config = config_for("pp-abcdefghijklm", Value::Unknown);
    let resp = client
        .plan(resource().plan(&Value::Null, &config, &config))
        .await;
    assert_no_errors(&resp.diagnostics);
    let planned = resource().value(&resp.planned_state);
    assert_eq!(planned.get("properties"), Some(&Value::Unknown));
    assert_eq!(
        planned.get("id"),
        Some(&Value::string("pp-abcdefghijklm")),
        "the id is known from config"
    );
    for computed in ["record_id", "record_status", "original_properties"] {
        assert_eq!(planned.get(computed), Some(&Value::Unknown), "{computed}");
    }
    assert_eq!(planned.get("restore_on_destroy"), Some(&Value::Bool(false)));
    assert!(
        !resp.planned_private.is_empty(),
        "the idempotency token travels in planned private state"
    );
    assert!(
        world.emu().snapshot().records.is_empty(),
        "planning makes no change"
    );
    process.shutdown().await.expect("shutdown");
}

/// Plans the owner change of `product` and starts applying it in the background; returns once
/// the change is submitted (the provider then waits on its two-minute record).
async fn start_owner_change(
    world: &World,
    client: &mut PluginClient,
    product: &str,
) -> (
    Value,
    String,
    tokio::task::JoinHandle<
        Result<tonic::Response<proto::apply_resource_change::Response>, tonic::Status>,
    >,
) {
    let config = config_for(
        product,
        Value::map([("OWNER", Value::string(role("PlatformTeam")))]),
    );
    let planned = client
        .plan(resource().plan(&Value::Null, &config, &config))
        .await;
    let request = proto::apply_resource_change::Request {
        planned_identity: planned.planned_identity.clone(),
        ..resource().apply(
            &Value::Null,
            planned.planned_state.clone(),
            &config,
            planned.planned_private.clone(),
        )
    };
    let mut rpc = client.rpc.clone();
    let apply = tokio::spawn(async move { rpc.apply_resource_change(request).await });
    let record = loop {
        if let Some(r) = world.stored_change_records(product).into_iter().next() {
            break r.id;
        }
        assert!(!apply.is_finished(), "apply ended before changing anything");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    (config, record, apply)
}

#[tokio::test]
async fn stop_provider_cancels_an_in_flight_apply_while_the_server_keeps_answering() {
    let (world, product, mut process, mut client) = slow_records("stop").await;
    let (config, record, apply) = start_owner_change(&world, &mut client, &product).await;

    // The server still answers other calls during the wait.
    let schema = client.schema().await;
    assert!(schema.resource_schemas.contains_key(RESOURCE));

    client
        .rpc
        .stop_provider(proto::stop_provider::Request {})
        .await
        .expect("StopProvider");
    // Hang guard only: promptness is shown by the record still running afterwards.
    let resp = tokio::time::timeout(Duration::from_secs(60), apply)
        .await
        .expect("apply returns after StopProvider")
        .expect("apply task")
        .expect("ApplyResourceChange")
        .into_inner();
    let record_now = world
        .emu()
        .records_for(&product)
        .into_iter()
        .find(|r| r.id == record)
        .expect("record");
    assert!(
        !matches!(
            record_now.status,
            RecordStatus::Succeeded | RecordStatus::Failed
        ),
        "the wait stopped before the record finished"
    );
    let errs = errors(&resp.diagnostics);
    assert!(
        errs.iter().any(|d| d.detail.contains("cancelled")),
        "{errs:?}"
    );
    let state = resource().value(&resp.new_state);
    assert_eq!(
        state.get("record_id"),
        Some(&Value::string(&record)),
        "the record to look at is kept in state"
    );

    // Still serving after StopProvider, until Shutdown.
    let again = client.validate(&resource(), &config).await;
    assert!(errors(&again).is_empty(), "{again:?}");
    // Calls made after StopProvider get a fresh token: a read reaches the API and completes.
    let read = client
        .read(proto::read_resource::Request {
            type_name: RESOURCE.into(),
            current_state: resp.new_state.clone(),
            private: resp.private.clone(),
            current_identity: resp.new_identity.clone(),
            ..Default::default()
        })
        .await;
    assert_no_errors(&read.diagnostics);
    assert_eq!(
        resource().value(&read.new_state).get("record_id"),
        Some(&Value::string(&record))
    );
    let status = process.shutdown().await.expect("shutdown");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn a_ten_mib_request_is_accepted() {
    let (mut process, mut client) = launch().await;
    let huge = role(&"x".repeat(10 * 1024 * 1024));
    let config = config_for(
        "pp-abcdefghijklm",
        Value::map([("OWNER", Value::string(huge))]),
    );
    // A 10 MiB message is accepted, decoded and judged: the value is too long for the API.
    let diagnostics = client.validate(&resource(), &config).await;
    let errs = errors(&diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(path_of(errs[0]), ["properties", "[\"OWNER\"]"]);
    assert!(errs[0].detail.contains("1024"), "{}", errs[0].detail);
    process.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn shutdown_cancels_an_in_flight_apply_which_still_answers() {
    let (world, product, mut process, mut client) = slow_records("shutdown").await;
    let (_, _, apply) = start_owner_change(&world, &mut client, &product).await;

    let status = process.shutdown().await.expect("shutdown");
    assert!(status.success(), "{status:?}");
    // The call was cancelled and answered (a diagnostic), not cut off with the connection.
    let resp = apply
        .await
        .expect("apply task")
        .expect("ApplyResourceChange answered before the process exited")
        .into_inner();
    let errs = errors(&resp.diagnostics);
    assert!(
        errs.iter().any(|d| d.detail.contains("cancelled")),
        "{errs:?}"
    );
}
