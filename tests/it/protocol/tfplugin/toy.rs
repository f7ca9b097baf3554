//! The toy provider the tfplugin6 layer is tested with: `toy_thing` (a resource whose
//! `behavior` attribute picks what create does) and `toy_echo` (a data source).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use servicecatalog_provider::model;
use servicecatalog_provider::tfplugin::validator::{each_value, length, one_of};
use servicecatalog_provider::tfplugin::{
    timeouts, value, Attribute, ConfigureRequest, Context, DataSource, DataSourceType, Diagnostic,
    Diagnostics, Field, HookResult, Model, ModelPlan, ModelResponse, Provider, Resource,
    ResourceType, Schema, Timeouts, Type, Value,
};
use tokio::sync::Notify;

pub struct Client {
    endpoint: String,
}

pub struct TestProvider {
    /// Notified when a `behavior = "wait"` create starts waiting for cancellation.
    pub started: Arc<Notify>,
}

model! {
    pub struct ToyConfig {
        endpoint: Option<String>,
    }
}

#[async_trait]
impl Provider for TestProvider {
    type Data = Client;
    type Config = ToyConfig;

    fn schema(&self) -> Schema {
        Schema::new().attribute(Attribute::optional("endpoint", Type::String))
    }

    async fn configure(
        &self,
        _ctx: &Context<Client>,
        req: ConfigureRequest<ToyConfig>,
        _diags: &mut Diagnostics,
    ) -> Option<Client> {
        let endpoint = req.config.endpoint.unwrap_or_else(|| "default".into());
        Some(Client { endpoint })
    }

    fn resources(&self) -> Vec<ResourceType<Client>> {
        vec![ResourceType::new(Toy {
            started: self.started.clone(),
        })]
    }

    fn data_sources(&self) -> Vec<DataSourceType<Client>> {
        vec![DataSourceType::new(Echo)]
    }
}

model! {
    #[derive(Clone)]
    pub struct Thing {
        name: String,
        size: Option<i64>,
        mode: Option<String>,
        tags: Option<BTreeMap<String, String>>,
        token: Option<String>,
        behavior: Option<String>,
        id: Field<String>,
        revision: Field<String>,
        timeouts: Timeouts,
    }
}

/// `toy_thing`: `behavior` selects what create does (ok, panic, partial, wait, check_stop,
/// drift) and read (gone).
pub struct Toy {
    pub started: Arc<Notify>,
}

pub fn s(v: &str) -> Value {
    Value::String(v.into())
}

pub fn set(obj: &mut Value, name: &str, v: Value) {
    if let Value::Object(m) = obj {
        m.insert(name.to_string(), v);
    }
}

#[async_trait]
impl Resource<Client> for Toy {
    type Model = Thing;
    type Plan = ();

    fn type_name(&self) -> &str {
        "toy_thing"
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .version(1)
            .description("A toy *thing*.")
            .attribute(
                Attribute::required("name", Type::String)
                    .description("Name; changing it **replaces** the thing.")
                    .requires_replace(),
            )
            .attribute(Attribute::optional("size", Type::Number))
            .attribute(
                Attribute::optional("mode", Type::String).validator(one_of(["fast", "slow"])),
            )
            .attribute(
                Attribute::optional("tags", Type::Map(Box::new(Type::String)))
                    .validator(each_value(length(1, 10))),
            )
            .attribute(Attribute::optional("token", Type::String).sensitive())
            .attribute(Attribute::optional("behavior", Type::String))
            .attribute(Attribute::computed("id", Type::String).use_state_for_unknown())
            .attribute(Attribute::computed("revision", Type::String))
            .block(timeouts::block(&["create", "delete"]))
    }

    async fn modify_plan(&self, ctx: &mut Context<Client>, _: &mut ModelPlan<()>) -> HookResult {
        ctx.private.set("plan_marker", &"p1")?;
        Ok(())
    }

