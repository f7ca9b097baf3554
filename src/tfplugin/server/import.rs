//! Bringing existing objects under management: ImportResourceState (by id, or by identity,
//! which the resource turns into an import id) and GenerateResourceConfig (the resource's
//! `generate_config`, then `generate::config_from_state`).

use std::sync::Arc;

use async_trait::async_trait;

use super::super::authoring::Provider;
use super::super::context::ClientCapabilities;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::generate::config_from_state;
use super::super::path::AttributePath;
use super::super::private::PrivateState;
use super::super::proto;
use super::super::value::Value;
use super::adapter::{Cx, Rpc};
use super::{answered, codec, guarded, identity, ResourceEntry, Server};

/// ImportResourceState, decoded: the id, or the identity to import by.
pub(crate) struct Import<D> {
    entry: Arc<ResourceEntry<D>>,
    id: String,
    /// Import by identity: the identity as sent.
    identity: Option<Value>,
    client: ClientCapabilities,
}

/// An imported object.
pub(crate) struct Imported<D> {
    entry: Arc<ResourceEntry<D>>,
    state: Value,
    private: PrivateState,
    identity: Option<Value>,
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::import_resource_state::Request {
    const NAME: &'static str = "ImportResourceState";
    type Request = Import<P::Data>;
    /// `None` when the import failed (its diagnostics say why).
    type Response = Option<Imported<P::Data>>;
    type Answer = proto::import_resource_state::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.resource(&self.type_name)?;
        let by_identity = self.id.is_empty()
            && self
                .identity
                .as_ref()
                .is_some_and(|i| i.identity_data.is_some());
        let identity = if by_identity {
            Some(codec::decode_identity(&entry, self.identity.as_ref())?)
        } else {
            None
        };
        Ok(Import {
            entry,
            id: self.id.clone(),
            identity,
            client: codec::client(self.client_capabilities.as_ref()),
        })
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic> {
        let Cx { server, diags } = cx;
        let Import {
            entry,
            id,
            identity,
            client,
        } = req;
        let (id, requested) = match identity {
            Some(requested) => (import_id(&entry, &requested)?, requested),
            None => (id, Value::Null),
        };
        let hooks = entry.hooks.clone();
        let mut ctx = server
            .context(PrivateState::new())
            .with_client_capabilities(client);
        let base = entry.schema.null_object();
        let (private, imported) = guarded(<Self as Rpc<P>>::NAME, async move {
            let imported = hooks.import(&mut ctx, &id, base).await;
            (ctx.private, imported)
        })
        .await?;
        let Some(state) = answered(imported, diags) else {
            return Ok(None);
        };
        let identity = identity::imported(&entry, &state, &requested, diags);
        if diags.has_errors() {
            return Ok(None);
        }
        Ok(Some(Imported {
            entry,
            state,
            private,
            identity,
        }))
    }

    fn encode(self, resp: Option<Self::Response>, mut diags: Diagnostics) -> Self::Answer {
        let mut imported_resources = Vec::new();
        if let Some(i) = resp.flatten() {
            let identity = codec::identity_data(&i.entry, i.identity, &mut diags);
            if !diags.has_errors() {
                match codec::encode(&i.state, &i.entry.ty) {
                    Ok(state) => {
                        imported_resources.push(proto::import_resource_state::ImportedResource {
                            type_name: self.type_name,
                            state: Some(state),
                            private: i.private.to_bytes(),
                            identity,
                        })
                    }
                    Err(d) => diags.push(d),
                }
            }
        }
        Self::Answer {
            imported_resources,
            diagnostics: diags.into_proto(),
            deferred: None,
        }
    }
}

/// GenerateResourceConfig, decoded: the state to make configuration of.
pub(crate) struct Generate<D> {
    entry: Arc<ResourceEntry<D>>,
    state: Value,
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::generate_resource_config::Request {
    const NAME: &'static str = "GenerateResourceConfig";
    type Request = Generate<P::Data>;
    /// The configuration, or `None` when the hook failed (its diagnostics say why).
    type Response = Option<(Arc<ResourceEntry<P::Data>>, Value)>;
    type Answer = proto::generate_resource_config::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.resource(&self.type_name)?;
        let state = codec::decode(self.state.as_ref(), &entry.ty, "state")?;
        if state.is_null() || !state.is_wholly_known() {
            return Err(Diagnostic::error(
                "Cannot generate configuration",
                format!(
                    "Terraform asked for the configuration of a {} without a known state to \
                     make it from.",
                    self.type_name
                ),
            ));
        }
        Ok(Generate { entry, state })
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic> {
        let Generate { entry, state } = req;
        let hooks = entry.hooks.clone();
        let made = guarded(<Self as Rpc<P>>::NAME, async move {
            hooks.generate_config(state)
        })
        .await?;
        let Some(config) = answered(made, cx.diags) else {
            return Ok(None);
        };
        let config = config_from_state(&entry.schema.block, &config);
        Ok(Some((entry, config)))
    }

    fn encode(self, resp: Option<Self::Response>, mut diags: Diagnostics) -> Self::Answer {
        let config = resp.flatten().and_then(|(entry, config)| {
            codec::encode(&config, &entry.ty)
                .map_err(|d| diags.push(d))
                .ok()
        });
        Self::Answer {
            config,
            diagnostics: diags.into_proto(),
        }
    }
}

/// The import id the resource makes of a requested identity.
fn import_id<D: 'static>(
    entry: &ResourceEntry<D>,
    requested: &Value,
) -> Result<String, Diagnostic> {
    let Some(ident) = &entry.identity else {
        return Err(Diagnostic::error(
            "Import by identity not supported",
            format!(
                "{} has no resource identity; import it by id instead.",
                entry.name
            ),
        ));
    };
    let missing = ident.schema.missing_required(requested);
    if let Some(first) = missing.first() {
        return Err(Diagnostic::error(
            "Invalid import identity",
            format!(
                "Importing {} by identity needs {}; set it in the import block's identity.",
                entry.name,
                missing.join(", ")
            ),
        )
        .with_attribute(AttributePath::attr(*first)));
    }
    entry
        .hooks
        .import_id_from_identity(&ident.schema, requested)
        .map_err(|d| {
            d.iter().find(|d| d.is_error()).cloned().unwrap_or_else(|| {
                Diagnostic::error(
                    "Invalid import identity",
                    "The provider could not make an import id of the identity.",
                )
            })
        })
}
