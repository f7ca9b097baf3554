//! The provider as a whole: GetMetadata, GetProviderSchema, ValidateProviderConfig,
//! ConfigureProvider and StopProvider.
//!
//! The schema lists the list resources (their `config` schemas) and empty state store and
//! action maps, and advertises `generate_resource_config` whenever there is a resource: every
//! resource answers GenerateResourceConfig (by default with its state reduced to what
//! configuration sets).

use std::sync::Arc;

use async_trait::async_trait;

use super::super::diag::{Diagnostic, Diagnostics};
use super::super::private::PrivateState;
use super::super::proto;
use super::super::provider::{ClientCapabilities, ConfigureRequest, Provider};
use super::super::value::Value;
use super::adapter::{Cx, Query, Rpc};
use super::{codec, guarded, validate, Server};

fn capabilities<P: Provider>(server: &Server<P>) -> proto::ServerCapabilities {
    proto::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
        generate_resource_config: !server.resources.is_empty(),
    }
}

impl<P: Provider> Query<P> for proto::get_metadata::Request {
    const NAME: &'static str = "GetMetadata";
    type Answer = proto::get_metadata::Response;

    fn answer(&self, server: &Server<P>, _: &mut Diagnostics) -> Self::Answer {
        use proto::get_metadata::{DataSourceMetadata, ListResourceMetadata, ResourceMetadata};
        let data_sources = server.data_sources.keys().cloned();
        let resources = server.resources.keys().cloned();
        let list_resources = server.list_resources.keys().cloned();
        Self::Answer {
            server_capabilities: Some(capabilities(server)),
            data_sources: data_sources
                .map(|type_name| DataSourceMetadata { type_name })
                .collect(),
            resources: resources
                .map(|type_name| ResourceMetadata { type_name })
                .collect(),
            list_resources: list_resources
                .map(|type_name| ListResourceMetadata { type_name })
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
            list_resource_schemas: server
                .list_resources
                .iter()
                .map(|(n, e)| (n.clone(), e.schema.to_proto()))
                .collect(),
            // None offered, said explicitly: Terraform reads empty maps as "none".
            state_store_schemas: Default::default(),
            action_schemas: Default::default(),
            server_capabilities: Some(capabilities(server)),
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
    let lists = server
        .list_resources
        .iter()
        .map(|(n, e)| ("list resource", n.as_str(), &e.schema));
    let mut diags = Diagnostics::new();
    let all = provider.chain(resources).chain(data_sources).chain(lists);
    for (kind, name, schema) in all {
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
    for (name, entry) in &server.list_resources {
        let problem = match &entry.resource {
            None => "there is no managed resource type of that name",
            Some(r) if r.identity.is_none() => "its managed resource type declares no identity",
            Some(_) => continue,
        };
        diags.error(
            "Invalid provider schema",
            format!(
                "list resource {name}: {problem}, and Terraform lists objects by the identity \
                 of the managed resource of the same name. This is a bug in the provider."
            ),
        );
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
        let client = ClientCapabilities::default();
        validate(<Self as Rpc<P>>::NAME, schema, config, client, cx, check).await
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::configure_provider::Request {
    const NAME: &'static str = "ConfigureProvider";
    /// The request, and what the caller supports (for the hook's context).
    type Request = (ConfigureRequest, ClientCapabilities);
    type Response = ();
    type Answer = proto::configure_provider::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let what = "provider configuration";
        let req = ConfigureRequest {
            config: codec::decode(self.config.as_ref(), &server.provider_type, what)?,
            terraform_version: self.terraform_version.clone(),
        };
        Ok((req, codec::client(self.client_capabilities.as_ref())))
    }

    async fn call((req, client): Self::Request, cx: Cx<'_, P>) -> Result<(), Diagnostic> {
        let provider = cx.server.provider.clone();
        let ctx = cx
            .server
            .context(PrivateState::new())
            .with_client_capabilities(client);
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
