//! Data sources: ReadDataSource (ValidateDataResourceConfig is `validate_rpcs!` in the server
//! module). Read validates the config again (now that it is known) before the hook sees it,
//! and the hook starts from the config.

use std::sync::Arc;

use async_trait::async_trait;

use super::super::authoring::Provider;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::erased::DynDataSource;
use super::super::plan;
use super::super::private::PrivateState;
use super::super::proto;
use super::super::value::Value;
use super::adapter::{Cx, Rpc};
use super::{answered, codec, guarded, Config, DataSourceEntry, Server};

#[async_trait]
impl<P: Provider> Rpc<P> for proto::read_data_source::Request {
    const NAME: &'static str = "ReadDataSource";
    type Request = Config<dyn DynDataSource<P::Data>>;
    /// The state read, or `None` when the read failed (its diagnostics say why).
    type Response = Option<(Arc<DataSourceEntry<P::Data>>, Value)>;
    type Answer = proto::read_data_source::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let (entry, client) = (
            server.data_source(&self.type_name)?,
            &self.client_capabilities,
        );
        Config::decode(entry, self.config.as_ref(), client.as_ref())
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
        let read = guarded(<Self as Rpc<P>>::NAME, async move {
            hooks.read(&ctx, &config).await
        })
        .await?;
        let Some(state) = answered(read, diags) else {
            return Ok(None);
        };
        diags.extend(plan::check_apply_result(
            &entry.name,
            &Value::Unknown,
            &state,
        ));
        Ok(Some((entry, state)))
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
