//! A typed resource that implements every hook, `toy_record`: its state upgrades from schema
//! versions 0 and 1 and its identity from version 0 (over UpgradeResourceState and
//! UpgradeResourceIdentity), and its validate, plan, import-by-identity and generated-config
//! hooks, all written over models.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;
use servicecatalog_provider::model;
use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::{
    Attribute, AttributePath, Context, Diagnostic, Diagnostics, Field, HookResult,
    IdentityAttribute, IdentitySchema, IntoValue, Model, ModelPlan, ModelResponse, ObjectExt,
    Resource, Schema, Type, Value,
};

use crate::harness::plugin::{dynamic, errors, path_of, undynamic, PluginClient, Typed};
use crate::protocol::assert_no_errors;
use crate::protocol::toys::Toys;

const RECORD: &str = "toy_record";

model! {
    /// The state at schema version 2.
    #[derive(Clone, Debug, PartialEq)]
    struct Record {
        zone: String,
        name: String,
        size: Option<i64>,
        fqdn: Field<String>,
    }
}

model! {
    /// The identity at version 1.
    struct RecordId {
        zone: String,
        name: String,
    }
}

model! {
    /// What planning reads and sets (config may be unknown then).
    struct Planned {
        zone: Field<String>,
        name: Field<String>,
        fqdn: Field<String>,
    }
}

/// State version 0: one `id` of `zone/name`, and `size` as text.
#[derive(Deserialize)]
struct StateV0 {
    id: String,
    size: Option<String>,
}

/// State version 1: `zone` and `name`, `size` still text, no `fqdn`.
#[derive(Deserialize)]
struct StateV1 {
    zone: String,
    name: String,
    size: Option<String>,
}

/// Identity version 0: the `zone/name` id.
#[derive(Deserialize)]
struct IdentityV0 {
    id: String,
}

fn split_id(id: &str) -> Result<(String, String), Diagnostic> {
    let (zone, name) = id.split_once('/').ok_or_else(|| {
        Diagnostic::error("Invalid record id", format!("{id:?} is not zone/name."))
    })?;
    Ok((zone.to_owned(), name.to_owned()))
}

fn record(zone: String, name: String, size: Option<&str>) -> Result<Record, Diagnostic> {
    let size = size
        .map(|s| s.parse::<i64>())
        .transpose()
        .map_err(|e| Diagnostic::error("Invalid stored size", format!("{e}.")))?;
    let fqdn = Field::Known(format!("{name}.{zone}"));
    Ok(Record {
        zone,
        name,
        size,
        fqdn,
    })
}

fn stored<T: serde::de::DeserializeOwned>(raw: &serde_json::Value) -> Result<T, Diagnostic> {
    serde_json::from_value(raw.clone())
        .map_err(|e| Diagnostic::error("Unreadable stored data", format!("{e}.")))
}

struct RecordResource;

#[async_trait]
impl Resource<()> for RecordResource {
    type Model = Record;
    type Plan = Planned;

    fn type_name(&self) -> &str {
        RECORD
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .version(2)
            .attribute(Attribute::required("zone", Type::String).requires_replace())
            .attribute(Attribute::required("name", Type::String).requires_replace())
            .attribute(Attribute::optional("size", Type::Number))
            .attribute(Attribute::computed("fqdn", Type::String).use_state_for_unknown())
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(
            IdentitySchema::new()
                .version(1)
                .attribute(IdentityAttribute::required_for_import("zone", Type::String))
                .attribute(IdentityAttribute::required_for_import("name", Type::String)),
        )
    }

    /// The zone `small` holds records of size 10 at most.
    async fn validate(&self, _: &Context<()>, config: Record) -> HookResult {
        match config.size {
            Some(size) if config.zone == "small" && size > 10 => Err(Diagnostic::error(
                "Record too large",
                format!("A record in zone \"small\" has a size of 10 at most, not {size}."),
            )
            .with_attribute(AttributePath::attr("size"))
            .into()),
            _ => Ok(()),
        }
    }

    async fn modify_plan(&self, _: &mut Context<()>, plan: &mut ModelPlan<Planned>) -> HookResult {
        let planned = &mut plan.planned;
        if let (Some(zone), Some(name)) = (planned.zone.known(), planned.name.known()) {
            planned.fqdn = Field::Known(format!("{name}.{zone}"));
        }
        Ok(())
    }

