//! The resource lifecycle: ValidateResourceConfig, ReadResource, PlanResourceChange and
//! ApplyResourceChange, with the plan rules (`plan.rs`) and identity rules around the hooks.
//! A read or apply whose hook fails or panics keeps what was there (nothing on create, else
//! the prior or current object); a create or update reporting success must leave a state
//! that agrees with the plan.

use std::sync::Arc;

use async_trait::async_trait;

use super::super::authoring::Provider;
use super::super::context::ClientCapabilities;
use super::super::diag::{path_to_proto, Diagnostic, Diagnostics};
use super::super::erased::{DynResource, Outcome};
use super::super::path::AttributePath;
use super::super::plan;
use super::super::private::PrivateState;
use super::super::proto;
use super::super::value::Value;
use super::adapter::{Cx, Rpc};
use super::{codec, guarded, identity, validate_type, Config, ResourceEntry, Server};

#[async_trait]
impl<P: Provider> Rpc<P> for proto::validate_resource_config::Request {
    const NAME: &'static str = "ValidateResourceConfig";
    type Request = Config<dyn DynResource<P::Data>>;
    type Response = ();
    type Answer = proto::validate_resource_config::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.resource(&self.type_name)?;
        Config::decode(
            entry,
            self.config.as_ref(),
            self.client_capabilities.as_ref(),
        )
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<(), Diagnostic> {
        validate_type(<Self as Rpc<P>>::NAME, req, cx).await
    }
}

/// ReadResource, decoded.
pub(crate) struct Read<D> {
    entry: Arc<ResourceEntry<D>>,
    current: Value,
    identity: Value,
    private: PrivateState,
    client: ClientCapabilities,
}

/// What a read or an apply leaves: the state (or `fallback` if it does not fit the schema),
/// private state and identity.
pub(crate) struct Written<D> {
    entry: Arc<ResourceEntry<D>>,
    state: Value,
    fallback: Value,
    private: PrivateState,
    identity: Option<Value>,
}

impl<D: 'static> Written<D> {
    /// What a hook run guarded left (`ran`), or, if it died, `fallback` and the private state
    /// it started from; write-only attributes nulled.
    fn settle(
        entry: Arc<ResourceEntry<D>>,
        ran: Result<(PrivateState, Outcome), Diagnostic>,
        (private, fallback): (PrivateState, Value),
        diags: &mut Diagnostics,
    ) -> Self {
        let (private, state) = match ran {
            Ok((private, out)) => {
                diags.extend(out.diagnostics);
                (private, out.state)
            }
            Err(d) => {
                diags.push(d);
                (private, None)
            }
        };
        let mut state = state.unwrap_or_else(|| fallback.clone());
        plan::null_write_only(&entry.schema.block, &mut state);
        Written {
            entry,
            state,
            fallback,
            private,
            identity: None,
        }
    }

    /// The identity answered with the state, checked against `expected`.
    fn with_identity(mut self, expected: &Value, when: &str, diags: &mut Diagnostics) -> Self {
        self.identity = identity::answer(&self.entry, &self.state, expected, when, diags);
        self
    }

    /// The wire new state, private state and new identity.
    fn encode(self, diags: &mut Diagnostics) -> WrittenWire {
        let new_identity = codec::identity_data(&self.entry, self.identity, diags);
        let new_state = codec::encode_or(&self.state, &self.fallback, &self.entry.ty, diags);
        (Some(new_state), self.private.to_bytes(), new_identity)
    }
}

type WrittenWire = (
    Option<proto::DynamicValue>,
    Vec<u8>,
    Option<proto::ResourceIdentityData>,
);

#[async_trait]
impl<P: Provider> Rpc<P> for proto::read_resource::Request {
    const NAME: &'static str = "ReadResource";
    type Request = Read<P::Data>;
    type Response = Written<P::Data>;
    type Answer = proto::read_resource::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.resource(&self.type_name)?;
        Ok(Read {
            current: codec::decode(self.current_state.as_ref(), &entry.ty, "current state")?,
            identity: codec::decode_identity(&entry, self.current_identity.as_ref())?,
            private: codec::private(&self.private)?,
            client: codec::client(self.client_capabilities.as_ref()),
            entry,
        })
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic> {
        let Cx { server, diags } = cx;
        let Read {
            entry,
            current,
            identity,
            private,
            client,
        } = req;
        let hooks = entry.hooks.clone();
        let mut ctx = server
            .context(private.clone())
            .with_client_capabilities(client);
        let state = current.clone();
        let ran = guarded(<Self as Rpc<P>>::NAME, async move {
            let out = hooks.read(&mut ctx, &state).await;
            (ctx.private, out)
        })
        .await;
        // A read that dies keeps the object as it was rather than have Terraform forget it.
        let read = Written::settle(entry, ran, (private, current), diags);
        if !diags.has_errors() && !read.state.is_null() {
            diags.extend(plan::check_apply_result(
                &read.entry.name,
                &Value::Unknown,
                &read.state,
            ));
        }
        Ok(read.with_identity(&identity, "read", diags))
    }

