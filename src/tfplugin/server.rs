//! The tfplugin6 gRPC service: decodes requests, dispatches by type name to the registered
//! resources and data sources, applies the plan rules around their hooks, and encodes the
//! answers (always msgpack).
//!
//! Every hook runs in its own task, so a panic becomes an error diagnostic and the server keeps
//! serving. StopProvider cancels a root token; each call gets a child of it, so in-flight and
//! later operations all see the cancellation while the server goes on answering.
//!
//! Logging: one `tf_rpc` span per call with `tf_rpc`, `tf_resource_type` and `tf_req_id`.
//! Attribute values are never logged.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, RwLock};

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};
use tracing::Instrument;

use super::diag::{path_to_proto, Diagnostic, Diagnostics};
use super::identity::{self, IdentitySchema};
use super::plan;
use super::private::PrivateState;
use super::proto;
use super::proto::provider_server::{Provider as ProviderRpc, ProviderServer};
use super::provider::{
    ConfigureRequest, Context, CreateRequest, DataReadRequest, DataSource, DeleteRequest,
    PlanRequest, PlanResponse, Provider, ReadRequest, Resource, StateResponse, UpdateRequest,
};
use super::schema::Schema;
use super::value::{self, Type, Value};

/// Largest message accepted or sent, either way (Terraform's own plugins use the same).
pub const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;

/// The generated gRPC service for `provider`, with 256 MiB message limits both ways; add it to
/// a `tonic::service::Routes` or a tonic `Server`.
pub fn provider_service<P: Provider>(provider: P) -> ProviderServer<Server<P>> {
    ProviderServer::new(Server::new(provider))
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

/// [`provider_service`] as routes, ready for the plugin host's `serve`.
pub fn provider_routes<P: Provider>(provider: P) -> tonic::service::Routes {
    tonic::service::Routes::new(provider_service(provider))
}

/// [`provider_routes`] whose in-flight calls are also cancelled when `shutdown` is (the plugin
/// host's `Shutdown`), so they end at once with a diagnostic instead of being cut off by the
/// host's grace period. `StopProvider` still only cancels calls, never the server.
pub fn provider_routes_until<P: Provider>(
    provider: P,
    shutdown: &CancellationToken,
) -> tonic::service::Routes {
    let mut server = Server::new(provider);
    server.stop = shutdown.child_token();
    tonic::service::Routes::new(
        ProviderServer::new(server)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE),
    )
}

/// A registered type with its schema and implied type, computed once.
struct Entry<H: ?Sized> {
    hooks: Arc<H>,
    schema: Schema,
    ty: Type,
    /// Resources only: the identity schema and its implied type.
    identity: Option<IdentityEntry>,
}

struct IdentityEntry {
    schema: IdentitySchema,
    ty: Type,
}

impl<H: ?Sized> Entry<H> {
    fn new(schema: Schema, hooks: Arc<H>) -> Self {
        Self {
            ty: schema.implied_type(),
            schema,
            hooks,
            identity: None,
        }
    }
}

/// Implements the protocol for one [`Provider`]; build it with [`provider_service`].
pub struct Server<P: Provider> {
    provider: Arc<P>,
    provider_schema: Schema,
    provider_type: Type,
    resources: BTreeMap<String, Entry<dyn Resource<P::Data>>>,
    data_sources: BTreeMap<String, Entry<dyn DataSource<P::Data>>>,
    data: RwLock<Option<Arc<P::Data>>>,
    stop: CancellationToken,
}

