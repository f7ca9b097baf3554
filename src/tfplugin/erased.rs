//! The object-safe side of the authoring traits, which the server calls: each hook over
//! [`Value`]s, implemented once for every typed [`Resource`], [`DataSource`],
//! [`ListResource`] and [`Action`], and the handles a provider registers them with.

use std::sync::Arc;

use async_trait::async_trait;

use super::action::{Action, Progress};
use super::authoring::{DataSource, ModelPlan, ModelResponse, Resource};
use super::context::{Context, HookResult};
use super::diag::{Diagnostic, Diagnostics};
use super::identity::IdentitySchema;
use super::list::{ListResource, ListSink};
use super::model::Model;
use super::path::AttributePath;
use super::schema::Schema;
use super::value::{Type, Value};

/// A registered type: its name, schema and implied type (and a resource's identity), computed
/// once, and its hooks.
pub(crate) struct Entry<H: ?Sized> {
    pub(crate) name: String,
    pub(crate) schema: Schema,
    pub(crate) ty: Type,
    pub(crate) identity: Option<IdentityEntry>,
    pub(crate) hooks: Arc<H>,
}

pub(crate) struct IdentityEntry {
    pub(crate) schema: IdentitySchema,
    pub(crate) ty: Type,
}

impl<H: ?Sized> Entry<H> {
    fn new(
        name: &str,
        schema: Schema,
        identity: Option<IdentitySchema>,
        hooks: Arc<H>,
    ) -> Arc<Self> {
        Arc::new(Self {
            name: name.to_owned(),
            ty: schema.implied_type(),
            schema,
            identity: identity.map(|schema| IdentityEntry {
                ty: schema.implied_type(),
                schema,
            }),
            hooks,
        })
    }
}

