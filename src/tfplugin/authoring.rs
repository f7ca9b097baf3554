//! What a provider author implements: [`Provider`], and [`Resource`] and [`DataSource`] over
//! typed models (list resources are in [`list`](super::list)). The layer reads configs, plans
//! and states into the models, calls the hook and writes back what it returns; a value that
//! does not fit the model is an error on its attribute, and the hook is not called.

use async_trait::async_trait;

use super::context::{Context, HookResult};
use super::diag::{Diagnostic, Diagnostics};
use super::erased::{ActionType, DataSourceType, ListResourceType, ResourceType};
use super::identity::IdentitySchema;
use super::model::Model;
use super::path::AttributePath;
use super::schema::Schema;
use super::value::Value;

/// The provider: its block and the types it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` builds and every later call sees via [`Context::provider_data`].
    type Data: Send + Sync + 'static;
    /// The `provider "..." {}` block (`()` for none).
    type Config: Model + Sync;

    fn schema(&self) -> Schema;

    /// Extra checks on the block, after the schema's; see [`Resource::validate`].
    async fn validate(&self, _ctx: &Context<Self::Data>, _config: Self::Config) -> HookResult {
        Ok(())
    }

    /// Builds the provider data. `None` leaves the provider unconfigured, so later calls that
    /// need it fail with a clear diagnostic.
    async fn configure(
        &self,
        ctx: &Context<Self::Data>,
        req: ConfigureRequest<Self::Config>,
        diags: &mut Diagnostics,
    ) -> Option<Self::Data>;

    fn resources(&self) -> Vec<ResourceType<Self::Data>>;

    fn data_sources(&self) -> Vec<DataSourceType<Self::Data>> {
        Vec::new()
    }

    /// Each lists objects of the managed resource type of the same name, which must declare an
    /// identity.
    fn list_resources(&self) -> Vec<ListResourceType<Self::Data>> {
        Vec::new()
    }

    /// Actions (Terraform >= 1.14).
    fn actions(&self) -> Vec<ActionType<Self::Data>> {
        Vec::new()
    }
}

/// Input of [`Provider::configure`].
#[derive(Clone, Debug)]
pub struct ConfigureRequest<C> {
    pub config: C,
    /// False when some value of the block is not known yet (it depends on a resource not yet
    /// applied).
    pub config_is_known: bool,
    pub terraform_version: String,
}

/// What an apply-style hook leaves: `Some(model)`, or `None` for no object. Set it even when
/// the hook fails: the state sent back is whatever it holds, and Terraform keeps it.
#[derive(Clone, Debug)]
pub struct ModelResponse<M> {
    pub state: Option<M>,
    pub diagnostics: Diagnostics,
}

impl<M> ModelResponse<M> {
    pub fn new(state: Option<M>) -> Self {
        Self {
            state,
            diagnostics: Diagnostics::new(),
        }
    }

    /// Read found the object gone: Terraform drops it from state and plans a create.
    pub fn remove(&mut self) {
        self.state = None;
    }
}

/// The plan [`Resource::modify_plan`] refines.
#[derive(Clone, Debug)]
pub struct ModelPlan<M> {
    /// The prior state; `None` on create.
    pub prior: Option<M>,
    /// The plan so far (defaults applied, computed values unknown).
    pub planned: M,
    /// Attributes whose change replaces the object (beyond the requires-replace ones).
    pub requires_replace: Vec<AttributePath>,
}

