//! What the server calls: [`Provider`], [`Resource`] and [`DataSource`] (list resources are in
//! [`list`](super::list)), and the [`Context`], requests and responses their hooks see, over
//! [`Value`]s. No protocol types appear here; the
//! server ([`server`](super::server)) decodes, applies the plan rules ([`plan`](super::plan))
//! and encodes around them. Resources and data sources are usually written over typed models
//! instead ([`typed`](super::typed)), which implement these traits.
//!
//! Hooks that can fail return `Result<(), Diagnostics>`; `?` works on a [`Diagnostic`], a
//! [`ValueError`](super::value::ValueError), a
//! [`PrivateStateError`](super::private::PrivateStateError) or [`NotConfigured`]. Apply-style
//! hooks write into a [`StateResponse`], so a hook can record a partial state and still fail:
//! the state sent back is always whatever `resp.state` holds, and Terraform keeps it.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diag::{Diagnostic, Diagnostics};
use super::identity::IdentitySchema;
use super::list::ListResource;
use super::path::AttributePath;
use super::private::PrivateState;
use super::schema::Schema;
use super::value::Value;

/// What the caller said it supports (`ClientCapabilities`, on the requests that carry it; all
/// false otherwise, e.g. from Terraform before 1.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCapabilities {
    /// A deferred answer is understood (6.6+).
    pub deferral_allowed: bool,
    /// Write-only attributes are understood (6.8+).
    pub write_only_attributes_allowed: bool,
    /// When planning a change again at apply time, the caller sends the private state the first
    /// plan produced ([`Context::previous_plan`]); 6.11+, Terraform >= 1.16.
    pub store_planned_private: bool,
    /// Computed blocks are understood (6.11+).
    pub computed_blocks_allowed: bool,
}

/// Per-call context: the configured provider data, cancellation, what the caller supports, and
/// the resource's private state (read it, change it; the server sends back whatever it holds at
/// the end).
pub struct Context<D> {
    data: Option<Arc<D>>,
    cancel: CancellationToken,
    client: ClientCapabilities,
    previous_plan: Option<PrivateState>,
    /// Incoming private state (prior/planned/current); what is left here goes back out.
    pub private: PrivateState,
}

impl<D> Context<D> {
    /// A context for tests or for calling hooks directly.
    pub fn new(data: Option<Arc<D>>, cancel: CancellationToken, private: PrivateState) -> Self {
        Self {
            data,
            cancel,
            client: ClientCapabilities::default(),
            previous_plan: None,
            private,
        }
    }

    /// This context with the caller's capabilities.
    pub fn with_client_capabilities(mut self, client: ClientCapabilities) -> Self {
        self.client = client;
        self
    }

    /// This context with the private state of an earlier plan of the same change.
    pub fn with_previous_plan(mut self, planned_private: PrivateState) -> Self {
        self.previous_plan = Some(planned_private);
        self
    }

    /// What the caller supports.
    pub fn client_capabilities(&self) -> &ClientCapabilities {
        &self.client
    }

    /// `modify_plan` only: when Terraform plans a change a second time (at apply time, with the
    /// values learnt since), the private state the first plan of it left, so what that plan
    /// chose (a token, a generated name) can be chosen again and the two plans agree.
    /// `None` on a first plan, and always from Terraform before 1.16 (protocol 6.11's
    /// `PlanResourceChange.planned_private`, promised by the `store_planned_private`
    /// capability).
    pub fn previous_plan(&self) -> Option<&PrivateState> {
        self.previous_plan.as_ref()
    }

    /// What `Provider::configure` produced (e.g. the API client).
    pub fn provider_data(&self) -> Result<&D, NotConfigured> {
        self.data.as_deref().ok_or(NotConfigured)
    }

    /// Cancelled when Terraform sends StopProvider (e.g. on Ctrl-C).
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.cancel
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves once the operation is cancelled; `select!` it against slow work.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await
    }
}