/// The handles a provider registers its types with (`ResourceType::new(MyResource)`).
macro_rules! handles {
    ($($(#[$doc:meta])* $handle:ident: $trait:ident as $dyn:ident in $wrapper:ident;)*) => {$(
        $(#[$doc])*
        pub struct $handle<D>(pub(crate) Arc<Entry<dyn $dyn<D>>>);

        impl<D: Send + Sync + 'static> $handle<D> {
            pub fn new(hooks: impl $trait<D>) -> Self {
                let (name, schema) = (hooks.type_name().to_owned(), hooks.schema());
                let identity = handles!(@identity $trait, hooks);
                Self(Entry::new(&name, schema, identity, Arc::new($wrapper(hooks))))
            }

            pub fn type_name(&self) -> &str {
                &self.0.name
            }

            pub fn schema(&self) -> Schema {
                self.0.schema.clone()
            }

            pub fn identity_schema(&self) -> Option<IdentitySchema> {
                self.0.identity.as_ref().map(|i| i.schema.clone())
            }
        }

        impl<D> Clone for $handle<D> {
            fn clone(&self) -> Self {
                Self(self.0.clone())
            }
        }
    )*};
    (@identity Resource, $hooks:ident) => { $hooks.identity_schema() };
    (@identity $trait:ident, $hooks:ident) => { None };
}

handles! {
    /// A registered resource type.
    ResourceType: Resource as DynResource in AsResource;
    /// A registered data source type.
    DataSourceType: DataSource as DynDataSource in AsDataSource;
    /// A registered list resource type.
    ListResourceType: ListResource as DynListResource in AsList;
    /// A registered action type.
    ActionType: Action as DynAction in AsAction;
}

/// `value` as a model; a value that does not fit is an error on its attribute.
pub(crate) fn read_model<M: Model>(value: &Value, what: &str) -> Result<M, Diagnostic> {
    M::from_object(value).map_err(|e| {
        Diagnostic::error(
            format!("Unexpected value in the {what}"),
            format!("The provider cannot use this {what}: {e}."),
        )
        .at(e.path)
    })
}

/// A config to validate, as a model: `None` while it does not fit (a value the model holds
/// as a plain type is still unknown); Terraform validates again at plan time.
pub(crate) fn fitting<M: Model>(config: &Value) -> Option<M> {
    M::from_object(config).ok()
}

/// `model` written onto `base` (attributes it does not name keep their values there).
fn written<M: Model>(model: M, base: &Value) -> Value {
    let mut v = base.clone();
    model.write_object(&mut v);
    v
}

/// What a read or an apply left: the state (`None`: the hook did not run, so what was there
/// stays) and the diagnostics, the hook's error last.
pub(crate) struct Outcome {
    pub(crate) state: Option<Value>,
    pub(crate) diagnostics: Diagnostics,
}

impl Outcome {
    fn of<M: Model>(resp: ModelResponse<M>, base: &Value, result: HookResult) -> Self {
        let mut diagnostics = resp.diagnostics;
        diagnostics.extend(result.err().unwrap_or_default());
        let state = resp.state.map_or(Value::Null, |m| written(m, base));
        Self {
            state: Some(state),
            diagnostics,
        }
    }

    fn not_run(d: Diagnostic) -> Self {
        Self {
            state: None,
            diagnostics: d.into(),
        }
    }
}

/// The config check every registered type has.
#[async_trait]
pub(crate) trait DynValidate<D>: Send + Sync {
    async fn validate(&self, ctx: &Context<D>, config: &Value) -> HookResult;
}

/// [`Resource`] over values.
#[async_trait]
pub(crate) trait DynResource<D>: DynValidate<D> {
    /// A create or update plan (`planned` is refined in place).
    async fn modify_plan(
        &self,
        ctx: &mut Context<D>,
        prior: &Value,
        planned: &mut Value,
        requires_replace: &mut Vec<AttributePath>,
    ) -> HookResult;
    /// A create (`prior` null), update, or delete (`planned` null).
    async fn apply(&self, ctx: &mut Context<D>, prior: &Value, planned: &Value) -> Outcome;
    async fn read(&self, ctx: &mut Context<D>, state: &Value) -> Outcome;
    /// The imported state, written onto `base` (the schema's null object).
    async fn import(
        &self,
        ctx: &mut Context<D>,
        id: &str,
        base: Value,
    ) -> Result<Value, Diagnostics>;
    fn import_id_from_identity(
        &self,
        schema: &IdentitySchema,
        identity: &Value,
    ) -> Result<String, Diagnostics>;
    fn generate_config(&self, state: Value) -> Result<Value, Diagnostics>;
    async fn upgrade_state(
        &self,
        ctx: &Context<D>,
        version: i64,
        raw: &serde_json::Value,
        base: Value,
    ) -> Result<Value, Diagnostics>;
    fn upgrade_identity(&self, version: i64, raw: &serde_json::Value)
        -> Result<Value, Diagnostics>;
}

#[async_trait]
impl<D: Send + Sync + 'static, R: Resource<D>> DynResource<D> for AsResource<R> {
    async fn modify_plan(
        &self,
        ctx: &mut Context<D>,
        prior: &Value,
        planned: &mut Value,
        requires_replace: &mut Vec<AttributePath>,
    ) -> HookResult {
        let prior = match prior {
            Value::Null => None,
            prior => Some(read_model(prior, "prior state")?),
        };
        let mut plan = ModelPlan {
            prior,
            planned: read_model(planned, "plan")?,
            requires_replace: Vec::new(),
        };
        let result = Resource::modify_plan(&self.0, ctx, &mut plan).await;
        plan.planned.write_object(planned);
        requires_replace.extend(plan.requires_replace);
        result
    }

    async fn apply(&self, ctx: &mut Context<D>, prior: &Value, planned: &Value) -> Outcome {
        let models = || -> Result<(Option<R::Model>, Option<R::Model>), Diagnostic> {
            let read = |v: &Value, what| (!v.is_null()).then(|| read_model(v, what)).transpose();
            Ok((read(prior, "prior state")?, read(planned, "plan")?))
        };
        let mut resp = ModelResponse::new(None);
        let (result, base) = match models() {
            Err(d) => return Outcome::not_run(d),
            Ok((None, None)) => return Outcome::of(resp, prior, Ok(())),
            Ok((None, Some(plan))) => (self.0.create(ctx, plan, &mut resp).await, planned),
            Ok((Some(prior_m), plan)) => {
                resp.state = Some(prior_m.clone());
                match plan {
                    Some(plan) => (self.0.update(ctx, prior_m, plan, &mut resp).await, planned),
                    None => (self.0.delete(ctx, prior_m, &mut resp).await, prior),
                }
            }
        };
        Outcome::of(resp, base, result)
    }

    async fn read(&self, ctx: &mut Context<D>, state: &Value) -> Outcome {
        let current: R::Model = match read_model(state, "state") {
            Ok(m) => m,
            Err(d) => return Outcome::not_run(d),
        };
        let mut resp = ModelResponse::new(Some(current.clone()));
        let result = Resource::read(&self.0, ctx, current, &mut resp).await;
        Outcome::of(resp, state, result)
    }

    async fn import(
        &self,
        ctx: &mut Context<D>,
        id: &str,
        base: Value,
    ) -> Result<Value, Diagnostics> {
        Ok(written(Resource::import(&self.0, ctx, id).await?, &base))
    }

    fn import_id_from_identity(
        &self,
        schema: &IdentitySchema,
        identity: &Value,
    ) -> Result<String, Diagnostics> {
        Resource::import_id_from_identity(&self.0, schema, identity)
    }

    fn generate_config(&self, state: Value) -> Result<Value, Diagnostics> {
        let model = read_model(&state, "state")?;
        Ok(written(Resource::generate_config(&self.0, model)?, &state))
    }

    async fn upgrade_state(
        &self,
        ctx: &Context<D>,
        version: i64,
        raw: &serde_json::Value,
        base: Value,
    ) -> Result<Value, Diagnostics> {
        let model = Resource::upgrade_state(&self.0, ctx, version, raw).await?;
        Ok(written(model, &base))
    }

    fn upgrade_identity(
        &self,
        version: i64,
        raw: &serde_json::Value,
    ) -> Result<Value, Diagnostics> {
        Resource::upgrade_identity(&self.0, version, raw)
    }
}

