//! The provider's protocol surface: the tfplugin6 layer with a toy provider, protocol 6.10/6.11
//! (list resources, generated config, deprecations, planned private state) with another, every
//! RPC the provider does not offer, a typed resource with every hook (state and identity
//! upgrades), resource identity, the data source and the hand-over action over in-process gRPC
//! against an emulator, the built binary as Terraform launches it (go-plugin handshake,
//! AutoMTLS, signals, logs), and the msgpack codec's goldens. The helpers here serve them all;
//! [`toys`] builds the toy providers.

mod action;
mod binary;
mod codec;
mod data_source;
mod host;
mod identity;
mod listing;
mod planned_private;
mod query;
mod tfplugin;
mod toys;
mod unsupported;
mod upgrade;

use servicecatalog_provider::emulator::SeedProduct;
use servicecatalog_provider::tfplugin::proto;

use crate::harness::plugin::{errors, PluginClient};
use crate::harness::sdk::iam_arn;
use crate::harness::World;

/// An emulator and the real provider, served in-process and configured against it.
async fn start() -> (World, PluginClient) {
    let world = World::start().await;
    let client = PluginClient::configured(&world).await;
    (world, client)
}

/// An `AVAILABLE` product named `name` with a known owner (`user/owner-<name>`) and launch role
/// (`role/launch-<name>`), so reads have something to show.
async fn seed_owned(world: &World, name: &str) -> String {
    world
        .seed_with(SeedProduct {
            name: name.to_owned(),
            owner_arn: Some(iam_arn("user", &format!("owner-{name}"))),
            launch_role_arn: Some(iam_arn("role", &format!("launch-{name}"))),
            ..Default::default()
        })
        .await
}

/// Fails (naming them all) when `diagnostics` hold an error; warnings are allowed.
#[track_caller]
fn assert_no_errors(diagnostics: &[proto::Diagnostic]) {
    assert!(errors(diagnostics).is_empty(), "{diagnostics:?}");
}

/// `StopProvider`, as Terraform sends it on Ctrl-C.
async fn stop_provider(c: &mut PluginClient) -> proto::stop_provider::Response {
    c.rpc
        .stop_provider(proto::stop_provider::Request {})
        .await
        .expect("StopProvider answers")
        .into_inner()
}

/// `GetResourceIdentitySchemas`.
async fn identity_schemas(c: &mut PluginClient) -> proto::get_resource_identity_schemas::Response {
    c.rpc
        .get_resource_identity_schemas(proto::get_resource_identity_schemas::Request {})
        .await
        .expect("GetResourceIdentitySchemas answers")
        .into_inner()
}