impl<D> fmt::Debug for Context<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("configured", &self.data.is_some())
            .field("cancelled", &self.cancel.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// Provider data was needed before Terraform called ConfigureProvider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the provider has not been configured yet")]
pub struct NotConfigured;

impl From<NotConfigured> for Diagnostic {
    fn from(_: NotConfigured) -> Self {
        Diagnostic::error(
            "Provider not configured",
            "This operation needs the configured provider (its API client), but Terraform has \
             not called ConfigureProvider yet, or configuration failed. Check the provider \
             block for errors reported earlier.",
        )
    }
}

impl From<NotConfigured> for Diagnostics {
    fn from(e: NotConfigured) -> Self {
        Diagnostic::from(e).into()
    }
}

/// What a hook returns: `Err` diagnostics are added to the response (the state set so far is
/// still returned).
pub type HookResult = Result<(), Diagnostics>;

/// The provider itself: its configuration and the types it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` builds and every later call sees via [`Context::provider_data`].
    type Data: Send + Sync + 'static;

    /// Schema of the `provider "..." {}` block.
    fn schema(&self) -> Schema;

    /// Extra checks on the provider config (read-only attributes and validators already ran).
    /// Config may hold unknown values.
    async fn validate(&self, _ctx: &Context<Self::Data>, _config: &Value) -> HookResult {
        Ok(())
    }

    /// Builds the provider data from the config. Returning `Ok(None)` leaves the provider
    /// unconfigured, so later calls that need it fail with a clear diagnostic.
    async fn configure(
        &self,
        ctx: &Context<Self::Data>,
        req: ConfigureRequest,
        diags: &mut Diagnostics,
    ) -> Option<Self::Data>;

    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Data>>>;

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Data>>> {
        Vec::new()
    }

    /// List resources (`terraform query`, Terraform >= 1.14). Each lists objects of the managed
    /// resource type of the same name, which must declare an identity.
    fn list_resources(&self) -> Vec<Arc<dyn ListResource<Self::Data>>> {
        Vec::new()
    }
}

/// Input of [`Provider::configure`].
#[derive(Clone, Debug)]
pub struct ConfigureRequest {
    pub config: Value,
    pub terraform_version: String,
}

/// Input of [`Resource::modify_plan`]. On create `prior` is null; on destroy `proposed` and
/// `config` are null (and the plan stays null whatever the hook does).
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub prior: Value,
    pub proposed: Value,
    pub config: Value,
}

impl PlanRequest {
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }

    pub fn is_destroy(&self) -> bool {
        self.proposed.is_null()
    }
}

/// The plan after the plan rules, for the hook to refine.
#[derive(Clone, Debug)]
pub struct PlanResponse {
    pub planned: Value,
    /// Extra replacement paths; the server adds requires-replace attributes that changed.
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

/// Input of [`Resource::create`].
#[derive(Clone, Debug)]
pub struct CreateRequest {
    pub config: Value,
    pub planned: Value,
}

/// Input of [`Resource::update`].
#[derive(Clone, Debug)]
pub struct UpdateRequest {
    pub prior: Value,
    pub config: Value,
    pub planned: Value,
}

/// Input of [`Resource::delete`].
#[derive(Clone, Debug)]
pub struct DeleteRequest {
    pub prior: Value,
}

/// Input of [`Resource::read`].
#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub state: Value,
}

/// Input of [`DataSource::read`].
#[derive(Clone, Debug)]
pub struct DataReadRequest {
    pub config: Value,
}

/// The state an operation leaves behind, plus its diagnostics. It starts as: null (create),
/// the prior state (update, delete), the current state (read), the config (data source read),
/// a null-attribute object (import). Null after read means the object is gone; delete is
/// turned into null by the server when the hook reports no error.
///
/// Typed resources ([`TypedResource`](super::typed::TypedResource)) see a
/// `StateResponse<Option<Model>>`, where `None` is null.
#[derive(Clone, Debug)]
pub struct StateResponse<S = Value> {
    pub state: S,
    pub diagnostics: Diagnostics,
}

impl<S> StateResponse<S> {
    pub fn new(state: S) -> Self {
        Self {
            state,
            diagnostics: Diagnostics::new(),
        }
    }
}

impl StateResponse {
    /// Read found the object gone: Terraform drops it from state and plans a create.
    pub fn remove(&mut self) {
        self.state = Value::Null;
    }
}

impl<M> StateResponse<Option<M>> {
    /// Read found the object gone: Terraform drops it from state and plans a create.
    pub fn remove(&mut self) {
        self.state = None;
    }
}