    async fn create(
        &self,
        _: &mut Context<()>,
        planned: Record,
        resp: &mut ModelResponse<Record>,
    ) -> HookResult {
        resp.state = Some(planned);
        Ok(())
    }

    async fn read(
        &self,
        _: &mut Context<()>,
        _: Record,
        _: &mut ModelResponse<Record>,
    ) -> HookResult {
        Ok(())
    }

    async fn update(
        &self,
        _: &mut Context<()>,
        _: Record,
        planned: Record,
        resp: &mut ModelResponse<Record>,
    ) -> HookResult {
        resp.state = Some(planned);
        Ok(())
    }

    async fn delete(
        &self,
        _: &mut Context<()>,
        _: Record,
        _: &mut ModelResponse<Record>,
    ) -> HookResult {
        Ok(())
    }

    async fn import(&self, _: &mut Context<()>, id: &str) -> Result<Record, Diagnostics> {
        let (zone, name) = split_id(id)?;
        Ok(record(zone, name, None)?)
    }

    fn import_id_from_identity(
        &self,
        _: &IdentitySchema,
        identity: &Value,
    ) -> Result<String, Diagnostics> {
        let RecordId { zone, name } = RecordId::from_object(identity)?;
        Ok(format!("{zone}/{name}"))
    }

    /// A size of 0 is what the API shows for none: leave it out.
    fn generate_config(&self, state: Record) -> Result<Record, Diagnostics> {
        let size = state.size.filter(|s| *s != 0);
        Ok(Record { size, ..state })
    }

    async fn upgrade_state(
        &self,
        _: &Context<()>,
        version: i64,
        raw: &serde_json::Value,
    ) -> Result<Record, Diagnostics> {
        let upgraded = if version == 0 {
            let v0: StateV0 = stored(raw)?;
            let (zone, name) = split_id(&v0.id)?;
            record(zone, name, v0.size.as_deref())
        } else {
            let v1: StateV1 = stored(raw)?;
            record(v1.zone, v1.name, v1.size.as_deref())
        };
        Ok(upgraded?)
    }

    fn upgrade_identity(
        &self,
        _version: i64,
        raw: &serde_json::Value,
    ) -> Result<Value, Diagnostics> {
        let v0: IdentityV0 = stored(raw)?;
        let (zone, name) = split_id(&v0.id)?;
        Ok(RecordId { zone, name }.into_value())
    }
}

async fn serve() -> PluginClient {
    PluginClient::serve(Toys::default().resource(RecordResource)).await
}

fn typed() -> Typed {
    Typed::new(RECORD, &RecordResource.schema())
}

fn identity_type() -> Type {
    Type::object([("zone", Type::String), ("name", Type::String)])
}

/// The state of `name.zone`, as the current schema stores it.
fn state(zone: &str, name: &str, size: Option<i64>) -> Value {
    Value::object([
        ("zone", Value::string(zone)),
        ("name", Value::string(name)),
        ("size", size.map_or(Value::Null, Value::number)),
        ("fqdn", Value::string(format!("{name}.{zone}"))),
    ])
}

fn identity(zone: &str, name: &str) -> Value {
    Value::object([("zone", Value::string(zone)), ("name", Value::string(name))])
}

#[tokio::test]
async fn state_from_each_older_schema_version_upgrades_into_the_model() {
    let mut c = serve().await;
    let v0 = c
        .upgrade_state(RECORD, 0, &json!({"id": "main/www", "size": "3"}))
        .await;
    assert_no_errors(&v0.diagnostics);
    assert_eq!(
        typed().value(&v0.upgraded_state),
        state("main", "www", Some(3))
    );

    let v1 = json!({"zone": "main", "name": "www", "size": null});
    let v1 = c.upgrade_state(RECORD, 1, &v1).await;
    assert_no_errors(&v1.diagnostics);
    assert_eq!(
        typed().value(&v1.upgraded_state),
        state("main", "www", None)
    );

    // the current version is read as it is, without the hook
    let current = json!({"zone": "main", "name": "www", "size": 4, "fqdn": "www.main"});
    let v2 = c.upgrade_state(RECORD, 2, &current).await;
    assert_no_errors(&v2.diagnostics);
    assert_eq!(
        typed().value(&v2.upgraded_state),
        state("main", "www", Some(4))
    );

    // what the hook cannot read is its error, and nothing is upgraded
    let bad = c.upgrade_state(RECORD, 0, &json!({"id": "www"})).await;
    let e = errors(&bad.diagnostics);
    assert_eq!(e.len(), 1, "{:?}", bad.diagnostics);
    assert_eq!(e[0].summary, "Invalid record id");
    assert!(
        e[0].detail.contains("\"www\" is not zone/name"),
        "{}",
        e[0].detail
    );
    assert!(bad.upgraded_state.is_none());
}

