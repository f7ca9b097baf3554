//! The toy provider the tfplugin6 layer is tested with: `toy_thing` (a resource whose
//! `behavior` attribute picks what create does) and `toy_echo` (a data source).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use servicecatalog_provider::tfplugin::validator::{each_value, length, one_of};
use servicecatalog_provider::tfplugin::value;
use servicecatalog_provider::tfplugin::{
    timeouts, Attribute, ConfigureRequest, Context, CreateRequest, DataReadRequest, DataSource,
    DeleteRequest, Diagnostic, Diagnostics, HookResult, PlanRequest, PlanResponse, Provider,
    ReadRequest, Resource, Schema, StateResponse, Timeouts, Type, UpdateRequest, Value,
};
use tokio::sync::Notify;

pub struct Client {
    endpoint: String,
}

pub struct TestProvider {
    /// Notified when a `behavior = "wait"` create starts waiting for cancellation.
    pub started: Arc<Notify>,
}

#[async_trait]
impl Provider for TestProvider {
    type Data = Client;

    fn schema(&self) -> Schema {
        Schema::new().attribute(Attribute::optional("endpoint", Type::String))
    }

    async fn configure(
        &self,
        _ctx: &Context<Client>,
        req: ConfigureRequest,
        _diags: &mut Diagnostics,
    ) -> Option<Client> {
        let endpoint = req
            .config
            .get("endpoint")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_string();
        Some(Client { endpoint })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<Client>>> {
        vec![Arc::new(Toy {
            started: self.started.clone(),
        })]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Client>>> {
        vec![Arc::new(Echo)]
    }
}

/// `toy_thing`: `behavior` selects what create does (ok, panic, partial, wait, check_stop,
/// drift).
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

    async fn modify_plan(
        &self,
        ctx: &mut Context<Client>,
        req: PlanRequest,
        _resp: &mut PlanResponse,
    ) -> HookResult {
        if !req.is_destroy() {
            ctx.private.set("plan_marker", &"p1")?;
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &mut Context<Client>,
        req: CreateRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let endpoint = ctx.provider_data()?.endpoint.clone();
        let mut state = req.planned.clone();
        set(&mut state, "id", s(&format!("{endpoint}/1")));
        set(&mut state, "revision", s("r1"));
        let marker: Option<String> = ctx.private.get("plan_marker").unwrap_or(None);
        ctx.private.set("seen_plan_marker", &marker)?;
        let _limit = Timeouts::from_object(&req.config).get("create", Duration::from_secs(60));
        match req.config.get("behavior").and_then(Value::as_str) {
            Some("panic") => panic!(
                "toy create exploded with token {:?}",
                req.config.get("token")
            ),
            Some("partial") => {
                resp.state = state;
                set(&mut resp.state, "revision", Value::Null);
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
                set(&mut state, "name", s("not-what-was-planned"));
                resp.state = state;
                Ok(())
            }
            _ => {
                resp.state = state;
                Ok(())
            }
        }
    }

    async fn read(
        &self,
        _ctx: &mut Context<Client>,
        req: ReadRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        if req.state.get("behavior").and_then(Value::as_str) == Some("gone") {
            resp.remove();
        }
        Ok(())
    }

    async fn update(
        &self,
        _ctx: &mut Context<Client>,
        req: UpdateRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let mut state = req.planned;
        set(&mut state, "revision", s("r2"));
        resp.state = state;
        Ok(())
    }

    async fn delete(
        &self,
        _ctx: &mut Context<Client>,
        _req: DeleteRequest,
        _resp: &mut StateResponse,
    ) -> HookResult {
        Ok(())
    }

    /// Version 0 stored `size` as a string.
    async fn upgrade_state(
        &self,
        _ctx: &Context<Client>,
        version: i64,
        raw: &serde_json::Value,
        resp: &mut StateResponse,
    ) -> HookResult {
        assert_eq!(version, 0);
        let mut v1 = raw.clone();
        let size = raw["size"].as_str().and_then(|s| s.parse::<i64>().ok());
        v1["size"] = json!(size);
        resp.state = value::decode_json(v1.to_string().as_bytes(), &toy_type())?;
        Ok(())
    }

    async fn import(
        &self,
        _ctx: &mut Context<Client>,
        id: &str,
        resp: &mut StateResponse,
    ) -> HookResult {
        set(&mut resp.state, "id", s(id));
        set(&mut resp.state, "name", s("imported"));
        Ok(())
    }
}

pub struct Echo;

#[async_trait]
impl DataSource<Client> for Echo {
    fn type_name(&self) -> &str {
        "toy_echo"
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .attribute(Attribute::required("input", Type::String))
            .attribute(Attribute::computed("output", Type::String))
    }

    async fn read(
        &self,
        ctx: &Context<Client>,
        req: DataReadRequest,
        resp: &mut StateResponse,
    ) -> HookResult {
        let endpoint = &ctx.provider_data()?.endpoint;
        let input = req
            .config
            .get("input")
            .and_then(Value::as_str)
            .unwrap_or_default();
        set(&mut resp.state, "output", s(&format!("{endpoint}:{input}")));
        Ok(())
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