/// A managed resource type.
#[async_trait]
pub trait Resource<D>: Send + Sync + 'static {
    /// Full type name, e.g. `servicecatalog_provisioned_product_properties`.
    fn type_name(&self) -> &str;

    fn schema(&self) -> Schema;

    /// Extra checks on config (read-only attributes and validators already ran). Config may
    /// hold unknown values.
    async fn validate(&self, _ctx: &Context<D>, _config: &Value) -> HookResult {
        Ok(())
    }

    /// Refines the plan after the plan rules ran (also called for destroys).
    async fn modify_plan(
        &self,
        _ctx: &mut Context<D>,
        _req: PlanRequest,
        _resp: &mut PlanResponse,
    ) -> HookResult {
        Ok(())
    }

    async fn create(
        &self,
        ctx: &mut Context<D>,
        req: CreateRequest,
        resp: &mut StateResponse,
    ) -> HookResult;

    /// Refreshes `resp.state` (pre-filled with the current state) from the real object.
    async fn read(
        &self,
        ctx: &mut Context<D>,
        req: ReadRequest,
        resp: &mut StateResponse,
    ) -> HookResult;

    async fn update(
        &self,
        ctx: &mut Context<D>,
        req: UpdateRequest,
        resp: &mut StateResponse,
    ) -> HookResult;

    async fn delete(
        &self,
        ctx: &mut Context<D>,
        req: DeleteRequest,
        resp: &mut StateResponse,
    ) -> HookResult;

    /// Builds a state from an import id; Terraform reads it right after. `resp.state` starts
    /// as the schema's null object. Default: import unsupported.
    async fn import(
        &self,
        _ctx: &mut Context<D>,
        id: &str,
        _resp: &mut StateResponse,
    ) -> HookResult {
        let _ = id;
        Err(Diagnostic::error(
            "Import not supported",
            format!("{} resources cannot be imported.", self.type_name()),
        )
        .into())
    }

    /// The resource's identity (protocol 6.9, Terraform >= 1.12), or `None` for none. The
    /// server derives identity data from the state through [`Resource::identity_from_state`].
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// The identity of a (non-null) state. Default: the state attributes of the identity's
    /// attribute names.
    fn identity_from_state(&self, identity: &IdentitySchema, state: &Value) -> Value {
        identity.from_state(state)
    }

    /// Import by identity: the import id [`Resource::import`] gets for `identity` (decoded with
    /// the identity schema). Default: the value of a single-attribute identity; an identity of
    /// several attributes must override this.
    fn import_id_from_identity(
        &self,
        schema: &IdentitySchema,
        identity: &Value,
    ) -> Result<String, Diagnostics> {
        Ok(schema.single_import_id(identity)?)
    }

    /// Upgrades identity data stored at an older identity `version` (raw JSON) to the current
    /// identity schema. Only called when `version` is older than the identity schema's.
    fn upgrade_identity(
        &self,
        version: i64,
        _raw: &serde_json::Value,
    ) -> Result<Value, Diagnostics> {
        let current = self
            .identity_schema()
            .map(|s| s.version)
            .unwrap_or_default();
        Err(Diagnostic::error(
            "Unable to upgrade resource identity",
            format!(
                "{} has no upgrade of its identity from version {version} to {current}.",
                self.type_name()
            ),
        )
        .into())
    }

    /// GenerateResourceConfig (`terraform query -generate-config-out`, Terraform >= 1.14): the
    /// configuration a user would write for an object whose state is `state`. Default: the
    /// state as it is; either way the layer then keeps only what configuration sets (see
    /// [`generate`](super::generate): computed-only and write-only attributes and optional ones
    /// at their default become null). Override it to change values, e.g. to drop what the
    /// object inherited rather than had set.
    fn generate_config(&self, state: Value) -> Result<Value, Diagnostics> {
        Ok(state)
    }

    /// Upgrades a stored state written at an older schema `version` (as raw JSON) to the current
    /// schema, into `resp.state`. Only called when `version` is older than the schema's.
    async fn upgrade_state(
        &self,
        _ctx: &Context<D>,
        version: i64,
        _raw: &serde_json::Value,
        _resp: &mut StateResponse,
    ) -> HookResult {
        Err(Diagnostic::error(
            "Unable to upgrade resource state",
            format!(
                "{} has no upgrade from schema version {version} to {}.",
                self.type_name(),
                self.schema().version
            ),
        )
        .into())
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource<D>: Send + Sync + 'static {
    fn type_name(&self) -> &str;

    fn schema(&self) -> Schema;

    async fn validate(&self, _ctx: &Context<D>, _config: &Value) -> HookResult {
        Ok(())
    }

    /// Fills `resp.state` (pre-filled with the config) with every computed value.
    async fn read(
        &self,
        ctx: &Context<D>,
        req: DataReadRequest,
        resp: &mut StateResponse,
    ) -> HookResult;
}
