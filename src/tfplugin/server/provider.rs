//! The provider as a whole: GetMetadata, GetProviderSchema, ValidateProviderConfig,
//! ConfigureProvider and StopProvider.

use std::sync::Arc;

use async_trait::async_trait;

use super::super::diag::{Diagnostic, Diagnostics};
use super::super::private::PrivateState;
use super::super::proto;
use super::super::provider::{ConfigureRequest, Provider};
use super::super::value::Value;
use super::adapter::{Cx, Query, Rpc};
use super::{codec, guarded, validate, Server};

fn capabilities() -> proto::ServerCapabilities {
    proto::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
    }
}

impl<P: Provider> Query<P> for proto::get_metadata::Request {
    const NAME: &'static str = "GetMetadata";
    type Answer = proto::get_metadata::Response;

    fn answer(&self, server: &Server<P>, _: &mut Diagnostics) -> Self::Answer {
        use proto::get_metadata::{DataSourceMetadata, ResourceMetadata};
        let data_sources = server.data_sources.keys().cloned();
        let resources = server.resources.keys().cloned();
        Self::Answer {
            server_capabilities: Some(capabilities()),
            data_sources: data_sources
                .map(|type_name| DataSourceMetadata { type_name })
                .collect(),
            resources: resources
                .map(|type_name| ResourceMetadata { type_name })
                .collect(),
            ..Default::default()
        }
    }
}

impl<P: Provider> Query<P> for proto::get_provider_schema::Request {
    const NAME: &'static str = "GetProviderSchema";
    type Answer = proto::get_provider_schema::Response;

    fn answer(&self, server: &Server<P>, diags: &mut Diagnostics) -> Self::Answer {
        diags.extend(schema_problems(server));
        Self::Answer {
            provider: Some(server.provider_schema.to_proto()),
            resource_schemas: server
                .resources
                .iter()
                .map(|(n, e)| (n.clone(), e.schema.to_proto()))
                .collect(),
            data_source_schemas: server
                .data_sources
                .iter()
                .map(|(n, e)| (n.clone(), e.schema.to_proto()))
                .collect(),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        }
    }
}

/// Schema mistakes, reported as errors by GetProviderSchema so they surface on the first
/// `terraform validate` instead of as confusing plan failures.
fn schema_problems<P: Provider>(server: &Server<P>) -> Diagnostics {
    let provider = std::iter::once(("provider", "", &server.provider_schema));
    let resources = server
        .resources
        .iter()
        .map(|(n, e)| ("resource", n.as_str(), &e.schema));
    let data_sources = server
        .data_sources
        .iter()
        .map(|(n, e)| ("data source", n.as_str(), &e.schema));
    let mut diags = Diagnostics::new();
    for (kind, name, schema) in provider.chain(resources).chain(data_sources) {
        for problem in schema.problems() {
            diags.error(
                "Invalid provider schema",
                format!("{kind} {name}: {problem}. This is a bug in the provider."),
            );
        }
    }
    for (name, entry) in &server.resources {
        let Some(ident) = &entry.identity else {
            continue;
        };
        for problem in ident.schema.problems() {
            diags.error(
                "Invalid provider schema",
                format!("resource {name} identity: {problem}. This is a bug in the provider."),
            );
        }
    }
    diags
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::validate_provider_config::Request {
    const NAME: &'static str = "ValidateProviderConfig";
    type Request = Value;
    type Response = ();
    type Answer = proto::validate_provider_config::Response;

    fn decode(&self, server: &Server<P>) -> Result<Value, Diagnostic> {
        let what = "provider configuration";
        codec::decode(self.config.as_ref(), &server.provider_type, what)
    }

    async fn call(config: Value, cx: Cx<'_, P>) -> Result<(), Diagnostic> {
        let (provider, schema) = (cx.server.provider.clone(), &cx.server.provider_schema);
        let check = |ctx, config| async move { provider.validate(&ctx, &config).await };
        validate(<Self as Rpc<P>>::NAME, schema, config, cx, check).await
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::configure_provider::Request {
    const NAME: &'static str = "ConfigureProvider";
    type Request = ConfigureRequest;
    type Response = ();
    type Answer = proto::configure_provider::Response;

    fn decode(&self, server: &Server<P>) -> Result<ConfigureRequest, Diagnostic> {
        let what = "provider configuration";
        Ok(ConfigureRequest {
            config: codec::decode(self.config.as_ref(), &server.provider_type, what)?,
            terraform_version: self.terraform_version.clone(),
        })
    }

    async fn call(req: ConfigureRequest, cx: Cx<'_, P>) -> Result<(), Diagnostic> {
        let provider = cx.server.provider.clone();
        let ctx = cx.server.context(PrivateState::new());
        let (data, found) = guarded(<Self as Rpc<P>>::NAME, async move {
            let mut diags = Diagnostics::new();
            let data = provider.configure(&ctx, req, &mut diags).await;
            (data, diags)
        })
        .await?;
        cx.diags.extend(found);
        if let Some(data) = data {
            if let Ok(mut slot) = cx.server.data.write() {
                *slot = Some(Arc::new(data));
            }
        }
        Ok(())
    }
}

impl<P: Provider> Query<P> for proto::stop_provider::Request {
    const NAME: &'static str = "StopProvider";
    type Answer = proto::stop_provider::Response;

    fn answer(&self, server: &Server<P>, _: &mut Diagnostics) -> Self::Answer {
        tracing::info!("cancelling in-flight operations");
        server.stop.stop();
        Self::Answer::default()
    }
}
