//! The provider binary driven the way Terraform drives it: launched with the magic cookie and a
//! client certificate made here, spoken to over mTLS with the tfplugin6 client stubs, against an
//! in-process emulator.

#[path = "support/plugin.rs"]
mod plugin;
#[path = "support/tfplugin.rs"]
mod tfplugin_support;

use std::time::Duration;

use plugin::PluginProcess;
use servicecatalog_provider::emulator::{
    Emulator, EmulatorConfig, RecordStatus, RunningEmulator, SeedProduct,
};
use servicecatalog_provider::provider::ServiceCatalogProvider;
use servicecatalog_provider::tfplugin::object::ObjectExt;
use servicecatalog_provider::tfplugin::proto::{self, provider_client::ProviderClient};
use servicecatalog_provider::tfplugin::{Provider, Schema, Value, MAX_MESSAGE_SIZE};
use tfplugin_support::{dynamic, errors, path_of, undynamic};
use tonic::transport::Channel;

const RESOURCE: &str = "servicecatalog_provisioned_product_properties";
const OWNER: &str = "arn:aws:iam::123456789012:role/PlatformTeam";

async fn launch() -> (PluginProcess, ProviderClient<Channel>) {
    let process = PluginProcess::start().await.expect("provider starts");
    let client = ProviderClient::new(process.channel())
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
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

async fn configure(client: &mut ProviderClient<Channel>, emulator: &RunningEmulator) {
    let schema = ServiceCatalogProvider.schema();
    let config = schema
        .null_object()
        .with_attr("endpoint", emulator.endpoint_url())
        .with_attr("region", "us-east-1")
        .with_attr("access_key", "AKIDPROTOCOL")
        .with_attr("secret_key", "protocol-secret");
    let resp = client
        .configure_provider(proto::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dynamic(&config, &schema.implied_type()),
            client_capabilities: None,
        })
        .await
        .expect("ConfigureProvider")
        .into_inner();
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
}

fn config_for(product: &str, properties: Value) -> Value {
    resource_schema()
        .null_object()
        .with_attr("provisioned_product_id", product)
        .with_attr("properties", properties)
}

async fn plan(
    client: &mut ProviderClient<Channel>,
    config: &Value,
) -> proto::plan_resource_change::Response {
    let ty = resource_schema().implied_type();
    client
        .plan_resource_change(proto::plan_resource_change::Request {
            type_name: RESOURCE.into(),
            prior_state: dynamic(&Value::Null, &ty),
            proposed_new_state: dynamic(config, &ty),
            config: dynamic(config, &ty),
            prior_private: Vec::new(),
            provider_meta: None,
            client_capabilities: None,
            prior_identity: None,
        })
        .await
        .expect("PlanResourceChange")
        .into_inner()
}

