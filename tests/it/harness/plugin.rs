//! A provider served in-process over real gRPC (plaintext loopback, Terraform's 256 MiB message
//! limits) and driven with the generated client stubs, with typed helpers: requests built from
//! [`Value`]s for one resource, data source or list resource type, answers decoded back (a
//! ListResource stream read to its end), error diagnostics and their attribute paths.

use servicecatalog_provider::provider::ServiceCatalogProvider;
use servicecatalog_provider::tfplugin::proto::{self, provider_client::ProviderClient};
use servicecatalog_provider::tfplugin::{
    provider_service, value, ObjectExt, Provider, Schema, Type, Value, MAX_MESSAGE_SIZE,
};
use tonic::transport::Channel;

use super::sdk::{ACCESS_KEY, REGION, SECRET_KEY};
use super::world::World;

/// The Terraform version the helpers announce in `ConfigureProvider`.
const TERRAFORM_VERSION: &str = "1.11.4";

/// A connected provider client. `rpc` is the generated stub for requests the helpers do not cover.
#[derive(Clone)]
pub struct PluginClient {
    pub rpc: ProviderClient<Channel>,
}

impl PluginClient {
    /// Serves `provider` on an ephemeral loopback port and connects to it.
    pub async fn serve<P: Provider>(provider: P) -> PluginClient {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("listener address");
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(provider_service(provider))
                .serve_with_incoming(incoming),
        );
        let channel = Channel::from_shared(format!("http://{addr}"))
            .expect("loopback URL")
            .connect()
            .await
            .expect("connect to the in-process provider");
        PluginClient::over(channel)
    }

    /// The real provider, served in-process and configured against `world`'s emulator.
    pub async fn configured(world: &World) -> PluginClient {
        let mut client = PluginClient::serve(ServiceCatalogProvider).await;
        client.configure_for(world).await;
        client
    }

    /// A client over an existing channel (e.g. the provider binary's mTLS connection).
    pub fn over(channel: Channel) -> PluginClient {
        PluginClient {
            rpc: ProviderClient::new(channel)
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        }
    }

    /// `ConfigureProvider` with `config` (of the provider `schema`); returns the diagnostics.
    pub async fn configure(&mut self, schema: &Schema, config: &Value) -> Vec<proto::Diagnostic> {
        self.rpc
            .configure_provider(proto::configure_provider::Request {
                terraform_version: TERRAFORM_VERSION.into(),
                config: dynamic(config, &schema.implied_type()),
                client_capabilities: None,
            })
            .await
            .expect("ConfigureProvider answers")
            .into_inner()
            .diagnostics
    }

    /// Configures the real provider for `world`'s emulator (static keys, no SDK retries); a
    /// diagnostic fails the test.
    pub async fn configure_for(&mut self, world: &World) {
        self.configure_as(world, ACCESS_KEY).await;
    }

    /// Like [`PluginClient::configure_for`], signing as `access_key` (which picks the
    /// emulator's caller).
    pub async fn configure_as(&mut self, world: &World, access_key: &str) {
        let schema = ServiceCatalogProvider.schema();
        let config = schema
            .null_object()
            .with_attr("endpoint", Value::string(world.endpoint()))
            .with_attr("region", Value::string(REGION))
            .with_attr("access_key", Value::string(access_key))
            .with_attr("secret_key", Value::string(SECRET_KEY))
            .with_attr("max_retries", Value::number(0));
        let diagnostics = self.configure(&schema, &config).await;
        assert!(errors(&diagnostics).is_empty(), "{diagnostics:?}");
    }

    pub async fn schema(&mut self) -> proto::get_provider_schema::Response {
        self.rpc
            .get_provider_schema(proto::get_provider_schema::Request {})
            .await
            .expect("GetProviderSchema answers")
            .into_inner()
    }

    /// `ValidateResourceConfig`; returns the diagnostics.
    pub async fn validate(&mut self, t: &Typed, config: &Value) -> Vec<proto::Diagnostic> {
        self.rpc
            .validate_resource_config(proto::validate_resource_config::Request {
                type_name: t.name.clone(),
                config: t.dv(config),
                client_capabilities: None,
            })
            .await
            .expect("ValidateResourceConfig answers")
            .into_inner()
            .diagnostics
    }

    /// `ValidateDataResourceConfig`; returns the diagnostics.
    pub async fn validate_data(&mut self, t: &Typed, config: &Value) -> Vec<proto::Diagnostic> {
        self.rpc
            .validate_data_resource_config(proto::validate_data_resource_config::Request {
                type_name: t.name.clone(),
                config: t.dv(config),
            })
            .await
            .expect("ValidateDataResourceConfig answers")
            .into_inner()
            .diagnostics
    }

    pub async fn plan(
        &mut self,
        req: proto::plan_resource_change::Request,
    ) -> proto::plan_resource_change::Response {
        self.rpc
            .plan_resource_change(req)
            .await
            .expect("PlanResourceChange answers")
            .into_inner()
    }

    pub async fn apply(
        &mut self,
        req: proto::apply_resource_change::Request,
    ) -> proto::apply_resource_change::Response {
        self.rpc
            .apply_resource_change(req)
            .await
            .expect("ApplyResourceChange answers")
            .into_inner()
    }

    /// Plans then applies the creation of `config`, as Terraform does (the planned state, private
    /// state and identity travel to the apply); the plan must have no errors.
    pub async fn create(
        &mut self,
        t: &Typed,
        config: &Value,
    ) -> (
        proto::plan_resource_change::Response,
        proto::apply_resource_change::Response,
    ) {
        let plan = self.plan(t.plan(&Value::Null, config, config)).await;
        assert!(
            errors(&plan.diagnostics).is_empty(),
            "{:?}",
            plan.diagnostics
        );
        let apply = self
            .apply(proto::apply_resource_change::Request {
                planned_identity: plan.planned_identity.clone(),
                ..t.apply(
                    &Value::Null,
                    plan.planned_state.clone(),
                    config,
                    plan.planned_private.clone(),
                )
            })
            .await;
        (plan, apply)
    }

    pub async fn read(
        &mut self,
        req: proto::read_resource::Request,
    ) -> proto::read_resource::Response {
        self.rpc
            .read_resource(req)
            .await
            .expect("ReadResource answers")
            .into_inner()
    }

    pub async fn import(
        &mut self,
        req: proto::import_resource_state::Request,
    ) -> proto::import_resource_state::Response {
        self.rpc
            .import_resource_state(req)
            .await
            .expect("ImportResourceState answers")
            .into_inner()
    }

    /// `UpgradeResourceState` of a `type_name` state stored as `json` at schema `version`.
    pub async fn upgrade_state(
        &mut self,
        type_name: &str,
        version: i64,
        json: &serde_json::Value,
    ) -> proto::upgrade_resource_state::Response {
        self.rpc
            .upgrade_resource_state(proto::upgrade_resource_state::Request {
                type_name: type_name.into(),
                version,
                raw_state: Some(raw_json(json)),
            })
            .await
            .expect("UpgradeResourceState answers")
            .into_inner()
    }

    /// `UpgradeResourceIdentity` of a `type_name` identity stored as `json` at `version`.
    pub async fn upgrade_identity(
        &mut self,
        type_name: &str,
        version: i64,
        json: &serde_json::Value,
    ) -> proto::upgrade_resource_identity::Response {
        self.rpc
            .upgrade_resource_identity(proto::upgrade_resource_identity::Request {
                type_name: type_name.into(),
                version,
                raw_identity: Some(raw_json(json)),
            })
            .await
            .expect("UpgradeResourceIdentity answers")
            .into_inner()
    }

    /// `ReadDataSource` of `config`.
    pub async fn read_data(
        &mut self,
        t: &Typed,
        config: &Value,
    ) -> proto::read_data_source::Response {
        self.rpc
            .read_data_source(proto::read_data_source::Request {
                type_name: t.name.clone(),
                config: t.dv(config),
                ..Default::default()
            })
            .await
            .expect("ReadDataSource answers")
            .into_inner()
    }
}