    fn encode(self, resp: Option<Self::Response>, mut diags: Diagnostics) -> Self::Answer {
        let Some(r) = resp else {
            // Nothing ran: echo the request so a failed read never drops the object.
            return Self::Answer {
                new_state: self.current_state,
                private: self.private,
                new_identity: self.current_identity,
                diagnostics: diags.into_proto(),
                deferred: None,
            };
        };
        let (new_state, private, new_identity) = r.encode(&mut diags);
        Self::Answer {
            new_state,
            private,
            new_identity,
            diagnostics: diags.into_proto(),
            deferred: None,
        }
    }
}

/// PlanResourceChange or ApplyResourceChange, decoded: both carry the prior state, the next
/// state (proposed or planned), the config, an identity (prior or planned) and private state;
/// a plan also what the caller supports and (6.11) the private state of an earlier plan.
pub(crate) struct Change<D> {
    entry: Arc<ResourceEntry<D>>,
    prior: Value,
    next: Value,
    config: Value,
    identity: Value,
    private: PrivateState,
    client: ClientCapabilities,
    previous_plan: Option<PrivateState>,
}

/// A plan (null for a destroy), what it replaces, and its identity.
pub(crate) struct Planned<D> {
    entry: Arc<ResourceEntry<D>>,
    planned: Value,
    requires_replace: Vec<AttributePath>,
    private: PrivateState,
    identity: Option<Value>,
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::plan_resource_change::Request {
    const NAME: &'static str = "PlanResourceChange";
    type Request = Change<P::Data>;
    type Response = Planned<P::Data>;
    type Answer = proto::plan_resource_change::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.resource(&self.type_name)?;
        let ty = &entry.ty;
        Ok(Change {
            prior: codec::decode(self.prior_state.as_ref(), ty, "prior state")?,
            next: codec::decode(self.proposed_new_state.as_ref(), ty, "proposed new state")?,
            config: codec::decode(self.config.as_ref(), ty, "configuration")?,
            identity: codec::decode_identity(&entry, self.prior_identity.as_ref())?,
            private: codec::private(&self.prior_private)?,
            client: codec::client(self.client_capabilities.as_ref()),
            previous_plan: (!self.planned_private.is_empty())
                .then(|| codec::private(&self.planned_private))
                .transpose()?,
            entry,
        })
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic> {
        let Cx { server, diags } = cx;
        let Change {
            entry,
            prior,
            next: proposed,
            config,
            identity: prior_identity,
            private,
            client,
            previous_plan,
        } = req;
        let block = &entry.schema.block;
        let ctx = server.context(private).with_client_capabilities(client);
        let mut ctx = match previous_plan {
            Some(previous) => ctx.with_previous_plan(previous),
            None => ctx,
        };
        if proposed.is_null() {
            return Ok(Planned {
                entry,
                planned: Value::Null,
                requires_replace: Vec::new(),
                private: ctx.private,
                identity: None,
            });
        }
        let planned = plan::plan(block, &prior, &proposed, &config);
        let (hooks, hook_prior) = (entry.hooks.clone(), prior.clone());
        let (private, mut planned, extra, r) = guarded(<Self as Rpc<P>>::NAME, async move {
            let (mut planned, mut extra) = (planned, Vec::new());
            let r = hooks
                .modify_plan(&mut ctx, &hook_prior, &mut planned, &mut extra)
                .await;
            (ctx.private, planned, extra, r)
        })
        .await?;
        diags.extend(r.err().unwrap_or_default());
        plan::null_write_only(block, &mut planned);
        diags.extend(plan::check_plan(block, &prior, &config, &planned));
        let mut requires_replace = plan::requires_replace(block, &prior, &planned);
        if !prior.is_null() {
            for p in extra {
                if !requires_replace.contains(&p) {
                    requires_replace.push(p);
                }
            }
        }
        let replacing = !requires_replace.is_empty();
        let identity = identity::planned(&entry, &planned, &prior_identity, replacing, diags);
        Ok(Planned {
            entry,
            planned,
            requires_replace,
            private,
            identity,
        })
    }

    fn encode(self, resp: Option<Self::Response>, mut diags: Diagnostics) -> Self::Answer {
        let Some(p) = resp else {
            return Self::Answer {
                diagnostics: diags.into_proto(),
                ..Default::default()
            };
        };
        // A destroy keeps the prior identity as Terraform sent it.
        let planned_identity = if p.planned.is_null() {
            self.prior_identity
        } else {
            codec::identity_data(&p.entry, p.identity, &mut diags)
        };
        let planned_state = codec::encode(&p.planned, &p.entry.ty)
            .map_err(|d| diags.push(d))
            .ok();
        Self::Answer {
            planned_state,
            requires_replace: p.requires_replace.iter().map(path_to_proto).collect(),
            planned_private: p.private.to_bytes(),
            planned_identity,
            diagnostics: diags.into_proto(),
            legacy_type_system: false,
            deferred: None,
        }
    }
}

#[async_trait]
impl<P: Provider> Rpc<P> for proto::apply_resource_change::Request {
    const NAME: &'static str = "ApplyResourceChange";
    type Request = Change<P::Data>;
    type Response = Written<P::Data>;
    type Answer = proto::apply_resource_change::Response;