impl<P: Provider> Server<P> {
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let provider_type = provider_schema.implied_type();
        let mut resources = BTreeMap::new();
        for hooks in provider.resources() {
            let name = hooks.type_name().to_string();
            let identity = hooks.identity_schema().map(|schema| IdentityEntry {
                ty: schema.implied_type(),
                schema,
            });
            let mut entry = Entry::new(hooks.schema(), hooks);
            entry.identity = identity;
            if resources.insert(name.clone(), entry).is_some() {
                tracing::warn!(tf_resource_type = %name, "resource type registered twice; the last one wins");
            }
        }
        let mut data_sources = BTreeMap::new();
        for hooks in provider.data_sources() {
            let name = hooks.type_name().to_string();
            let entry = Entry::new(hooks.schema(), hooks);
            if data_sources.insert(name.clone(), entry).is_some() {
                tracing::warn!(tf_resource_type = %name, "data source type registered twice; the last one wins");
            }
        }
        Self {
            provider: Arc::new(provider),
            provider_schema,
            provider_type,
            resources,
            data_sources,
            data: RwLock::new(None),
            stop: CancellationToken::new(),
        }
    }

    fn context(&self, private: PrivateState) -> Context<P::Data> {
        let data = self.data.read().map(|d| d.clone()).unwrap_or_default();
        Context::new(data, self.stop.child_token(), private)
    }

    fn resource(&self, type_name: &str) -> Result<&Entry<dyn Resource<P::Data>>, Diagnostic> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name, self.resources.keys()))
    }

    fn data_source(&self, type_name: &str) -> Result<&Entry<dyn DataSource<P::Data>>, Diagnostic> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name, self.data_sources.keys()))
    }

    /// Schema mistakes, reported as errors by GetProviderSchema so they surface on the first
    /// `terraform validate` instead of as confusing plan failures.
    fn schema_problems(&self) -> Diagnostics {
        let provider = std::iter::once(("provider", "", &self.provider_schema));
        let resources = self
            .resources
            .iter()
            .map(|(n, e)| ("resource", n.as_str(), &e.schema));
        let data_sources = self
            .data_sources
            .iter()
            .map(|(n, e)| ("data source", n.as_str(), &e.schema));
        let mut diags = Diagnostics::new();
        for (kind, name, schema) in provider.chain(resources).chain(data_sources) {
            for problem in schema.problems() {
                diags.error(
                    "Invalid provider schema",
                    format!("{kind} {name}: {problem}. This is a bug in the provider."),
                );
            }
        }
        for (name, entry) in &self.resources {
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

    fn capabilities() -> proto::ServerCapabilities {
        proto::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: false,
            move_resource_state: false,
        }
    }

    async fn validate_resource(
        &self,
        req: proto::validate_resource_config::Request,
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let entry = match self.resource(&req.type_name) {
            Ok(e) => e,
            Err(d) => return d.into(),
        };
        let config = match decode(req.config.as_ref(), &entry.ty, "configuration") {
            Ok(v) => v,
            Err(d) => return d.into(),
        };
        diags.extend(plan::validate_config(&entry.schema.block, &config));
        let hooks = entry.hooks.clone();
        let ctx = self.context(PrivateState::new());
        let out = guarded("ValidateResourceConfig", async move {
            hooks.validate(&ctx, &config).await
        })
        .await;
        absorb(&mut diags, out);
        diags
    }

    async fn upgrade_state(
        &self,
        req: proto::upgrade_resource_state::Request,
    ) -> (Option<proto::DynamicValue>, Diagnostics) {
        let entry = match self.resource(&req.type_name) {
            Ok(e) => e,
            Err(d) => return (None, d.into()),
        };
        let raw = req.raw_state.unwrap_or_default();
        if raw.json.is_empty() {
            let detail = if raw.flatmap.is_empty() {
                "Terraform sent no stored state to upgrade.".to_string()
            } else {
                "The stored state is in the legacy flatmap format written by Terraform 0.11 \
                 and earlier, which this provider does not read. Upgrade the state with a \
                 Terraform version that still supports it, or remove and re-import the resource."
                    .to_string()
            };
            return (
                None,
                Diagnostic::error("Unable to upgrade resource state", detail).into(),
            );
        }
        let mut json: serde_json::Value = match serde_json::from_slice(&raw.json) {
            Ok(j) => j,
            Err(e) => {
                return (
                    None,
                    Diagnostic::error(
                        "Unable to upgrade resource state",
                        format!("The stored state is not valid JSON: {e}."),
                    )
                    .into(),
                )
            }
        };
        let current = entry.schema.version;
        let mut diags = Diagnostics::new();
        let state = if req.version == current {
            // Stored JSON may lack attributes added since, or keep removed ones.
            normalize_json(&mut json, &entry.ty);
            match value::decode_json(json.to_string().as_bytes(), &entry.ty) {
                Ok(v) => v,
                Err(e) => return (None, decode_error("stored state", e).into()),
            }
        } else if req.version > current {
            return (
                None,
                Diagnostic::error(
                    "Unable to upgrade resource state",
                    format!(
                        "The stored state of {} has schema version {}, newer than this \
                         provider's {current}; it was written by a newer provider version.",
                        req.type_name, req.version
                    ),
                )
                .into(),
            );
        } else {
            let hooks = entry.hooks.clone();
            let ctx = self.context(PrivateState::new());
            let version = req.version;
            let out = guarded("UpgradeResourceState", async move {
                let mut resp = StateResponse::new(Value::Null);
                let r = hooks.upgrade_state(&ctx, version, &json, &mut resp).await;
                (resp, r)
            })
            .await;
            match out {
                Ok((resp, r)) => {
                    diags.extend(resp.diagnostics);
                    if let Err(d) = r {
                        diags.extend(d);
                    }
                    resp.state
                }
                Err(d) => return (None, d.into()),
            }
        };
        if diags.has_errors() {
            return (None, diags);
        }
        match encode(&state, &entry.ty) {
            Ok(dv) => (Some(dv), diags),
            Err(d) => {
                diags.push(d);
                (None, diags)
            }
        }
    }

    async fn configure(&self, req: proto::configure_provider::Request) -> Diagnostics {
        let config = match decode(
            req.config.as_ref(),
            &self.provider_type,
            "provider configuration",
        ) {
            Ok(v) => v,
            Err(d) => return d.into(),
        };
        let provider = self.provider.clone();
        let ctx = self.context(PrivateState::new());
        let creq = ConfigureRequest {
            config,
            terraform_version: req.terraform_version,
        };
        let out = guarded("ConfigureProvider", async move {
            let mut diags = Diagnostics::new();
            let data = provider.configure(&ctx, creq, &mut diags).await;
            (data, diags)
        })
        .await;
        match out {
            Ok((data, diags)) => {
                if let Some(data) = data {
                    if let Ok(mut slot) = self.data.write() {
                        *slot = Some(Arc::new(data));
                    }
                }
                diags
            }
            Err(d) => d.into(),
        }
    }

    async fn read_resource(
        &self,
        req: proto::read_resource::Request,
    ) -> proto::read_resource::Response {
        let mut out = proto::read_resource::Response::default();
        let mut diags = Diagnostics::new();
        let result: Result<(), Diagnostic> = async {
            let entry = self.resource(&req.type_name)?;
            let current = decode(req.current_state.as_ref(), &entry.ty, "current state")?;
            let prior_identity = self.decode_identity(entry, req.current_identity.as_ref())?;
            let private = private_from(&req.private)?;
            let hooks = entry.hooks.clone();
            let mut ctx = self.context(private);
            let state = current.clone();
            let ran = guarded("ReadResource", async move {
                let mut resp = StateResponse::new(state.clone());
                let r = hooks.read(&mut ctx, ReadRequest { state }, &mut resp).await;
                (ctx.private, resp, r)
            })
            .await;
            let (private, mut state) = match ran {
                Ok((private, resp, r)) => {
                    diags.extend(resp.diagnostics);
                    absorb(&mut diags, Ok(r));
                    (private, resp.state)
                }
                // Keep the object as it was rather than have Terraform forget it.
                Err(d) => {
                    diags.push(d);
                    (
                        PrivateState::from_bytes(&req.private).unwrap_or_default(),
                        current.clone(),
                    )
                }
            };
            plan::null_write_only(&entry.schema.block, &mut state);
            if !diags.has_errors() && !state.is_null() {
                diags.extend(plan::check_apply_result(
                    &req.type_name,
                    &Value::Unknown,
                    &state,
                ));
            }
            out.new_identity = Self::identity_answer(
                &req.type_name,
                entry,
                &state,
                &prior_identity,
                "read",
                &mut diags,
            );
            out.new_state = Some(encode_or(&state, &current, &entry.ty, &mut diags));
            out.private = private.to_bytes();
            Ok(())
        }
        .await;
        if let Err(d) = result {
            diags.push(d);
            // Echo the request state back so a failed read never drops the object.
            out.new_state = req.current_state;
            out.private = req.private;
            out.new_identity = req.current_identity;
        }
        out.diagnostics = diags.into_proto();
        out
    }

    async fn plan_resource(
        &self,
        req: proto::plan_resource_change::Request,
    ) -> proto::plan_resource_change::Response {
        let mut out = proto::plan_resource_change::Response::default();
        let mut diags = Diagnostics::new();
        let result: Result<(), Diagnostic> = async {
            let entry = self.resource(&req.type_name)?;
            let prior = decode(req.prior_state.as_ref(), &entry.ty, "prior state")?;
            let proposed = decode(
                req.proposed_new_state.as_ref(),
                &entry.ty,
                "proposed new state",
            )?;
            let config = decode(req.config.as_ref(), &entry.ty, "configuration")?;
            let prior_identity = self.decode_identity(entry, req.prior_identity.as_ref())?;
            let private = private_from(&req.prior_private)?;
            let block = &entry.schema.block;
            let planned = plan::plan(block, &prior, &proposed, &config);
            let hooks = entry.hooks.clone();
            let mut ctx = self.context(private);
            let preq = PlanRequest {
                prior: prior.clone(),
                proposed: proposed.clone(),
                config: config.clone(),
            };
            let start = planned.clone();
            let ran = guarded("PlanResourceChange", async move {
                let mut resp = PlanResponse {
                    planned: start,
                    requires_replace: Vec::new(),
                    diagnostics: Diagnostics::new(),
                };
                let r = hooks.modify_plan(&mut ctx, preq, &mut resp).await;
                (ctx.private, resp, r)
            })
            .await;
            let (private, mut resp) = match ran {
                Ok((private, mut resp, r)) => {
                    diags.extend(std::mem::take(&mut resp.diagnostics));
                    absorb(&mut diags, Ok(r));
                    (private, resp)
                }
                Err(d) => {
                    diags.push(d);
                    return Ok(());
                }
            };
            if proposed.is_null() {
                resp.planned = Value::Null;
            } else {
                plan::null_write_only(block, &mut resp.planned);
                diags.extend(plan::check_plan(block, &prior, &config, &resp.planned));
                let mut paths = plan::requires_replace(block, &prior, &resp.planned);
                if !prior.is_null() {
                    for p in resp.requires_replace.drain(..) {
                        if !paths.contains(&p) {
                            paths.push(p);
                        }
                    }
                }
                out.requires_replace = paths.iter().map(path_to_proto).collect();
            }
            out.planned_identity = if proposed.is_null() {
                req.prior_identity.clone()
            } else {
                let replacing = !out.requires_replace.is_empty();
                Self::planned_identity(
                    &req.type_name,
                    entry,
                    &resp.planned,
                    &prior_identity,
                    replacing,
                    &mut diags,
                )
            };
            out.planned_state = Some(encode(&resp.planned, &entry.ty)?);
            out.planned_private = private.to_bytes();
            Ok(())
        }
        .await;
        if let Err(d) = result {
            diags.push(d);
        }
        out.diagnostics = diags.into_proto();
        out
    }

    async fn apply_resource(
        &self,
        req: proto::apply_resource_change::Request,
    ) -> proto::apply_resource_change::Response {
        let mut out = proto::apply_resource_change::Response::default();
        let mut diags = Diagnostics::new();
        let result: Result<(), Diagnostic> = async {
            let entry = self.resource(&req.type_name)?;
            let prior = decode(req.prior_state.as_ref(), &entry.ty, "prior state")?;
            let planned = decode(req.planned_state.as_ref(), &entry.ty, "planned state")?;
            let config = decode(req.config.as_ref(), &entry.ty, "configuration")?;
            let planned_identity = self.decode_identity(entry, req.planned_identity.as_ref())?;
            let private = private_from(&req.planned_private)?;
            let op = match (prior.is_null(), planned.is_null()) {
                (_, true) => Op::Delete,
                (true, false) => Op::Create,
                (false, false) => Op::Update,
            };
            // What stays in state if the hook dies: nothing new, or the prior object.
            let fallback = if op == Op::Create {
                Value::Null
            } else {
                prior.clone()
            };
            let hooks = entry.hooks.clone();
            let mut ctx = self.context(private);
            let (p2, pl2, start) = (prior.clone(), planned.clone(), fallback.clone());
            let ran = guarded("ApplyResourceChange", async move {
                let mut resp = StateResponse::new(start);
                let r = match op {
                    Op::Create => {
                        let req = CreateRequest {
                            config,
                            planned: pl2,
                        };
                        hooks.create(&mut ctx, req, &mut resp).await
                    }
                    Op::Update => {
                        let req = UpdateRequest {
                            prior: p2,
                            config,
                            planned: pl2,
                        };
                        hooks.update(&mut ctx, req, &mut resp).await
                    }
                    Op::Delete if p2.is_null() => Ok(()),
                    Op::Delete => {
                        hooks
                            .delete(&mut ctx, DeleteRequest { prior: p2 }, &mut resp)
                            .await
                    }
                };
                (ctx.private, resp, r)
            })
            .await;
            let (private, mut state) = match ran {
                Ok((private, resp, r)) => {
                    diags.extend(resp.diagnostics);
                    absorb(&mut diags, Ok(r));
                    (private, resp.state)
                }
                Err(d) => {
                    diags.push(d);
                    (
                        PrivateState::from_bytes(&req.planned_private).unwrap_or_default(),
                        fallback.clone(),
                    )
                }
            };
            if op == Op::Delete && !diags.has_errors() {
                state = Value::Null;
            }
            plan::null_write_only(&entry.schema.block, &mut state);
            if !diags.has_errors() && op != Op::Delete {
                if state.is_null() {
                    diags.push(Diagnostic::error(
                        "Provider returned no state after apply",
                        format!(
                            "{}: the {} reported success but left no state. This is a bug in \
                             the provider.",
                            req.type_name,
                            if op == Op::Create { "create" } else { "update" }
                        ),
                    ));
                } else {
                    diags.extend(plan::check_apply_result(&req.type_name, &planned, &state));
                }
            }
            out.new_identity = Self::identity_answer(
                &req.type_name,
                entry,
                &state,
                &planned_identity,
                "apply",
                &mut diags,
            );
            out.new_state = Some(encode_or(&state, &fallback, &entry.ty, &mut diags));
            out.private = private.to_bytes();
            Ok(())
        }
        .await;
        if let Err(d) = result {
            diags.push(d);
            // Nothing ran: leave Terraform's record as it was.
            out.new_state = req.prior_state;
            out.private = req.planned_private;
        }
        out.diagnostics = diags.into_proto();
        out
    }

    async fn import_resource(
        &self,
        req: proto::import_resource_state::Request,
    ) -> proto::import_resource_state::Response {
        let mut out = proto::import_resource_state::Response::default();
        let mut diags = Diagnostics::new();
        let result: Result<(), Diagnostic> = async {
            let entry = self.resource(&req.type_name)?;
            let (id, requested) = self.import_target(entry, &req)?;
            let hooks = entry.hooks.clone();
            let mut ctx = self.context(PrivateState::new());
            let start = entry.schema.null_object();
            let hook_id = id.clone();
            let (private, resp) = guarded("ImportResourceState", async move {
                let mut resp = StateResponse::new(start);
                let r = hooks.import(&mut ctx, &hook_id, &mut resp).await;
                if let Err(d) = r {
                    resp.diagnostics.extend(d);
                }
                (ctx.private, resp)
            })
            .await?;
            diags.extend(resp.diagnostics);
            if diags.has_errors() {
                return Ok(());
            }
            if resp.state.is_null() {
                return Err(Diagnostic::error(
                    "Provider returned no state after import",
                    format!("{}: import of {id:?} produced no state.", req.type_name),
                ));
            }
            let identity =
                Self::imported_identity(&req.type_name, entry, &resp.state, &requested, &mut diags);
            if diags.has_errors() {
                return Ok(());
            }
            out.imported_resources
                .push(proto::import_resource_state::ImportedResource {
                    type_name: req.type_name.clone(),
                    state: Some(encode(&resp.state, &entry.ty)?),
                    private: private.to_bytes(),
                    identity,
                });
            Ok(())
        }
        .await;
        if let Err(d) = result {
            diags.push(d);
        }
        out.diagnostics = diags.into_proto();
        out
    }

    /// What to import: the request's id, or (import by identity) the id the resource makes of the
    /// request's identity, which is returned decoded too.
    fn import_target(
        &self,
        entry: &Entry<dyn Resource<P::Data>>,
        req: &proto::import_resource_state::Request,
    ) -> Result<(String, Value), Diagnostic> {
        let has_identity = req
            .identity
            .as_ref()
            .is_some_and(|i| i.identity_data.is_some());
        if !req.id.is_empty() || !has_identity {
            return Ok((req.id.clone(), Value::Null));
        }
        let Some(ident) = &entry.identity else {
            return Err(Diagnostic::error(
                "Import by identity not supported",
                format!(
                    "{} has no resource identity; import it by id instead.",
                    req.type_name
                ),
            ));
        };
        let requested = self.decode_identity(entry, req.identity.as_ref())?;
        let missing = ident.schema.missing_required(&requested);
        if let Some(first) = missing.first() {
            return Err(Diagnostic::error(
                "Invalid import identity",
                format!(
                    "Importing {} by identity needs {}; set it in the import block's identity.",
                    req.type_name,
                    missing.join(", ")
                ),
            )
            .with_attribute(super::path::AttributePath::attr(*first)));
        }
        let id = entry
            .hooks
            .import_id_from_identity(&ident.schema, &requested)
            .map_err(|d| {
                d.iter().find(|d| d.is_error()).cloned().unwrap_or_else(|| {
                    Diagnostic::error(
                        "Invalid import identity",
                        "The provider could not make an import id of the identity.",
                    )
                })
            })?;
        Ok((id, requested))
    }

    /// The identity of an imported state: derived from it, with attributes it leaves null taken
    /// from the requested identity, which it must not contradict.
    fn imported_identity(
        type_name: &str,
        entry: &Entry<dyn Resource<P::Data>>,
        state: &Value,
        requested: &Value,
        diags: &mut Diagnostics,
    ) -> Option<proto::ResourceIdentityData> {
        let ident = entry.identity.as_ref()?;
        let mut derived = entry.hooks.identity_from_state(&ident.schema, state);
        let changed = identity::conflicting_attributes(requested, &derived);
        if !changed.is_empty() {
            diags.error(
                "Imported object has a different identity",
                format!(
                    "{type_name}: the object imported for the requested identity differs from it \
                     in {}. This is a bug in the provider.",
                    changed.join(", ")
                ),
            );
            return None;
        }
        if let (Value::Object(d), Value::Object(r)) = (&mut derived, requested) {
            for (k, v) in r {
                if d.get(k).is_none_or(Value::is_null) {
                    d.insert(k.clone(), v.clone());
                }
            }
        }
        // Read fills in what import left open; an empty identity is simply not sent.
        if identity::is_empty_identity(&derived) || !derived.is_wholly_known() {
            return None;
        }
        encode_identity(&derived, &ident.ty)
            .map_err(|d| diags.push(d))
            .ok()
    }

    /// The identity Terraform sent, decoded with the resource's identity schema (null when the
    /// resource has none or Terraform sent none).
    fn decode_identity(
        &self,
        entry: &Entry<dyn Resource<P::Data>>,
        data: Option<&proto::ResourceIdentityData>,
    ) -> Result<Value, Diagnostic> {
        match &entry.identity {
            Some(ident) => decode(
                data.and_then(|d| d.identity_data.as_ref()),
                &ident.ty,
                "resource identity",
            ),
            None => Ok(Value::Null),
        }
    }

    /// The identity to answer Read or Apply with: the one of `state`, which must agree with
    /// `expected` (the prior or planned identity). When it does not, that is an error and the
    /// expected identity is sent back, so Terraform's record keeps naming the same object.
    fn identity_answer(
        type_name: &str,
        entry: &Entry<dyn Resource<P::Data>>,
        state: &Value,
        expected: &Value,
        when: &str,
        diags: &mut Diagnostics,
    ) -> Option<proto::ResourceIdentityData> {
        let ident = entry.identity.as_ref()?;
        if state.is_null() {
            return None;
        }
        let derived = entry.hooks.identity_from_state(&ident.schema, state);
        if !identity::is_empty_identity(expected) {
            let changed = identity::conflicting_attributes(expected, &derived);
            if !changed.is_empty() {
                diags.error(
                    "Unexpected identity change",
                    format!(
                        "{type_name}: the {when} produced an identity that differs from the \
                         prior one in {}. The identity of an existing object must never change. \
                         This is a bug in the provider.",
                        changed.join(", ")
                    ),
                );
                return encode_identity(expected, &ident.ty).ok();
            }
        }
        let missing = ident.schema.missing_required(&derived);
        if !derived.is_wholly_known() || !missing.is_empty() {
            diags.error(
                "Provider produced an incomplete identity",
                format!(
                    "{type_name}: after {when}, the identity must be wholly known and set{}. \
                     This is a bug in the provider.",
                    if missing.is_empty() {
                        String::new()
                    } else {
                        format!(" ({} is null)", missing.join(", "))
                    }
                ),
            );
            return None;
        }
        encode_identity(&derived, &ident.ty)
            .map_err(|d| diags.push(d))
            .ok()
    }

    /// The planned identity of a create or update: a create plans the identity of its planned
    /// state (unknowns allowed); an update keeps the prior identity unless it replaces the object.
    fn planned_identity(
        type_name: &str,
        entry: &Entry<dyn Resource<P::Data>>,
        planned: &Value,
        prior_identity: &Value,
        replacing: bool,
        diags: &mut Diagnostics,
    ) -> Option<proto::ResourceIdentityData> {
        let ident = entry.identity.as_ref()?;
        let derived = entry.hooks.identity_from_state(&ident.schema, planned);
        if identity::is_empty_identity(prior_identity) || replacing {
            return encode_identity(&derived, &ident.ty)
                .map_err(|d| diags.push(d))
                .ok();
        }
        let changed = identity::conflicting_attributes(prior_identity, &derived);
        if !changed.is_empty() && derived.is_wholly_known() {
            diags.error(
                "Unexpected identity change",
                format!(
                    "{type_name}: the plan changes the identity ({}) of an existing object \
                     without replacing it. The identity of an existing object must never change. \
                     This is a bug in the provider.",
                    changed.join(", ")
                ),
            );
        }
        encode_identity(prior_identity, &ident.ty)
            .map_err(|d| diags.push(d))
            .ok()
    }

    async fn upgrade_identity(
        &self,
        req: proto::upgrade_resource_identity::Request,
    ) -> (Option<proto::ResourceIdentityData>, Diagnostics) {
        let fail = |detail: String| {
            (
                None,
                Diagnostic::error("Unable to upgrade resource identity", detail).into(),
            )
        };
        let entry = match self.resource(&req.type_name) {
            Ok(e) => e,
            Err(d) => return (None, d.into()),
        };
        let Some(ident) = &entry.identity else {
            return fail(format!(
                "{} has no resource identity, so there is none to upgrade.",
                req.type_name
            ));
        };
        let raw = match identity::raw_identity_json(&req.raw_identity) {
            Ok(raw) => raw,
            Err(e) => return fail(format!("{e}.")),
        };
        let mut json: serde_json::Value = match serde_json::from_slice(&raw) {
            Ok(j) => j,
            Err(e) => return fail(format!("The stored identity is not valid JSON: {e}.")),
        };
        let current = ident.schema.version;
        let upgraded = if req.version == current {
            normalize_json(&mut json, &ident.ty);
            match value::decode_json(json.to_string().as_bytes(), &ident.ty) {
                Ok(v) => v,
                Err(e) => return (None, decode_error("stored identity", e).into()),
            }
        } else if req.version > current {
            return fail(format!(
                "The stored identity of {} has version {}, newer than this provider's {current}; \
                 it was written by a newer provider version.",
                req.type_name, req.version
            ));
        } else {
            let hooks = entry.hooks.clone();
            let version = req.version;
            let ran = guarded("UpgradeResourceIdentity", async move {
                hooks.upgrade_identity(version, &json)
            })
            .await;
            match ran {
                Ok(Ok(v)) => v,
                Ok(Err(d)) => return (None, d),
                Err(d) => return (None, d.into()),
            }
        };
        match encode_identity(&upgraded, &ident.ty) {
            Ok(data) => (Some(data), Diagnostics::new()),
            Err(d) => (None, d.into()),
        }
    }

    async fn read_data(
        &self,
        req: proto::read_data_source::Request,
    ) -> proto::read_data_source::Response {
        let mut out = proto::read_data_source::Response::default();
        let mut diags = Diagnostics::new();
        let result: Result<(), Diagnostic> = async {
            let entry = self.data_source(&req.type_name)?;
            let config = decode(req.config.as_ref(), &entry.ty, "configuration")?;
            let hooks = entry.hooks.clone();
            let ctx = self.context(PrivateState::new());
            let resp = guarded("ReadDataSource", async move {
                let mut resp = StateResponse::new(config.clone());
                if let Err(d) = hooks
                    .read(&ctx, DataReadRequest { config }, &mut resp)
                    .await
                {
                    resp.diagnostics.extend(d);
                }
                resp
            })
            .await?;
            diags.extend(resp.diagnostics);
            if diags.has_errors() {
                return Ok(());
            }
            if resp.state.is_null() {
                return Err(Diagnostic::error(
                    "Provider returned no state for data source",
                    format!(
                        "{}: the read reported success but returned null.",
                        req.type_name
                    ),
                ));
            }
            diags.extend(plan::check_apply_result(
                &req.type_name,
                &Value::Unknown,
                &resp.state,
            ));
            out.state = Some(encode(&resp.state, &entry.ty)?);
            Ok(())
        }
        .await;
        if let Err(d) = result {
            diags.push(d);
        }
        out.diagnostics = diags.into_proto();
        out
    }

    async fn validate_data(
        &self,
        req: proto::validate_data_resource_config::Request,
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let entry = match self.data_source(&req.type_name) {
            Ok(e) => e,
            Err(d) => return d.into(),
        };
        let config = match decode(req.config.as_ref(), &entry.ty, "configuration") {
            Ok(v) => v,
            Err(d) => return d.into(),
        };
        diags.extend(plan::validate_config(&entry.schema.block, &config));
        let hooks = entry.hooks.clone();
        let ctx = self.context(PrivateState::new());
        let out = guarded("ValidateDataResourceConfig", async move {
            hooks.validate(&ctx, &config).await
        })
        .await;
        absorb(&mut diags, out);
        diags
    }

    async fn validate_provider(
        &self,
        req: proto::validate_provider_config::Request,
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let config = match decode(
            req.config.as_ref(),
            &self.provider_type,
            "provider configuration",
        ) {
            Ok(v) => v,
            Err(d) => return d.into(),
        };
        diags.extend(plan::validate_config(&self.provider_schema.block, &config));
        let provider = self.provider.clone();
        let ctx = self.context(PrivateState::new());
        let out = guarded("ValidateProviderConfig", async move {
            provider.validate(&ctx, &config).await
        })
        .await;
        absorb(&mut diags, out);
        diags
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Create,
    Update,
    Delete,
}

fn absorb(diags: &mut Diagnostics, out: Result<Result<(), Diagnostics>, Diagnostic>) {
    match out {
        Ok(Ok(())) => {}
        Ok(Err(d)) => diags.extend(d),
        Err(d) => diags.push(d),
    }
}

/// Runs a hook in its own task so that a panic in it becomes a diagnostic.
async fn guarded<T: Send + 'static>(
    rpc: &'static str,
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T, Diagnostic> {
    match tokio::spawn(fut.in_current_span()).await {
        Ok(v) => Ok(v),
        Err(e) => {
            let panicked = e.is_panic();
            if panicked {
                // The panic message is not logged: it may quote sensitive values.
                tracing::error!(rpc, "provider hook panicked");
            }
            Err(Diagnostic::error(
                "Provider internal error",
                format!(
                    "The provider {} while handling {rpc}. This is a bug in the provider; \
                     please report it with the steps that led here.",
                    if panicked {
                        "crashed"
                    } else {
                        "was interrupted"
                    }
                ),
            ))
        }
    }
}

fn unknown_type<'a>(
    kind: &str,
    type_name: &str,
    known: impl Iterator<Item = &'a String>,
) -> Diagnostic {
    let known: Vec<_> = known.map(String::as_str).collect();
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!(
            "This provider has no {kind} type named {type_name:?} (it has: {}).",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    )
}

