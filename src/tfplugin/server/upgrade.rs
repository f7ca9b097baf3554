//! Upgrades of stored data: UpgradeResourceState and UpgradeResourceIdentity. Data of the
//! current version is read as it is (attributes the schema no longer has dropped, new ones
//! null); older versions go to the resource's hook; newer ones and legacy flatmap state are
//! errors.

use std::sync::Arc;

use async_trait::async_trait;

use super::super::authoring::Provider;
use super::super::diag::{Diagnostic, Diagnostics};
use super::super::identity::raw_identity_json;
use super::super::private::PrivateState;
use super::super::proto;
use super::super::value::Value;
use super::adapter::{Cx, Rpc};
use super::{answered, codec, guarded, ResourceEntry, Server};

/// What an upgrade is of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stored {
    State,
    Identity,
}

impl Stored {
    fn what(self) -> &'static str {
        match self {
            Stored::State => "state",
            Stored::Identity => "identity",
        }
    }

    fn error(self, detail: impl Into<String>) -> Diagnostic {
        Diagnostic::error(
            format!("Unable to upgrade resource {}", self.what()),
            detail,
        )
    }

    /// The stored JSON, decoded.
    fn json(self, raw: &[u8]) -> Result<serde_json::Value, Diagnostic> {
        serde_json::from_slice(raw).map_err(|e| {
            self.error(format!(
                "The stored {} is not valid JSON: {e}.",
                self.what()
            ))
        })
    }
}

/// An upgrade request, decoded: what is stored, at which version, as JSON.
pub(crate) struct Upgrade<D> {
    entry: Arc<ResourceEntry<D>>,
    stored: Stored,
    version: i64,
    json: serde_json::Value,
}

/// What an upgrade answers: the value, or `None` when the hook failed (its diagnostics say why).
type Upgraded<D> = Option<(Arc<ResourceEntry<D>>, Value)>;

impl<D: Send + Sync + 'static> Upgrade<D> {
    async fn run<P>(self, rpc: &'static str, cx: Cx<'_, P>) -> Result<Upgraded<D>, Diagnostic>
    where
        P: Provider<Data = D>,
    {
        let Upgrade {
            entry,
            stored,
            version,
            json,
        } = self;
        let (current, ty, versioned) = match (&entry.identity, stored) {
            (_, Stored::State) => (entry.schema.version, &entry.ty, "schema version"),
            (Some(ident), Stored::Identity) => (ident.schema.version, &ident.ty, "version"),
            (None, Stored::Identity) => return Err(no_identity(&entry.name)),
        };
        let what = stored.what();
        if version == current {
            let value = codec::decode_stored(&json, ty, &format!("stored {what}"))?;
            return Ok(Some((entry, value)));
        }
        if version > current {
            return Err(stored.error(format!(
                "The stored {what} of {} has {versioned} {version}, newer than this provider's \
                 {current}; it was written by a newer provider version.",
                entry.name
            )));
        }
        let (hooks, base) = (entry.hooks.clone(), entry.schema.null_object());
        let ctx = cx.server.context(PrivateState::new());
        let upgraded = guarded(rpc, async move {
            match stored {
                Stored::State => hooks.upgrade_state(&ctx, version, &json, base).await,
                Stored::Identity => hooks.upgrade_identity(version, &json),
            }
        })
        .await?;
        Ok(answered(upgraded, cx.diags).map(|value| (entry, value)))
    }
}

fn no_identity(type_name: &str) -> Diagnostic {
    Stored::Identity.error(format!(
        "{type_name} has no resource identity, so there is none to upgrade."
    ))
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::upgrade_resource_state::Request {
    const NAME: &'static str = "UpgradeResourceState";
    type Request = Upgrade<P::Data>;
    type Response = Upgraded<P::Data>;
    type Answer = proto::upgrade_resource_state::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.resource(&self.type_name)?;
        let raw = self.raw_state.clone().unwrap_or_default();
        if raw.json.is_empty() {
            return Err(Stored::State.error(if raw.flatmap.is_empty() {
                "Terraform sent no stored state to upgrade."
            } else {
                "The stored state is in the legacy flatmap format written by Terraform 0.11 \
                 and earlier, which this provider does not read. Upgrade the state with a \
                 Terraform version that still supports it, or remove and re-import the resource."
            }));
        }
        Ok(Upgrade {
            entry,
            stored: Stored::State,
            version: self.version,
            json: Stored::State.json(&raw.json)?,
        })
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic> {
        req.run(<Self as Rpc<P>>::NAME, cx).await
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

#[async_trait]
impl<P: Provider> Rpc<P> for proto::upgrade_resource_identity::Request {
    const NAME: &'static str = "UpgradeResourceIdentity";
    type Request = Upgrade<P::Data>;
    type Response = Upgraded<P::Data>;
    type Answer = proto::upgrade_resource_identity::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.resource(&self.type_name)?;
        if entry.identity.is_none() {
            return Err(no_identity(&self.type_name));
        }
        let raw = raw_identity_json(self.raw_identity.as_ref())
            .map_err(|e| Stored::Identity.error(format!("{e}.")))?;
        Ok(Upgrade {
            entry,
            stored: Stored::Identity,
            version: self.version,
            json: Stored::Identity.json(raw)?,
        })
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic> {
        req.run(<Self as Rpc<P>>::NAME, cx).await
    }

    fn encode(self, resp: Option<Self::Response>, mut diags: Diagnostics) -> Self::Answer {
        let upgraded_identity = resp
            .flatten()
            .and_then(|(entry, v)| codec::identity_data(&entry, Some(v), &mut diags));
        Self::Answer {
            upgraded_identity,
            diagnostics: diags.into_proto(),
        }
    }
}
