//! The provider block and stopping: ValidateProviderConfig, ConfigureProvider (the block read
//! into the provider's config model) and StopProvider.

use std::sync::Arc;

use async_trait::async_trait;

use super::super::authoring::{ConfigureRequest, Provider};
use super::super::context::ClientCapabilities;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::erased::{fitting, read_model};
use super::super::private::PrivateState;
use super::super::proto;
use super::super::value::Value;
use super::adapter::{Cx, Query, Rpc};
use super::{codec, guarded, validate, Server};

const WHAT: &str = "provider configuration";

#[async_trait]
impl<P: Provider> Rpc<P> for proto::validate_provider_config::Request {
    const NAME: &'static str = "ValidateProviderConfig";
    type Request = Value;
    type Response = ();
    type Answer = proto::validate_provider_config::Response;

    fn decode(&self, server: &Server<P>) -> Result<Value, Diagnostic> {
        codec::decode(self.config.as_ref(), &server.provider_type, WHAT)
    }

    async fn call(config: Value, cx: Cx<'_, P>) -> Result<(), Diagnostic> {
        let (provider, schema) = (cx.server.provider.clone(), &cx.server.provider_schema);
        let check = |ctx, config: Value| async move {
            match fitting(&config) {
                Some(model) => provider.validate(&ctx, model).await,
                None => Ok(()),
            }
        };
        let client = ClientCapabilities::default();
        validate(<Self as Rpc<P>>::NAME, schema, config, client, cx, check).await
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::configure_provider::Request {
    const NAME: &'static str = "ConfigureProvider";
    /// The request, and what the caller supports (for the hook's context).
    type Request = (ConfigureRequest<P::Config>, ClientCapabilities);
    type Response = ();
    type Answer = proto::configure_provider::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let config = codec::decode(self.config.as_ref(), &server.provider_type, WHAT)?;
        let req = ConfigureRequest {
            config: read_model(&config, WHAT)?,
            config_is_known: config.is_wholly_known(),
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
