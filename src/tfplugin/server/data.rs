//! Data sources: ValidateDataResourceConfig and ReadDataSource. Read validates the config
//! again (now that it is known) before the hook sees it, and the hook starts from the config.

use std::sync::Arc;

use async_trait::async_trait;

use super::super::diag::{Diagnostic, Diagnostics};
use super::super::plan;
use super::super::private::PrivateState;
use super::super::proto;
use super::super::provider::{ClientCapabilities, DataReadRequest, Provider, StateResponse};
use super::super::value::Value;
use super::adapter::{Cx, Rpc};
use super::{absorb, codec, guarded, validate, DataSourceEntry, Server};

/// A data source request, decoded: its config, and what the caller supports.
pub(crate) struct Config<D> {
    entry: Arc<DataSourceEntry<D>>,
    config: Value,
    client: ClientCapabilities,
}

fn decode_config<P: Provider>(
    server: &Server<P>,
    type_name: &str,
    config: Option<&proto::DynamicValue>,
    client: Option<&proto::ClientCapabilities>,
) -> Result<Config<P::Data>, Diagnostic> {
    let entry = server.data_source(type_name)?;
    let config = codec::decode(config, &entry.ty, "configuration")?;
    let client = codec::client(client);
    Ok(Config {
        entry,
        config,
        client,
    })
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::validate_data_resource_config::Request {
    const NAME: &'static str = "ValidateDataResourceConfig";
    type Request = Config<P::Data>;
    type Response = ();
    type Answer = proto::validate_data_resource_config::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        decode_config(server, &self.type_name, self.config.as_ref(), None)
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<(), Diagnostic> {
        let Config {
            entry,
            config,
            client,
        } = req;
        let hooks = entry.hooks.clone();
        let check = |ctx, config| async move { hooks.validate(&ctx, &config).await };
        validate(
            <Self as Rpc<P>>::NAME,
            &entry.schema,
            config,
            client,
            cx,
            check,
        )
        .await
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::read_data_source::Request {
    const NAME: &'static str = "ReadDataSource";
    type Request = Config<P::Data>;
    /// The state read, or `None` when the read failed (its diagnostics say why).
    type Response = Option<(Arc<DataSourceEntry<P::Data>>, Value)>;
    type Answer = proto::read_data_source::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let client = self.client_capabilities.as_ref();
        decode_config(server, &self.type_name, self.config.as_ref(), client)
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