    fn decode(&self, server: &Server<P>) -> Result<Self::Request, Diagnostic> {
        let entry = server.resource(&self.type_name)?;
        let ty = &entry.ty;
        Ok(Change {
            prior: codec::decode(self.prior_state.as_ref(), ty, "prior state")?,
            next: codec::decode(self.planned_state.as_ref(), ty, "planned state")?,
            config: codec::decode(self.config.as_ref(), ty, "configuration")?,
            identity: codec::decode_identity(&entry, self.planned_identity.as_ref())?,
            private: codec::private(&self.planned_private)?,
            client: ClientCapabilities::default(),
            previous_plan: None,
            entry,
        })
    }

    async fn call(req: Self::Request, cx: Cx<'_, P>) -> Result<Self::Response, Diagnostic> {
        let Cx { server, diags } = cx;
        let Change {
            entry,
            prior,
            next: planned,
            identity: planned_identity,
            private,
            ..
        } = req;
        let (creating, deleting) = (prior.is_null(), planned.is_null());
        // What stays in state if the hook dies: nothing new, or the prior object.
        let fallback = prior.clone();
        let hooks = entry.hooks.clone();
        let mut ctx = server.context(private.clone());
        let planned_in = planned.clone();
        let ran = guarded(<Self as Rpc<P>>::NAME, async move {
            let out = hooks.apply(&mut ctx, &prior, &planned_in).await;
            (ctx.private, out)
        })
        .await;
        let mut applied = Written::settle(entry, ran, (private, fallback), diags);
        if deleting && !diags.has_errors() {
            applied.state = Value::Null;
        }
        if !diags.has_errors() && !deleting {
            let name = &applied.entry.name;
            if applied.state.is_null() {
                diags.push(Diagnostic::error(
                    "Provider returned no state after apply",
                    format!(
                        "{name}: the {} reported success but left no state. This is a bug in \
                         the provider.",
                        if creating { "create" } else { "update" }
                    ),
                ));
            } else {
                diags.extend(plan::check_apply_result(name, &planned, &applied.state));
            }
        }
        Ok(applied.with_identity(&planned_identity, "apply", diags))
    }

    fn encode(self, resp: Option<Self::Response>, mut diags: Diagnostics) -> Self::Answer {
        let Some(a) = resp else {
            // Nothing ran: leave Terraform's record as it was.
            return Self::Answer {
                new_state: self.prior_state,
                private: self.planned_private,
                diagnostics: diags.into_proto(),
                ..Default::default()
            };
        };
        let (new_state, private, new_identity) = a.encode(&mut diags);
        Self::Answer {
            new_state,
            private,
            new_identity,
            diagnostics: diags.into_proto(),
            legacy_type_system: false,
        }
    }
}
