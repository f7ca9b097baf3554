//! Resources and data sources over typed models ([`model`](super::model)): implement
//! [`TypedResource`] or [`TypedDataSource`] and the layer reads config, plans and states into
//! the model, calls the hook, and writes what it returns back. Every typed implementation is a
//! [`Resource`] / [`DataSource`] too (blanket impls below), so it registers like any other.
//!
//! - A model that does not fit a value (an unknown where a plain type is declared, a key that
//!   does not parse) is an error diagnostic on that attribute; the hook is not called.
//! - `modify_plan` sees a separate plan model (`Self::Plan`, often with [`Field`](super::model::Field)s
//!   everywhere, since config may still be unknown at plan time), and never a destroy.
//! - Validation is declared in the schema (attribute validators, config validators); identity
//!   uses the defaults of [`Resource`].

use async_trait::async_trait;

use super::diag::{Diagnostic, Diagnostics};
use super::identity::IdentitySchema;
use super::model::Model;
use super::path::AttributePath;
use super::provider::{
    Context, CreateRequest, DataReadRequest, DataSource, DeleteRequest, HookResult, PlanRequest,
    PlanResponse, ReadRequest, Resource, StateResponse, UpdateRequest,
};
use super::schema::Schema;
use super::value::Value;

/// What a typed hook leaves: `Some(model)`, or `None` for no object.
pub type ModelResponse<M> = StateResponse<Option<M>>;

/// The plan [`TypedResource::modify_plan`] refines.
#[derive(Clone, Debug)]
pub struct ModelPlan<M> {
    /// The prior state; `None` on create.
    pub prior: Option<M>,
    /// The plan so far (the plan rules have run: defaults, unknown computed values).
    pub planned: M,
    /// Attributes whose change replaces the object (beyond the requires-replace ones).
    pub requires_replace: Vec<AttributePath>,
}

impl<M> ModelPlan<M> {
    pub fn is_create(&self) -> bool {
        self.prior.is_none()
    }
}

/// A managed resource over a typed model.
#[async_trait]
pub trait TypedResource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// Config, planned state at apply, and state. Attributes a plan may leave unknown are
    /// [`Field`](super::model::Field)s; at apply only computed ones can still be.
    type Model: Model + Clone + Sync;
    /// What `modify_plan` reads and writes (`()` for nothing).
    type Plan: Model + Sync;

    fn type_name(&self) -> &str;

    fn schema(&self) -> Schema;

    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// Refines the plan of a create or update.
    async fn modify_plan(
        &self,
        _ctx: &mut Context<D>,
        _plan: &mut ModelPlan<Self::Plan>,
    ) -> HookResult {
        Ok(())
    }

    /// `resp.state` starts as `None`: set it to what exists afterwards, even on error.
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

    /// GenerateResourceConfig: the configuration a user would write for an object in `state`
    /// (see `Resource::generate_config`; the layer then drops what configuration does not
    /// set). Default: the state as it is.
    fn generate_config(&self, state: Self::Model) -> Result<Self::Model, Diagnostics> {
        Ok(state)
    }

    /// The state for an import id; Terraform reads it right after. Default: unsupported.
    async fn import(&self, _ctx: &mut Context<D>, id: &str) -> Result<Self::Model, Diagnostics> {
        let _ = id;
        Err(Diagnostic::error(
            "Import not supported",
            format!("{} resources cannot be imported.", self.type_name()),
        )
        .into())
    }
}

/// A data source over a typed model.
#[async_trait]
pub trait TypedDataSource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// Config in, state out (computed attributes filled).
    type Model: Model;

    fn type_name(&self) -> &str;

    fn schema(&self) -> Schema;

    /// Reads the object the (valid, known) config names.
    async fn read(&self, ctx: &Context<D>, config: Self::Model)
        -> Result<Self::Model, Diagnostics>;
}

/// `value` as a model; a value that does not fit is an error on its attribute.
pub(crate) fn read_model<M: Model>(value: &Value, what: &str) -> Result<M, Diagnostic> {
    M::from_object(value).map_err(|e| {
        let diag = Diagnostic::error(
            format!("Unexpected value in the {what}"),
            format!("The provider cannot use this {what}: {e}."),
        );
        if e.path.is_root() {
            diag
        } else {
            diag.with_attribute(e.path)
        }
    })
}

