//! UpgradeResourceState: state of the current schema version is read as it is (attributes the
//! schema no longer has dropped, new ones null); older versions go to `Resource::upgrade_state`;
//! newer versions and legacy flatmap state are errors.

use std::sync::Arc;

use async_trait::async_trait;

use super::super::authoring::Provider;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::private::PrivateState;
use super::super::proto;
use super::super::value::Value;
use super::adapter::{Cx, Rpc};
use super::{codec, guarded, ResourceEntry, Server};

/// UpgradeResourceState, decoded: the stored state as JSON.
pub(crate) struct Upgrade<D> {
    entry: Arc<ResourceEntry<D>>,
    version: i64,
    json: serde_json::Value,
}

fn cannot_upgrade(detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error("Unable to upgrade resource state", detail)
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::upgrade_resource_state::Request {
    const NAME: &'static str = "UpgradeResourceState";
    type Request = Upgrade<P::Data>;
    /// The upgraded state, or `None` when the upgrade failed (its diagnostics say why).
    type Response = Option<(Arc<ResourceEntry<P::Data>>, Value)>;
    type Answer = proto::upgrade_resource_state::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.resource(&self.type_name)?;
        let raw = self.raw_state.clone().unwrap_or_default();
        if raw.json.is_empty() {
            return Err(cannot_upgrade(if raw.flatmap.is_empty() {
                "Terraform sent no stored state to upgrade."
            } else {
                "The stored state is in the legacy flatmap format written by Terraform 0.11 \
                 and earlier, which this provider does not read. Upgrade the state with a \
                 Terraform version that still supports it, or remove and re-import the resource."
            }));
        }
        let json = serde_json::from_slice(&raw.json)
            .map_err(|e| cannot_upgrade(format!("The stored state is not valid JSON: {e}.")))?;
        Ok(Upgrade {
            entry,
            version: self.version,
            json,
        })
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic> {
        let Cx { server, diags } = cx;
        let Upgrade {
            entry,
            version,
            json,
        } = req;
        let current = entry.schema.version;
        if version == current {
            let state = codec::decode_stored(json, &entry.ty, "stored state")?;
            return Ok(Some((entry, state)));
        }
        if version > current {
            return Err(cannot_upgrade(format!(
                "The stored state of {} has schema version {version}, newer than this \
                 provider's {current}; it was written by a newer provider version.",
                entry.name
            )));
        }
        let (hooks, base) = (entry.hooks.clone(), entry.schema.null_object());
        let ctx = server.context(PrivateState::new());
        let upgraded = guarded(<Self as Rpc<P>>::NAME, async move {
            hooks.upgrade_state(&ctx, version, &json, base).await
        })
        .await?;
        Ok(upgraded
            .map(|state| (entry, state))
            .map_err(|d| diags.extend(d))
            .ok())
    }

    fn encode(self, resp: Option<Self::Response>, mut diags: Diagnostics) -> Self::Answer {
        let upgraded_state = resp.flatten().and_then(|(entry, state)| {
            codec::encode(&state, &entry.ty)
                .map_err(|d| diags.push(d))
                .ok()
        });
        Self::Answer {
            upgraded_state,
            diagnostics: diags.into_proto(),
        }
    }
}