impl PluginClient {
    /// `ValidateListResourceConfig` of `config` (coded with the list resource's `config` type
    /// `t`), with the list block's `include_resource` and `limit` as Terraform sends them
    /// (dynamic values, possibly unknown; `None` for not sent). Returns the diagnostics.
    pub async fn validate_list(
        &mut self,
        t: &Typed,
        config: &Value,
        include_resource: Option<Value>,
        limit: Option<Value>,
    ) -> Vec<proto::Diagnostic> {
        self.rpc
            .validate_list_resource_config(proto::validate_list_resource_config::Request {
                type_name: t.name.clone(),
                config: t.dv(config),
                include_resource_object: include_resource.and_then(|v| dynamic(&v, &Type::Bool)),
                limit: limit.and_then(|v| dynamic(&v, &Type::Number)),
            })
            .await
            .expect("ValidateListResourceConfig answers")
            .into_inner()
            .diagnostics
    }

    /// `ListResource` of `config` (coded with the list resource's `config` type `t`), read to
    /// the end of the stream, as Terraform would with a limit it never reaches.
    pub async fn list(
        &mut self,
        t: &Typed,
        config: &Value,
        include_resource_object: bool,
        limit: i64,
    ) -> Vec<proto::list_resource::Event> {
        let mut stream = self
            .list_stream(t, config, include_resource_object, limit)
            .await;
        let mut events = Vec::new();
        while let Some(event) = stream.message().await.expect("the stream ends cleanly") {
            events.push(event);
        }
        events
    }