fn decode_error(what: &str, e: super::value::ValueError) -> Diagnostic {
    let diag = Diagnostic::error(
        format!("Invalid {what}"),
        format!("Terraform sent a {what} the provider cannot read: {e}"),
    );
    if e.path.is_root() {
        diag
    } else {
        diag.with_attribute(e.path)
    }
}

fn encode_identity(v: &Value, ty: &Type) -> Result<proto::ResourceIdentityData, Diagnostic> {
    Ok(proto::ResourceIdentityData {
        identity_data: Some(encode(v, ty)?),
    })
}

/// msgpack first; JSON when msgpack is empty; an absent value is null.
fn decode(dv: Option<&proto::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostic> {
    let Some(dv) = dv else { return Ok(Value::Null) };
    let decoded = if !dv.msgpack.is_empty() {
        value::decode_msgpack(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        value::decode_json(&dv.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| decode_error(what, e))
}

fn encode(v: &Value, ty: &Type) -> Result<proto::DynamicValue, Diagnostic> {
    let msgpack = value::encode_msgpack(v, ty).map_err(|e| {
        let diag = Diagnostic::error(
            "Provider produced an invalid value",
            format!("The value does not match the schema: {e}. This is a bug in the provider."),
        );
        if e.path.is_root() {
            diag
        } else {
            diag.with_attribute(e.path)
        }
    })?;
    Ok(proto::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

/// Encodes `v`, or (with an error) `fallback` when `v` does not fit the schema.
fn encode_or(
    v: &Value,
    fallback: &Value,
    ty: &Type,
    diags: &mut Diagnostics,
) -> proto::DynamicValue {
    match encode(v, ty) {
        Ok(dv) => dv,
        Err(d) => {
            diags.push(d);
            encode(fallback, ty).unwrap_or_default()
        }
    }
}

fn private_from(bytes: &[u8]) -> Result<PrivateState, Diagnostic> {
    Ok(PrivateState::from_bytes(bytes)?)
}

/// Makes stored JSON fit the current object type: drops attributes no longer in the schema and
/// adds missing ones as null.
fn normalize_json(j: &mut serde_json::Value, ty: &Type) {
    use serde_json::Value as J;
    match (j, ty) {
        (J::Object(m), Type::Object(fields)) => {
            m.retain(|k, _| fields.contains_key(k));
            for (k, t) in fields {
                normalize_json(m.entry(k.clone()).or_insert(J::Null), t);
            }
        }
        (J::Array(xs), Type::List(t) | Type::Set(t)) => {
            for x in xs {
                normalize_json(x, t);
            }
        }
        (J::Object(m), Type::Map(t)) => {
            for x in m.values_mut() {
                normalize_json(x, t);
            }
        }
        _ => {}
    }
}

fn span(rpc: &'static str, type_name: &str) -> tracing::Span {
    tracing::info_span!(
        "tf_rpc",
        tf_rpc = rpc,
        tf_resource_type = type_name,
        tf_req_id = %uuid::Uuid::new_v4()
    )
}

/// Logs the outcome inside the call's span: counts only, never content.
fn logged<T>(
    span: &tracing::Span,
    diags: &[proto::Diagnostic],
    out: T,
) -> Result<Response<T>, Status> {
    let errors = diags
        .iter()
        .filter(|d| d.severity == proto::diagnostic::Severity::Error as i32)
        .count();
    let _entered = span.enter();
    tracing::debug!(diagnostics = diags.len(), errors, "served");
    Ok(Response::new(out))
}

#[tonic::async_trait]
impl<P: Provider> ProviderRpc for Server<P> {
    async fn get_metadata(
        &self,
        _request: Request<proto::get_metadata::Request>,
    ) -> Result<Response<proto::get_metadata::Response>, Status> {
        use proto::get_metadata::{DataSourceMetadata, ResourceMetadata, Response as R};
        let out = R {
            server_capabilities: Some(Self::capabilities()),
            diagnostics: Vec::new(),
            data_sources: self
                .data_sources
                .keys()
                .map(|n| DataSourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            resources: self
                .resources
                .keys()
                .map(|n| ResourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            functions: Vec::new(),
            ephemeral_resources: Vec::new(),
        };
        Ok(Response::new(out))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<proto::get_provider_schema::Request>,
    ) -> Result<Response<proto::get_provider_schema::Response>, Status> {
        let sp = span("GetProviderSchema", "");
        let out = proto::get_provider_schema::Response {
            provider: Some(self.provider_schema.to_proto()),
            resource_schemas: self
                .resources
                .iter()
                .map(|(n, e)| (n.clone(), e.schema.to_proto()))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(n, e)| (n.clone(), e.schema.to_proto()))
                .collect(),
            functions: Default::default(),
            ephemeral_resource_schemas: Default::default(),
            diagnostics: self.schema_problems().into_proto(),
            provider_meta: None,
            server_capabilities: Some(Self::capabilities()),
        };
        logged(&sp, &[], out)
    }

    async fn validate_provider_config(
        &self,
        request: Request<proto::validate_provider_config::Request>,
    ) -> Result<Response<proto::validate_provider_config::Response>, Status> {
        let sp = span("ValidateProviderConfig", "");
        let diags = self
            .validate_provider(request.into_inner())
            .instrument(sp.clone())
            .await
            .into_proto();
        logged(
            &sp,
            &diags,
            proto::validate_provider_config::Response {
                diagnostics: diags.clone(),
            },
        )
    }

    async fn validate_resource_config(
        &self,
        request: Request<proto::validate_resource_config::Request>,
    ) -> Result<Response<proto::validate_resource_config::Response>, Status> {
        let req = request.into_inner();
        let sp = span("ValidateResourceConfig", &req.type_name);
        let diags = self
            .validate_resource(req)
            .instrument(sp.clone())
            .await
            .into_proto();
        logged(
            &sp,
            &diags,
            proto::validate_resource_config::Response {
                diagnostics: diags.clone(),
            },
        )
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<proto::validate_data_resource_config::Request>,
    ) -> Result<Response<proto::validate_data_resource_config::Response>, Status> {
        let req = request.into_inner();
        let sp = span("ValidateDataResourceConfig", &req.type_name);
        let diags = self
            .validate_data(req)
            .instrument(sp.clone())
            .await
            .into_proto();
        logged(
            &sp,
            &diags,
            proto::validate_data_resource_config::Response {
                diagnostics: diags.clone(),
            },
        )
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<proto::upgrade_resource_state::Request>,
    ) -> Result<Response<proto::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        let sp = span("UpgradeResourceState", &req.type_name);
        let (upgraded_state, diags) = self.upgrade_state(req).instrument(sp.clone()).await;
        let diagnostics = diags.into_proto();
        logged(
            &sp,
            &diagnostics,
            proto::upgrade_resource_state::Response {
                upgraded_state,
                diagnostics: diagnostics.clone(),
            },
        )
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<proto::get_resource_identity_schemas::Request>,
    ) -> Result<Response<proto::get_resource_identity_schemas::Response>, Status> {
        let sp = span("GetResourceIdentitySchemas", "");
        let out = proto::get_resource_identity_schemas::Response {
            identity_schemas: self
                .resources
                .iter()
                .filter_map(|(n, e)| Some((n.clone(), e.identity.as_ref()?.schema.to_proto())))
                .collect(),
            diagnostics: Vec::new(),
        };
        logged(&sp, &[], out)
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<proto::upgrade_resource_identity::Request>,
    ) -> Result<Response<proto::upgrade_resource_identity::Response>, Status> {
        let req = request.into_inner();
        let sp = span("UpgradeResourceIdentity", &req.type_name);
        let (upgraded_identity, diags) = self.upgrade_identity(req).instrument(sp.clone()).await;
        let diagnostics = diags.into_proto();
        logged(
            &sp,
            &diagnostics,
            proto::upgrade_resource_identity::Response {
                upgraded_identity,
                diagnostics: diagnostics.clone(),
            },
        )
    }

    async fn configure_provider(
        &self,
        request: Request<proto::configure_provider::Request>,
    ) -> Result<Response<proto::configure_provider::Response>, Status> {
        let sp = span("ConfigureProvider", "");
        let diags = self
            .configure(request.into_inner())
            .instrument(sp.clone())
            .await
            .into_proto();
        logged(
            &sp,
            &diags,
            proto::configure_provider::Response {
                diagnostics: diags.clone(),
            },
        )
    }

    async fn read_resource(
        &self,
        request: Request<proto::read_resource::Request>,
    ) -> Result<Response<proto::read_resource::Response>, Status> {
        let req = request.into_inner();
        let sp = span("ReadResource", &req.type_name);
        let out = self.read_resource(req).instrument(sp.clone()).await;
        let diags = out.diagnostics.clone();
        logged(&sp, &diags, out)
    }

    async fn plan_resource_change(
        &self,
        request: Request<proto::plan_resource_change::Request>,
    ) -> Result<Response<proto::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        let sp = span("PlanResourceChange", &req.type_name);
        let out = self.plan_resource(req).instrument(sp.clone()).await;
        let diags = out.diagnostics.clone();
        logged(&sp, &diags, out)
    }

    async fn apply_resource_change(
        &self,
        request: Request<proto::apply_resource_change::Request>,
    ) -> Result<Response<proto::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        let sp = span("ApplyResourceChange", &req.type_name);
        let out = self.apply_resource(req).instrument(sp.clone()).await;
        let diags = out.diagnostics.clone();
        logged(&sp, &diags, out)
    }

    async fn import_resource_state(
        &self,
        request: Request<proto::import_resource_state::Request>,
    ) -> Result<Response<proto::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        let sp = span("ImportResourceState", &req.type_name);
        let out = self.import_resource(req).instrument(sp.clone()).await;
        let diags = out.diagnostics.clone();
        logged(&sp, &diags, out)
    }

    async fn move_resource_state(
        &self,
        request: Request<proto::move_resource_state::Request>,
    ) -> Result<Response<proto::move_resource_state::Response>, Status> {
        let req = request.into_inner();
        let diags: Diagnostics = Diagnostic::error(
            "Move resource state not supported",
            format!(
                "This provider cannot move {:?} resources into {:?}.",
                req.source_type_name, req.target_type_name
            ),
        )
        .into();
        Ok(Response::new(proto::move_resource_state::Response {
            diagnostics: diags.into_proto(),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<proto::read_data_source::Request>,
    ) -> Result<Response<proto::read_data_source::Response>, Status> {
        let req = request.into_inner();
        let sp = span("ReadDataSource", &req.type_name);
        let out = self.read_data(req).instrument(sp.clone()).await;
        let diags = out.diagnostics.clone();
        logged(&sp, &diags, out)
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<proto::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<proto::validate_ephemeral_resource_config::Response>, Status> {
        let diags = no_ephemeral(&request.get_ref().type_name);
        Ok(Response::new(
            proto::validate_ephemeral_resource_config::Response { diagnostics: diags },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<proto::open_ephemeral_resource::Request>,
    ) -> Result<Response<proto::open_ephemeral_resource::Response>, Status> {
        let diags = no_ephemeral(&request.get_ref().type_name);
        Ok(Response::new(proto::open_ephemeral_resource::Response {
            diagnostics: diags,
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<proto::renew_ephemeral_resource::Request>,
    ) -> Result<Response<proto::renew_ephemeral_resource::Response>, Status> {
        let diags = no_ephemeral(&request.get_ref().type_name);
        Ok(Response::new(proto::renew_ephemeral_resource::Response {
            diagnostics: diags,
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<proto::close_ephemeral_resource::Request>,
    ) -> Result<Response<proto::close_ephemeral_resource::Response>, Status> {
        let diags = no_ephemeral(&request.get_ref().type_name);
        Ok(Response::new(proto::close_ephemeral_resource::Response {
            diagnostics: diags,
        }))
    }

    async fn get_functions(
        &self,
        _request: Request<proto::get_functions::Request>,
    ) -> Result<Response<proto::get_functions::Response>, Status> {
        Ok(Response::new(proto::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        request: Request<proto::call_function::Request>,
    ) -> Result<Response<proto::call_function::Response>, Status> {
        let name = &request.get_ref().name;
        Ok(Response::new(proto::call_function::Response {
            result: None,
            error: Some(proto::FunctionError {
                text: format!("This provider has no function named {name:?}."),
                function_argument: None,
            }),
        }))
    }

    async fn stop_provider(
        &self,
        _request: Request<proto::stop_provider::Request>,
    ) -> Result<Response<proto::stop_provider::Response>, Status> {
        tracing::info!(tf_rpc = "StopProvider", "cancelling in-flight operations");
        self.stop.cancel();
        Ok(Response::new(proto::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn no_ephemeral(type_name: &str) -> Vec<proto::Diagnostic> {
    let diags: Diagnostics =
        unknown_type("ephemeral resource", type_name, std::iter::empty()).into();
    diags.into_proto()
}
