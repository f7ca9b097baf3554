//! Protocol 6.11's `planned_private` with the real provider against an emulator: Terraform 1.16
//! plans a change again at apply time and hands that plan the first plan's private state, so
//! the idempotency token of `servicecatalog_provisioned_product_properties` that the change is
//! made with is the one the (saved) plan was made with. Terraform 1.11 sends nothing there and
//! each plan has its own token, as before.

use servicecatalog_provider::resources::provisioned_product_properties::{
    ProvisionedProductProperties, TYPE_NAME,
};
use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::{ObjectExt, Resource, Value};

use super::{assert_no_errors, seed_owned, start};
use crate::harness::plugin::{PluginClient, Typed};
use crate::harness::sdk::iam_arn;
use crate::harness::World;

fn resource() -> Typed {
    Typed::new(TYPE_NAME, &ProvisionedProductProperties.schema())
}

fn config(pid: &str, owner: &str) -> Value {
    ProvisionedProductProperties
        .schema()
        .null_object()
        .with_attr("provisioned_product_id", Value::string(pid))
        .with_attr("properties", Value::map([("OWNER", Value::string(owner))]))
}

/// The capabilities Terraform 1.16 sends with a plan.
fn terraform_1_16() -> Option<proto::ClientCapabilities> {
    Some(proto::ClientCapabilities {
        deferral_allowed: true,
        write_only_attributes_allowed: true,
        store_planned_private: true,
        computed_blocks_allowed: true,
    })
}

async fn plan(
    c: &mut PluginClient,
    config: &Value,
    caps: Option<proto::ClientCapabilities>,
    previous: Vec<u8>,
) -> proto::plan_resource_change::Response {
    let resp = c
        .plan(proto::plan_resource_change::Request {
            client_capabilities: caps,
            planned_private: previous,
            ..resource().plan(&Value::Null, config, config)
        })
        .await;
    assert_no_errors(&resp.diagnostics);
    resp
}

async fn apply(c: &mut PluginClient, config: &Value, plan: proto::plan_resource_change::Response) {
    let resp = c
        .apply(proto::apply_resource_change::Request {
            planned_identity: plan.planned_identity,
            ..resource().apply(
                &Value::Null,
                plan.planned_state,
                config,
                plan.planned_private,
            )
        })
        .await;
    assert_no_errors(&resp.diagnostics);
}

/// Whether `token` is among the values of a planned private state.
fn carries(planned_private: &[u8], token: &str) -> bool {
    let json: serde_json::Value = serde_json::from_slice(planned_private).unwrap();
    json.as_object().unwrap().values().any(|v| v == token)
}

/// The idempotency token the one change of `pid` was made with (the emulator remembers each
/// token with the record it made).
fn change_token(world: &World, pid: &str) -> String {
    let records = world.stored_change_records(pid);
    assert_eq!(records.len(), 1, "one change");
    let key = world
        .emu()
        .snapshot()
        .tokens
        .into_iter()
        .find(|(_, used)| used.record_id == records[0].id)
        .map(|(key, _)| key)
        .expect("the change's token is remembered");
    let (_, token) = key
        .split_once('/')
        .expect("tokens are kept by operation/token");
    token.to_owned()
}

#[tokio::test]
async fn the_change_is_made_with_the_token_of_the_first_plan() {
    let (world, mut c) = start().await;
    let pid = seed_owned(&world, "replan-token").await;
    let config = config(&pid, &iam_arn("user", "dora"));
    // terraform plan -out=saved
    let first = plan(&mut c, &config, terraform_1_16(), Vec::new()).await;
    // terraform apply saved: the change is planned again, with the saved plan's private state
    let again = plan(
        &mut c,
        &config,
        terraform_1_16(),
        first.planned_private.clone(),
    )
    .await;
    assert_eq!(again.planned_private, first.planned_private);
    apply(&mut c, &config, again).await;
    assert!(carries(&first.planned_private, &change_token(&world, &pid)));
}

#[tokio::test]
async fn terraform_before_1_16_makes_a_token_per_plan_as_before() {
    let (world, mut c) = start().await;
    let pid = seed_owned(&world, "replan-old").await;
    let config = config(&pid, &iam_arn("user", "erin"));
    let first = plan(&mut c, &config, None, Vec::new()).await;
    let again = plan(&mut c, &config, None, Vec::new()).await;
    assert_ne!(again.planned_private, first.planned_private);
    let planned = again.planned_private.clone();
    apply(&mut c, &config, again).await;
    let token = change_token(&world, &pid);
    assert!(carries(&planned, &token));
    assert!(!carries(&first.planned_private, &token));
}