    /// `ListResource` of `config`, as the open stream (read it, or drop it to stop reading).
    pub async fn list_stream(
        &mut self,
        t: &Typed,
        config: &Value,
        include_resource_object: bool,
        limit: i64,
    ) -> tonic::Streaming<proto::list_resource::Event> {
        self.rpc
            .list_resource(proto::list_resource::Request {
                type_name: t.name.clone(),
                config: t.dv(config),
                include_resource_object,
                limit,
            })
            .await
            .expect("ListResource answers")
            .into_inner()
    }

    /// `GenerateResourceConfig` of `state` (of resource type `t`).
    pub async fn generate_config(
        &mut self,
        t: &Typed,
        state: &Value,
    ) -> proto::generate_resource_config::Response {
        self.rpc
            .generate_resource_config(proto::generate_resource_config::Request {
                type_name: t.name.clone(),
                state: t.dv(state),
            })
            .await
            .expect("GenerateResourceConfig answers")
            .into_inner()
    }
}

impl PluginClient {
    /// `ValidateActionConfig` of `config` (of the action type `t`); returns the diagnostics.
    pub async fn validate_action(&mut self, t: &Typed, config: &Value) -> Vec<proto::Diagnostic> {
        self.rpc
            .validate_action_config(proto::validate_action_config::Request {
                type_name: t.name.clone(),
                config: t.dv(config),
            })
            .await
            .expect("ValidateActionConfig answers")
            .into_inner()
            .diagnostics
    }

    /// `PlanAction` of `config`; returns the diagnostics.
    pub async fn plan_action(&mut self, t: &Typed, config: &Value) -> Vec<proto::Diagnostic> {
        self.rpc
            .plan_action(proto::plan_action::Request {
                action_type: t.name.clone(),
                config: t.dv(config),
                client_capabilities: None,
            })
            .await
            .expect("PlanAction answers")
            .into_inner()
            .diagnostics
    }

    /// `InvokeAction` of `config`, as the open stream of events.
    pub async fn invoke_stream(
        &mut self,
        t: &Typed,
        config: &Value,
    ) -> tonic::Streaming<proto::invoke_action::Event> {
        self.rpc
            .invoke_action(proto::invoke_action::Request {
                action_type: t.name.clone(),
                config: t.dv(config),
                client_capabilities: None,
            })
            .await
            .expect("InvokeAction answers")
            .into_inner()
    }
}

/// An invoke's events, read to the end: the progress messages, and the completed event's
/// diagnostics (which must be the last event, and come once).
pub async fn invoked(
    mut stream: tonic::Streaming<proto::invoke_action::Event>,
) -> (Vec<String>, Vec<proto::Diagnostic>) {
    use proto::invoke_action::event::Type;
    let (mut progress, mut completed) = (Vec::new(), None);
    while let Some(event) = stream.message().await.expect("the stream ends cleanly") {
        assert!(completed.is_none(), "an event after the completed one");
        match event.r#type.expect("an event has a type") {
            Type::Progress(p) => progress.push(p.message),
            Type::Completed(c) => completed = Some(c.diagnostics),
        }
    }
    (
        progress,
        completed.expect("the stream ends with a completed event"),
    )
}

