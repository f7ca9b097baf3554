//! Data sources: ValidateDataResourceConfig and ReadDataSource. Read validates the config
//! again (now that it is known) before the hook sees it, and the hook starts from the config.

use std::sync::Arc;

use async_trait::async_trait;

use super::super::diag::{Diagnostic, Diagnostics};
use super::super::plan;
use super::super::private::PrivateState;
use super::super::proto;
use super::super::provider::{DataReadRequest, DataSource, Provider, StateResponse};
use super::super::value::Value;
use super::adapter::{Cx, Rpc};
use super::{absorb, codec, guarded, validate_type, Config, DataSourceEntry, Server};

#[async_trait]
impl<P: Provider> Rpc<P> for proto::validate_data_resource_config::Request {
    const NAME: &'static str = "ValidateDataResourceConfig";
    type Request = Config<dyn DataSource<P::Data>>;
    type Response = ();
    type Answer = proto::validate_data_resource_config::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.data_source(&self.type_name)?;
        Config::decode(entry, self.config.as_ref(), None)
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<(), Diagnostic> {
        validate_type(<Self as Rpc<P>>::NAME, req, cx).await
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::read_data_source::Request {
    const NAME: &'static str = "ReadDataSource";
    type Request = Config<dyn DataSource<P::Data>>;
    /// The state read, or `None` when the read failed (its diagnostics say why).
    type Response = Option<(Arc<DataSourceEntry<P::Data>>, Value)>;
    type Answer = proto::read_data_source::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.data_source(&self.type_name)?;
        Config::decode(
            entry,
            self.config.as_ref(),
            self.client_capabilities.as_ref(),
        )
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic> {
        let (
            Config {
                entry,
                config,
                client,
            },
            Cx { server, diags },
        ) = (req, cx);
        // Deprecation warnings were given at validate time already.
        diags.extend(plan::validate(&entry.schema, &config).errors_only());
        if diags.has_errors() {
            return Ok(None);
        }
        let hooks = entry.hooks.clone();
        let ctx = server
            .context(PrivateState::new())
            .with_client_capabilities(client);
        let resp = guarded(<Self as Rpc<P>>::NAME, async move {
            let mut resp = StateResponse::new(config.clone());
            let r = hooks
                .read(&ctx, DataReadRequest { config }, &mut resp)
                .await;
            (resp, r)
        })
        .await;
        let (resp, r) = resp?;
        absorb(diags, resp.diagnostics, r);
        if diags.has_errors() {
            return Ok(None);
        }
        if resp.state.is_null() {
            return Err(Diagnostic::error(
                "Provider returned no state for data source",
                format!(
                    "{}: the read reported success but returned null.",
                    entry.name
                ),
            ));
        }
        diags.extend(plan::check_apply_result(
            &entry.name,
            &Value::Unknown,
            &resp.state,
        ));
        Ok(Some((entry, resp.state)))
    }

    fn encode(self, resp: Option<Self::Response>, mut diags: Diagnostics) -> Self::Answer {
        let state = resp.flatten().and_then(|(entry, state)| {
            codec::encode(&state, &entry.ty)
                .map_err(|d| diags.push(d))
                .ok()
        });
        Self::Answer {
            state,
            diagnostics: diags.into_proto(),
            deferred: None,
        }
    }
}