#[tokio::test]
async fn schema_round_trips_through_the_binary() {
    let (mut process, mut client) = launch().await;
    let resp = client
        .get_provider_schema(proto::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
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
    let emulator = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator");
    let (mut process, mut client) = launch().await;
    configure(&mut client, &emulator).await;

    // `properties` comes from another resource's output: unknown at plan time.
    let config = config_for("pp-abcdefghijklm", Value::Unknown);
    let resp = plan(&mut client, &config).await;
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    let planned = undynamic(&resp.planned_state, &resource_schema().implied_type());
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
        emulator.snapshot().records.is_empty(),
        "planning makes no change"
    );
    process.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn stop_provider_cancels_an_in_flight_apply_while_the_server_keeps_answering() {
    let emulator = Emulator::start(EmulatorConfig {
        record_latency: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .expect("emulator");
    let product = emulator
        .seed_provisioned_product(SeedProduct {
            name: "stop".into(),
            ..Default::default()
        })
        .await
        .expect("seed");
    let (mut process, mut client) = launch().await;
    configure(&mut client, &emulator).await;

    let ty = resource_schema().implied_type();
    let config = config_for(&product.id, Value::map([("OWNER", Value::string(OWNER))]));
    let planned = plan(&mut client, &config).await;
    let mut apply_client = client.clone();
    let request = proto::apply_resource_change::Request {
        type_name: RESOURCE.into(),
        prior_state: dynamic(&Value::Null, &ty),
        planned_state: planned.planned_state.clone(),
        config: dynamic(&config, &ty),
        planned_private: planned.planned_private.clone(),
        provider_meta: None,
        planned_identity: planned.planned_identity.clone(),
    };
    let apply = tokio::spawn(async move { apply_client.apply_resource_change(request).await });

    // Wait until the change is submitted: the provider now waits on a 2-minute record.
    let record = loop {
        if let Some(r) = emulator
            .records_for(&product.id)
            .into_iter()
            .find(|r| r.record_type == "UPDATE_PROVISIONED_PRODUCT_PROPERTIES")
        {
            break r;
        }
        assert!(!apply.is_finished(), "apply ended before changing anything");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // The server still answers other calls during the wait.
    let schema = client
        .get_provider_schema(proto::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema during an apply");
    assert!(schema.into_inner().resource_schemas.contains_key(RESOURCE));

    client
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
    let record_now = emulator
        .records_for(&product.id)
        .into_iter()
        .find(|r| r.id == record.id)
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
    let state = undynamic(&resp.new_state, &ty);
    assert_eq!(
        state.get("record_id"),
        Some(&Value::string(&record.id)),
        "the record to look at is kept in state"
    );

    // Still serving after StopProvider, until Shutdown.
    let again = client
        .validate_resource_config(proto::validate_resource_config::Request {
            type_name: RESOURCE.into(),
            config: dynamic(&config, &ty),
            client_capabilities: None,
        })
        .await
        .expect("ValidateResourceConfig after StopProvider");
    assert!(errors(&again.into_inner().diagnostics).is_empty());
    // Calls made after StopProvider get a fresh token: a read reaches the API and completes.
    let read = client
        .read_resource(proto::read_resource::Request {
            type_name: RESOURCE.into(),
            current_state: resp.new_state.clone(),
            private: resp.private.clone(),
            current_identity: resp.new_identity.clone(),
            ..Default::default()
        })
        .await
        .expect("ReadResource after StopProvider")
        .into_inner();
    assert!(
        errors(&read.diagnostics).is_empty(),
        "{:?}",
        read.diagnostics
    );
    assert_eq!(
        undynamic(&read.new_state, &ty).get("record_id"),
        Some(&Value::string(&record.id))
    );
    let status = process.shutdown().await.expect("shutdown");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn a_ten_mib_request_is_accepted() {
    let (mut process, mut client) = launch().await;
    let ty = resource_schema().implied_type();
    let huge = format!(
        "arn:aws:iam::123456789012:role/{}",
        "x".repeat(10 * 1024 * 1024)
    );
    let config = config_for(
        "pp-abcdefghijklm",
        Value::map([("OWNER", Value::string(huge))]),
    );
    let resp = client
        .validate_resource_config(proto::validate_resource_config::Request {
            type_name: RESOURCE.into(),
            config: dynamic(&config, &ty),
            client_capabilities: None,
        })
        .await
        .expect("a 10 MiB message is accepted")
        .into_inner();
    // It was decoded and judged: the value is too long for the API.
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(path_of(errs[0]), ["properties", "[\"OWNER\"]"]);
    assert!(errs[0].detail.contains("1024"), "{}", errs[0].detail);
    process.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn shutdown_cancels_an_in_flight_apply_which_still_answers() {
    let emulator = Emulator::start(EmulatorConfig {
        record_latency: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .expect("emulator");
    let product = emulator
        .seed_provisioned_product(SeedProduct {
            name: "shutdown".into(),
            ..Default::default()
        })
        .await
        .expect("seed");
    let (mut process, mut client) = launch().await;
    configure(&mut client, &emulator).await;

    let ty = resource_schema().implied_type();
    let config = config_for(&product.id, Value::map([("OWNER", Value::string(OWNER))]));
    let planned = plan(&mut client, &config).await;
    let mut apply_client = client.clone();
    let request = proto::apply_resource_change::Request {
        type_name: RESOURCE.into(),
        prior_state: dynamic(&Value::Null, &ty),
        planned_state: planned.planned_state.clone(),
        config: dynamic(&config, &ty),
        planned_private: planned.planned_private.clone(),
        provider_meta: None,
        planned_identity: planned.planned_identity.clone(),
    };
    let apply = tokio::spawn(async move { apply_client.apply_resource_change(request).await });
    while !emulator
        .records_for(&product.id)
        .iter()
        .any(|r| r.record_type == "UPDATE_PROVISIONED_PRODUCT_PROPERTIES")
    {
        assert!(!apply.is_finished(), "apply ended before changing anything");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

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