/// A resource, data source or list resource type by name, with the object type its values are
/// coded as (for a list resource: its `config` block's type).
#[derive(Clone, Debug)]
pub struct Typed {
    pub name: String,
    pub ty: Type,
}

impl Typed {
    pub fn new(name: &str, schema: &Schema) -> Typed {
        Typed {
            name: name.to_owned(),
            ty: schema.implied_type(),
        }
    }

    /// `v` as a msgpack DynamicValue of this type.
    pub fn dv(&self, v: &Value) -> Option<proto::DynamicValue> {
        dynamic(v, &self.ty)
    }

    /// An answer's DynamicValue decoded as this type.
    pub fn value(&self, d: &Option<proto::DynamicValue>) -> Value {
        undynamic(d, &self.ty)
    }

    /// A plan request from prior state, proposed new state and config (no private state or
    /// identity: add them with struct update syntax).
    pub fn plan(
        &self,
        prior: &Value,
        proposed: &Value,
        config: &Value,
    ) -> proto::plan_resource_change::Request {
        proto::plan_resource_change::Request {
            type_name: self.name.clone(),
            prior_state: self.dv(prior),
            proposed_new_state: self.dv(proposed),
            config: self.dv(config),
            ..Default::default()
        }
    }

    /// An apply request of a planned state (as the plan answered it).
    pub fn apply(
        &self,
        prior: &Value,
        planned: Option<proto::DynamicValue>,
        config: &Value,
        planned_private: Vec<u8>,
    ) -> proto::apply_resource_change::Request {
        proto::apply_resource_change::Request {
            type_name: self.name.clone(),
            prior_state: self.dv(prior),
            planned_state: planned,
            config: self.dv(config),
            planned_private,
            ..Default::default()
        }
    }

    /// A read (refresh) request of `state` with its private state.
    pub fn read(&self, state: &Value, private: &[u8]) -> proto::read_resource::Request {
        proto::read_resource::Request {
            type_name: self.name.clone(),
            current_state: self.dv(state),
            private: private.to_vec(),
            ..Default::default()
        }
    }
}

/// `v` as a msgpack DynamicValue of type `ty`.
/// Stored JSON, as Terraform sends it for an upgrade.
fn raw_json(json: &serde_json::Value) -> proto::RawState {
    proto::RawState {
        json: serde_json::to_vec(json).expect("JSON encodes"),
        flatmap: Default::default(),
    }
}

pub fn dynamic(v: &Value, ty: &Type) -> Option<proto::DynamicValue> {
    Some(proto::DynamicValue {
        msgpack: value::encode_msgpack(v, ty).expect("the value conforms to its type"),
        json: Vec::new(),
    })
}

/// Decodes an answer, checking it is msgpack only (as Terraform expects).
pub fn undynamic(d: &Option<proto::DynamicValue>, ty: &Type) -> Value {
    let d = d.as_ref().expect("a dynamic value");
    assert!(d.json.is_empty(), "answers must be msgpack only");
    value::decode_msgpack(&d.msgpack, ty).expect("the answer decodes as its type")
}

/// A diagnostic's attribute path as readable steps: `["tags", "[\"team\"]"]`.
pub fn path_of(d: &proto::Diagnostic) -> Vec<String> {
    use proto::attribute_path::step::Selector;
    d.attribute
        .as_ref()
        .map(|p| {
            p.steps
                .iter()
                .map(
                    |s| match s.selector.as_ref().expect("a path step has a selector") {
                        Selector::AttributeName(n) => n.clone(),
                        Selector::ElementKeyString(k) => format!("[{k:?}]"),
                        Selector::ElementKeyInt(i) => format!("[{i}]"),
                    },
                )
                .collect()
        })
        .unwrap_or_default()
}

/// Only the error diagnostics.
pub fn errors(diags: &[proto::Diagnostic]) -> Vec<&proto::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == proto::diagnostic::Severity::Error as i32)
        .collect()
}
