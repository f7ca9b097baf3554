//! The provider as a whole: GetMetadata, GetProviderSchema, ValidateProviderConfig,
//! ConfigureProvider and StopProvider.

use std::sync::Arc;

use async_trait::async_trait;

use super::super::diag::{Diagnostic, Diagnostics};
use super::super::plan;
use super::super::private::PrivateState;
use super::super::proto;
use super::super::provider::{ConfigureRequest, Provider};
use super::super::value::Value;
use super::adapter::Rpc;
use super::{codec, guarded, Server};

fn capabilities() -> proto::ServerCapabilities {
    proto::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::get_metadata::Request {
    const NAME: &'static str = "GetMetadata";
    type Request = ();
    type Response = proto::get_metadata::Response;
    type Answer = proto::get_metadata::Response;

    fn decode(&self, _: &Server<P>) -> Result<(), Diagnostic> {
        Ok(())
    }

    async fn call(
        server: &Server<P>,
        _: (),
        _: &mut Diagnostics,
    ) -> Result<Self::Response, Diagnostic> {
        use proto::get_metadata::{DataSourceMetadata, ResourceMetadata};
        Ok(proto::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            data_sources: server
                .data_sources
                .keys()
                .map(|n| DataSourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            resources: server
                .resources
                .keys()
                .map(|n| ResourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            ..Default::default()
        })
    }

    fn encode(self, resp: Option<Self::Response>, diags: Diagnostics) -> Self::Answer {
        let mut answer = resp.unwrap_or_default();
        answer.diagnostics = diags.into_proto();
        answer
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::get_provider_schema::Request {
    const NAME: &'static str = "GetProviderSchema";
    type Request = ();
    type Response = proto::get_provider_schema::Response;
    type Answer = proto::get_provider_schema::Response;

    fn decode(&self, _: &Server<P>) -> Result<(), Diagnostic> {
        Ok(())
    }

    async fn call(
        server: &Server<P>,
        _: (),
        diags: &mut Diagnostics,
    ) -> Result<Self::Response, Diagnostic> {
        diags.extend(schema_problems(server));
        Ok(proto::get_provider_schema::Response {
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
        })
    }

    fn encode(self, resp: Option<Self::Response>, diags: Diagnostics) -> Self::Answer {
        let mut answer = resp.unwrap_or_default();
        answer.diagnostics = diags.into_proto();
        answer
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
    let models = server
        .resources
        .iter()
        .map(|(n, e)| ("resource", n, e.hooks.model_problems()))
        .chain(
            server
                .data_sources
                .iter()
                .map(|(n, e)| ("data source", n, e.hooks.model_problems())),
        );
    let mut diags = Diagnostics::new();
    for (kind, name, problems) in models {
        for problem in problems {
            diags.error(
                "Invalid provider schema",
                format!("{kind} {name}: {problem}. This is a bug in the provider."),
            );
        }
    }
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

    async fn call(
        server: &Server<P>,
        config: Value,
        diags: &mut Diagnostics,
    ) -> Result<(), Diagnostic> {
        diags.extend(plan::validate(&server.provider_schema, &config));
        let provider = server.provider.clone();
        let ctx = server.context(PrivateState::new());
        let checked = guarded(<Self as Rpc<P>>::NAME, async move {
            provider.validate(&ctx, &config).await
        })
        .await?;
        if let Err(d) = checked {
            diags.extend(d);
        }
        Ok(())
    }

    fn encode(self, _: Option<()>, diags: Diagnostics) -> Self::Answer {
        Self::Answer {
            diagnostics: diags.into_proto(),
        }
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

    async fn call(
        server: &Server<P>,
        req: ConfigureRequest,
        diags: &mut Diagnostics,
    ) -> Result<(), Diagnostic> {
        let provider = server.provider.clone();
        let ctx = server.context(PrivateState::new());
        let (data, found) = guarded(<Self as Rpc<P>>::NAME, async move {
            let mut diags = Diagnostics::new();
            let data = provider.configure(&ctx, req, &mut diags).await;
            (data, diags)
        })
        .await?;
        diags.extend(found);
        if let Some(data) = data {
            if let Ok(mut slot) = server.data.write() {
                *slot = Some(Arc::new(data));
            }
        }
        Ok(())
    }

    fn encode(self, _: Option<()>, diags: Diagnostics) -> Self::Answer {
        Self::Answer {
            diagnostics: diags.into_proto(),
        }
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::stop_provider::Request {
    const NAME: &'static str = "StopProvider";
    type Request = ();
    type Response = ();
    type Answer = proto::stop_provider::Response;

    fn decode(&self, _: &Server<P>) -> Result<(), Diagnostic> {
        Ok(())
    }

    async fn call(server: &Server<P>, _: (), _: &mut Diagnostics) -> Result<(), Diagnostic> {
        tracing::info!("cancelling in-flight operations");
        server.stop.stop();
        Ok(())
    }

    fn encode(self, _: Option<()>, _: Diagnostics) -> Self::Answer {
        Self::Answer {
            error: String::new(),
        }
    }
}