/// [`DataSource`] over values.
#[async_trait]
pub(crate) trait DynDataSource<D>: DynValidate<D> {
    /// The state read for `config`: what the hook returns written onto it.
    async fn read(&self, ctx: &Context<D>, config: &Value) -> Result<Value, Diagnostics>;
}

/// The typed traits behind their object-safe ones (wrappers, since one type may implement
/// several of them).
pub(crate) struct AsResource<R>(pub(crate) R);
pub(crate) struct AsDataSource<S>(S);
pub(crate) struct AsList<L>(L);
pub(crate) struct AsAction<A>(A);

/// Every kind validates the same way: the config, as its model.
macro_rules! validates_config {
    ($($wrapper:ident: $trait:ident, $model:ident);* $(;)?) => {$(
        #[async_trait]
        impl<D: Send + Sync + 'static, T: $trait<D>> DynValidate<D> for $wrapper<T> {
            async fn validate(&self, ctx: &Context<D>, config: &Value) -> HookResult {
                match fitting::<T::$model>(config) {
                    Some(model) => self.0.validate(ctx, model).await,
                    None => Ok(()),
                }
            }
        }
    )*};
}

validates_config!(
    AsResource: Resource, Model;
    AsDataSource: DataSource, Model;
    AsList: ListResource, Config;
    AsAction: Action, Config;
);

#[async_trait]
impl<D: Send + Sync + 'static, S: DataSource<D>> DynDataSource<D> for AsDataSource<S> {
    async fn read(&self, ctx: &Context<D>, config: &Value) -> Result<Value, Diagnostics> {
        let model = read_model(config, "configuration")?;
        Ok(written(self.0.read(ctx, model).await?, config))
    }
}

/// [`ListResource`] over values.
#[async_trait]
pub(crate) trait DynListResource<D>: DynValidate<D> {
    async fn list(&self, ctx: &mut Context<D>, config: &Value, out: &mut ListSink) -> HookResult;
}

#[async_trait]
impl<D: Send + Sync + 'static, L: ListResource<D>> DynListResource<D> for AsList<L> {
    async fn list(&self, ctx: &mut Context<D>, config: &Value, out: &mut ListSink) -> HookResult {
        let config = read_model(config, "list configuration")?;
        self.0.list(ctx, config, &mut out.typed::<L::Model>()).await
    }
}

/// [`Action`] over values.
#[async_trait]
pub(crate) trait DynAction<D>: DynValidate<D> {
    async fn invoke(&self, ctx: &mut Context<D>, config: &Value, progress: &Progress)
        -> HookResult;
}

#[async_trait]
impl<D: Send + Sync + 'static, A: Action<D>> DynAction<D> for AsAction<A> {
    async fn invoke(
        &self,
        ctx: &mut Context<D>,
        config: &Value,
        progress: &Progress,
    ) -> HookResult {
        let config = read_model(config, "action configuration")?;
        self.0.invoke(ctx, config, progress).await
    }
}