    async fn create(
        &self,
        ctx: &mut Context<Client>,
        planned: Thing,
        resp: &mut ModelResponse<Thing>,
    ) -> HookResult {
        let endpoint = ctx.provider_data()?.endpoint.clone();
        let marker: Option<String> = ctx.private.get("plan_marker").unwrap_or(None);
        ctx.private.set("seen_plan_marker", &marker)?;
        let _limit = planned.timeouts.get("create", Duration::from_secs(60));
        let state = Thing {
            id: Field::Known(format!("{endpoint}/1")),
            revision: Field::Known("r1".into()),
            ..planned.clone()
        };
        match planned.behavior.as_deref() {
            Some("panic") => panic!("toy create exploded with token {:?}", planned.token),
            Some("partial") => {
                resp.state = Some(Thing {
                    revision: Field::Null,
                    ..state
                });
                Err(
                    Diagnostic::error("Create half done", "the thing exists but is not tagged")
                        .into(),
                )
            }
            Some("wait") => {
                self.started.notify_one();
                ctx.cancelled().await;
                Err(Diagnostic::error("Create cancelled", "stopped by Terraform").into())
            }
            Some("check_stop") if ctx.is_cancelled() => {
                Err(Diagnostic::error("Create cancelled", "stopped before it began").into())
            }
            Some("drift") => {
                resp.state = Some(Thing {
                    name: "not-what-was-planned".into(),
                    ..state
                });
                Ok(())
            }
            _ => {
                resp.state = Some(state);
                Ok(())
            }
        }
    }

    async fn read(
        &self,
        _ctx: &mut Context<Client>,
        state: Thing,
        resp: &mut ModelResponse<Thing>,
    ) -> HookResult {
        if state.behavior.as_deref() == Some("gone") {
            resp.remove();
        }
        Ok(())
    }

    async fn update(
        &self,
        _ctx: &mut Context<Client>,
        _prior: Thing,
        planned: Thing,
        resp: &mut ModelResponse<Thing>,
    ) -> HookResult {
        resp.state = Some(Thing {
            revision: Field::Known("r2".into()),
            ..planned
        });
        Ok(())
    }

    async fn delete(
        &self,
        _ctx: &mut Context<Client>,
        _prior: Thing,
        _resp: &mut ModelResponse<Thing>,
    ) -> HookResult {
        Ok(())
    }

    /// Version 0 stored `size` as a string.
    async fn upgrade_state(
        &self,
        _ctx: &Context<Client>,
        version: i64,
        raw: &serde_json::Value,
    ) -> Result<Thing, Diagnostics> {
        assert_eq!(version, 0);
        let mut v1 = raw.clone();
        let size = raw["size"].as_str().and_then(|s| s.parse::<i64>().ok());
        v1["size"] = serde_json::json!(size);
        let state = value::decode_json(v1.to_string().as_bytes(), &toy_type())?;
        Ok(Thing::from_object(&state)?)
    }

    async fn import(&self, _ctx: &mut Context<Client>, id: &str) -> Result<Thing, Diagnostics> {
        Ok(Thing {
            name: "imported".into(),
            size: None,
            mode: None,
            tags: None,
            token: None,
            behavior: None,
            id: Field::Known(id.into()),
            revision: Field::Null,
            timeouts: Timeouts::default(),
        })
    }
}

model! {
    pub struct Echoed {
        input: String,
        output: Option<String>,
    }
}

pub struct Echo;

#[async_trait]
impl DataSource<Client> for Echo {
    type Model = Echoed;

    fn type_name(&self) -> &str {
        "toy_echo"
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .attribute(Attribute::required("input", Type::String))
            .attribute(Attribute::computed("output", Type::String))
    }

    async fn read(&self, ctx: &Context<Client>, config: Echoed) -> Result<Echoed, Diagnostics> {
        let endpoint = &ctx.provider_data()?.endpoint;
        let output = Some(format!("{endpoint}:{}", config.input));
        Ok(Echoed { output, ..config })
    }
}

pub fn toy_schema() -> Schema {
    Toy {
        started: Arc::new(Notify::new()),
    }
    .schema()
}

pub fn toy_type() -> Type {
    toy_schema().implied_type()
}