#[tokio::test]
async fn identity_from_an_older_version_upgrades_through_the_hook() {
    let mut c = serve().await;
    let resp = c
        .upgrade_identity(RECORD, 0, &json!({"id": "main/www"}))
        .await;
    assert_no_errors(&resp.diagnostics);
    let upgraded = resp.upgraded_identity.expect("an upgraded identity");
    assert_eq!(
        undynamic(&upgraded.identity_data, &identity_type()),
        identity("main", "www")
    );

    // the current version is read as it is
    let resp = c
        .upgrade_identity(RECORD, 1, &json!({"zone": "a", "name": "b"}))
        .await;
    assert_no_errors(&resp.diagnostics);
    let current = resp.upgraded_identity.expect("the identity");
    assert_eq!(
        undynamic(&current.identity_data, &identity_type()),
        identity("a", "b")
    );

    // the hook's error, or a newer version, upgrades nothing
    let bad = c.upgrade_identity(RECORD, 0, &json!({"id": 7})).await;
    assert_eq!(
        errors(&bad.diagnostics)[0].summary,
        "Unreadable stored data"
    );
    assert!(bad.upgraded_identity.is_none());
    let newer = c
        .upgrade_identity(RECORD, 5, &json!({"zone": "a", "name": "b"}))
        .await;
    assert!(errors(&newer.diagnostics)[0].detail.contains("version 5"));
    assert!(newer.upgraded_identity.is_none());
}

#[tokio::test]
async fn validate_sees_the_model_once_its_values_are_known() {
    let mut c = serve().await;
    let config = |zone: Value, size: i64| {
        Value::object([
            ("zone", zone),
            ("name", Value::string("www")),
            ("size", Value::number(size)),
            ("fqdn", Value::Null),
        ])
    };
    let diags = c
        .validate(&typed(), &config(Value::string("small"), 20))
        .await;
    let e = errors(&diags);
    assert_eq!(e.len(), 1, "{diags:?}");
    assert_eq!(e[0].summary, "Record too large");
    assert_eq!(path_of(e[0]), ["size"]);
    assert!(c
        .validate(&typed(), &config(Value::string("big"), 20))
        .await
        .is_empty());
    // an unknown zone does not fit the model yet: the check waits for the plan
    assert!(c
        .validate(&typed(), &config(Value::Unknown, 20))
        .await
        .is_empty());
}

#[tokio::test]
async fn plan_import_by_identity_and_generated_config_go_through_the_typed_hooks() {
    let mut c = serve().await;
    let config = state("main", "www", Some(0)).with_attr("fqdn", Value::Null);
    let (plan, apply) = c.create(&typed(), &config).await;
    assert_eq!(
        typed().value(&plan.planned_state).get("fqdn"),
        Some(&Value::string("www.main"))
    );
    assert_no_errors(&apply.diagnostics);
    let created = typed().value(&apply.new_state);
    assert_eq!(created, state("main", "www", Some(0)));

    let resp = c
        .import(proto::import_resource_state::Request {
            type_name: RECORD.into(),
            identity: Some(proto::ResourceIdentityData {
                identity_data: dynamic(&identity("main", "www"), &identity_type()),
            }),
            ..Default::default()
        })
        .await;
    assert_no_errors(&resp.diagnostics);
    let imported = &resp.imported_resources[0];
    assert_eq!(typed().value(&imported.state), state("main", "www", None));

    let generated = c.generate_config(&typed(), &created).await;
    assert_no_errors(&generated.diagnostics);
    let written = typed().value(&generated.config);
    assert_eq!(
        written,
        state("main", "www", None).with_attr("fqdn", Value::Null)
    );
}