/// A managed resource type. Identity data is the state's attributes of the identity's names.
#[async_trait]
pub trait Resource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// Config, planned state at apply, and state. Attributes a plan may leave unknown are
    /// [`Field`](super::model::Field)s; at apply only computed ones can still be.
    type Model: Model + Clone + Sync;
    /// What `modify_plan` reads and writes (`()` for nothing).
    type Plan: Model + Sync;

    /// Full type name, e.g. `servicecatalog_provisioned_product_properties`.
    fn type_name(&self) -> &str;

    fn schema(&self) -> Schema;

    /// The resource's identity (protocol 6.9, Terraform >= 1.12), if it has one.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// Extra checks on the config, after the schema's. Called once the config fits the model:
    /// while a value the model holds as a plain type is unknown, the check waits for
    /// Terraform's next validation, at plan time, with the value known.
    async fn validate(&self, _ctx: &Context<D>, _config: Self::Model) -> HookResult {
        Ok(())
    }

    /// Refines the plan of a create or update (never called for a destroy).
    async fn modify_plan(
        &self,
        _ctx: &mut Context<D>,
        _plan: &mut ModelPlan<Self::Plan>,
    ) -> HookResult {
        Ok(())
    }

    /// `resp.state` starts as `None`.
    async fn create(
        &self,
        ctx: &mut Context<D>,
        planned: Self::Model,
        resp: &mut ModelResponse<Self::Model>,
    ) -> HookResult;

    /// `resp.state` starts as the current state; `None` (`resp.remove()`) means it is gone.
    async fn read(
        &self,
        ctx: &mut Context<D>,
        state: Self::Model,
        resp: &mut ModelResponse<Self::Model>,
    ) -> HookResult;

    /// `resp.state` starts as the prior state.
    async fn update(
        &self,
        ctx: &mut Context<D>,
        prior: Self::Model,
        planned: Self::Model,
        resp: &mut ModelResponse<Self::Model>,
    ) -> HookResult;

    /// `resp.state` starts as the prior state; the layer drops it when this succeeds.
    async fn delete(
        &self,
        ctx: &mut Context<D>,
        prior: Self::Model,
        resp: &mut ModelResponse<Self::Model>,
    ) -> HookResult;

    /// The state for an import id; Terraform reads it right after. Default: unsupported.
    async fn import(&self, _ctx: &mut Context<D>, id: &str) -> Result<Self::Model, Diagnostics> {
        let _ = id;
        Err(Diagnostic::error(
            "Import not supported",
            format!("{} resources cannot be imported.", self.type_name()),
        )
        .into())
    }

    /// Import by identity: the import id for `identity`, an object of the identity schema's
    /// attributes (read it into a model with `Model::from_object`). Default: the value of a
    /// single-attribute identity.
    fn import_id_from_identity(
        &self,
        schema: &IdentitySchema,
        identity: &Value,
    ) -> Result<String, Diagnostics> {
        Ok(schema.single_import_id(identity)?)
    }

    /// GenerateResourceConfig (`terraform query -generate-config-out`): the configuration a
    /// user would write for `state`; the layer then drops what configuration cannot set.
    /// Default: the state as it is.
    fn generate_config(&self, state: Self::Model) -> Result<Self::Model, Diagnostics> {
        Ok(state)
    }

    /// The state stored at an older schema `version` (its raw JSON), as the current model.
    async fn upgrade_state(
        &self,
        _ctx: &Context<D>,
        version: i64,
        _raw: &serde_json::Value,
    ) -> Result<Self::Model, Diagnostics> {
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

    /// Identity data stored at an older identity `version` (its raw JSON), as an object of the
    /// current identity schema's attributes (e.g. a model's `into_value()`).
    fn upgrade_identity(
        &self,
        version: i64,
        _raw: &serde_json::Value,
    ) -> Result<Value, Diagnostics> {
        let current = self.identity_schema().map_or(0, |s| s.version);
        Err(Diagnostic::error(
            "Unable to upgrade resource identity",
            format!(
                "{} has no upgrade of its identity from version {version} to {current}.",
                self.type_name()
            ),
        )
        .into())
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// Config in, state out (computed attributes filled).
    type Model: Model;

    fn type_name(&self) -> &str;

    fn schema(&self) -> Schema;

    /// Extra checks on the config, after the schema's; see [`Resource::validate`].
    async fn validate(&self, _ctx: &Context<D>, _config: Self::Model) -> HookResult {
        Ok(())
    }

    /// Reads the object the (valid, known) config names.
    async fn read(&self, ctx: &Context<D>, config: Self::Model)
        -> Result<Self::Model, Diagnostics>;
}