/// A typed response as a state: the model written onto `base`, or null.
fn into_state<M: Model>(typed: ModelResponse<M>, base: &Value, resp: &mut StateResponse) {
    resp.state = match typed.state {
        Some(model) => {
            let mut state = base.clone();
            model.write_object(&mut state);
            state
        }
        None => Value::Null,
    };
    resp.diagnostics.extend(typed.diagnostics);
}

#[async_trait]
impl<D, R> Resource<D> for R
where
    D: Send + Sync + 'static,
    R: TypedResource<D>,
{
    fn type_name(&self) -> &str {
        TypedResource::type_name(self)
    }

    fn schema(&self) -> Schema {
        TypedResource::schema(self)
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        TypedResource::identity_schema(self)
    }

    async fn modify_plan(
        &self,
        ctx: &mut Context<D>,
        req: PlanRequest,
        resp: &mut PlanResponse,
    ) -> HookResult {
        if req.is_destroy() {
            return Ok(());
        }
        let prior = match req.prior {
            Value::Null => None,
            ref prior => Some(read_model(prior, "prior state")?),
        };
        let mut plan = ModelPlan {
            prior,
            planned: read_model(&resp.planned, "plan")?,
            requires_replace: Vec::new(),
        };
        let result = TypedResource::modify_plan(self, ctx, &mut plan).await;
        plan.planned.write_object(&mut resp.planned);
        resp.requires_replace.extend(plan.requires_replace);
        result
    }

    async fn create(
        &self,
        ctx: &mut Context<D>,
        req: CreateRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let planned = read_model(&req.planned, "plan")?;
        let mut typed = StateResponse::new(None);
        let result = TypedResource::create(self, ctx, planned, &mut typed).await;
        into_state(typed, &req.planned, resp);
        result
    }

    async fn read(
        &self,
        ctx: &mut Context<D>,
        req: ReadRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let state: R::Model = read_model(&req.state, "state")?;
        let mut typed = StateResponse::new(Some(state.clone()));
        let result = TypedResource::read(self, ctx, state, &mut typed).await;
        into_state(typed, &req.state, resp);
        result
    }

    async fn update(
        &self,
        ctx: &mut Context<D>,
        req: UpdateRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let prior: R::Model = read_model(&req.prior, "prior state")?;
        let planned = read_model(&req.planned, "plan")?;
        let mut typed = StateResponse::new(Some(prior.clone()));
        let result = TypedResource::update(self, ctx, prior, planned, &mut typed).await;
        into_state(typed, &req.planned, resp);
        result
    }

    async fn delete(
        &self,
        ctx: &mut Context<D>,
        req: DeleteRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let prior: R::Model = read_model(&req.prior, "prior state")?;
        let mut typed = StateResponse::new(Some(prior.clone()));
        let result = TypedResource::delete(self, ctx, prior, &mut typed).await;
        into_state(typed, &req.prior, resp);
        result
    }

    async fn import(&self, ctx: &mut Context<D>, id: &str, resp: &mut StateResponse) -> HookResult {
        let model = TypedResource::import(self, ctx, id).await?;
        model.write_object(&mut resp.state);
        Ok(())
    }

    fn generate_config(&self, state: Value) -> Result<Value, Diagnostics> {
        let model = read_model(&state, "state")?;
        let mut config = state;
        TypedResource::generate_config(self, model)?.write_object(&mut config);
        Ok(config)
    }
}

#[async_trait]
impl<D, S> DataSource<D> for S
where
    D: Send + Sync + 'static,
    S: TypedDataSource<D>,
{
    fn type_name(&self) -> &str {
        TypedDataSource::type_name(self)
    }

    fn schema(&self) -> Schema {
        TypedDataSource::schema(self)
    }

    async fn read(
        &self,
        ctx: &Context<D>,
        req: DataReadRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let config = read_model(&req.config, "configuration")?;
        let model = TypedDataSource::read(self, ctx, config).await?;
        model.write_object(&mut resp.state);
        Ok(())
    }
}
