//! Shared harness for the identity and data source tests: an in-process emulator, the real
//! `ServiceCatalogProvider` served over gRPC and configured against it, and an SDK client for
//! checking what the emulator itself reports. Include after `support/tfplugin.rs`:
//! `#[path = "support/identity.rs"] mod identity_support;`.
#![allow(dead_code)]

use aws_credential_types::Credentials;
use aws_sdk_servicecatalog::config::{BehaviorVersion, Region};
use servicecatalog_provider::emulator::{Emulator, EmulatorConfig, RunningEmulator, SeedProduct};
use servicecatalog_provider::provider::ServiceCatalogProvider;
use servicecatalog_provider::tfplugin::proto::{self, provider_client::ProviderClient};
use servicecatalog_provider::tfplugin::{ObjectExt, Provider, Value};
use tonic::transport::Channel;

use crate::tfplugin_support::{dynamic, errors, serve};

pub const ACCOUNT: &str = "123456789012";
pub const ACCESS_KEY: &str = "AKIDADMIN";

/// An IAM ARN in the emulator's account, e.g. `iam_arn("role", "Launch")`.
pub fn iam_arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}")
}

/// A running emulator and the provider configured against it.
pub struct Env {
    pub emu: RunningEmulator,
    pub client: ProviderClient<Channel>,
    pub sdk: aws_sdk_servicecatalog::Client,
}

impl Env {
    pub async fn start() -> Env {
        let emu = Emulator::start(EmulatorConfig::default())
            .await
            .expect("emulator starts");
        let mut client = serve(ServiceCatalogProvider).await;
        let schema = ServiceCatalogProvider.schema();
        let config = schema
            .null_object()
            .with_attr("endpoint", Value::string(emu.endpoint_url()))
            .with_attr("region", Value::string("us-east-1"))
            .with_attr("access_key", Value::string(ACCESS_KEY))
            .with_attr("secret_key", Value::string("secret"))
            .with_attr("max_retries", Value::number(0));
        let resp = client
            .configure_provider(proto::configure_provider::Request {
                terraform_version: "1.12.0".into(),
                config: dynamic(&config, &schema.implied_type()),
                client_capabilities: None,
            })
            .await
            .expect("ConfigureProvider answers")
            .into_inner();
        assert!(
            errors(&resp.diagnostics).is_empty(),
            "{:?}",
            resp.diagnostics
        );
        let sdk = aws_sdk_servicecatalog::Client::from_conf(
            aws_sdk_servicecatalog::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .endpoint_url(emu.endpoint_url())
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new(ACCESS_KEY, "secret", None, None, "tests"))
                .build(),
        );
        Env { emu, client, sdk }
    }

    /// Seeds an `AVAILABLE` product named `name` with an owner and a launch role; returns its id.
    pub async fn seed(&self, name: &str) -> String {
        let seed = SeedProduct {
            name: name.to_owned(),
            owner_arn: Some(iam_arn("user", &format!("owner-{name}"))),
            launch_role_arn: Some(iam_arn("role", &format!("launch-{name}"))),
            ..Default::default()
        };
        self.emu
            .seed_provisioned_product(seed)
            .await
            .expect("seed product")
            .id
    }
}
