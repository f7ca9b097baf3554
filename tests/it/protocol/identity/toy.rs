//! Identity in the tfplugin layer with a toy provider: several identity attributes (one optional
//! for import, filled in by the resource's hook), and a resource without identity.

use std::sync::Arc;

use async_trait::async_trait;
use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::{
    Attribute, ConfigureRequest, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics,
    HookResult, IdentityAttribute, IdentitySchema, ObjectExt, Provider, ReadRequest, Resource,
    Schema, StateResponse, Type, UpdateRequest, Value,
};

use crate::harness::plugin::{dynamic, errors, undynamic, PluginClient};

struct Toy;

#[async_trait]
impl Provider for Toy {
    type Data = ();

    fn schema(&self) -> Schema {
        Schema::new()
    }

    async fn configure(
        &self,
        _: &Context<()>,
        _: ConfigureRequest,
        _: &mut Diagnostics,
    ) -> Option<()> {
        Some(())
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
        vec![
            Arc::new(Pair { identity: true }),
            Arc::new(Pair { identity: false }),
        ]
    }
}

/// `toy_pair` (identity: region + name, import id `region/name`) or `toy_plain` (none).
struct Pair {
    identity: bool,
}

#[async_trait]
impl Resource<()> for Pair {
    fn type_name(&self) -> &str {
        if self.identity {
            "toy_pair"
        } else {
            "toy_plain"
        }
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .attribute(Attribute::optional_computed("region", Type::String))
            .attribute(Attribute::required("name", Type::String))
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.identity.then(|| {
            IdentitySchema::new()
                .version(2)
                .attribute(IdentityAttribute::optional_for_import(
                    "region",
                    Type::String,
                ))
                .attribute(IdentityAttribute::required_for_import("name", Type::String))
        })
    }

    fn import_id_from_identity(
        &self,
        _: &IdentitySchema,
        identity: &Value,
    ) -> Result<String, Diagnostics> {
        let region = identity.str_attr("region").unwrap_or("here");
        let name = identity.str_attr("name").unwrap_or_default();
        Ok(format!("{region}/{name}"))
    }

    async fn create(
        &self,
        _: &mut Context<()>,
        r: CreateRequest,
        s: &mut StateResponse,
    ) -> HookResult {
        s.state = r.planned.with_attr("region", Value::string("here"));
        Ok(())
    }

    async fn read(&self, _: &mut Context<()>, _: ReadRequest, _: &mut StateResponse) -> HookResult {
        Ok(())
    }

    async fn update(
        &self,
        _: &mut Context<()>,
        r: UpdateRequest,
        s: &mut StateResponse,
    ) -> HookResult {
        s.state = r.planned;
        Ok(())
    }

    async fn delete(
        &self,
        _: &mut Context<()>,
        _: DeleteRequest,
        _: &mut StateResponse,
    ) -> HookResult {
        Ok(())
    }

    async fn import(&self, _: &mut Context<()>, id: &str, s: &mut StateResponse) -> HookResult {
        let (region, name) = id.split_once('/').ok_or_else(|| {
            Diagnostic::error("Invalid import id", format!("{id:?} is not region/name"))
        })?;
        s.state.set_attr("region", Value::string(region));
        s.state.set_attr("name", Value::string(name));
        Ok(())
    }
}

fn pair_identity_type() -> Type {
    Type::object([("region", Type::String), ("name", Type::String)])
}

#[tokio::test]
async fn only_resources_with_an_identity_are_listed_with_their_import_flags() {
    let mut c = PluginClient::serve(Toy).await;
    let resp = c
        .rpc
        .get_resource_identity_schemas(proto::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.identity_schemas.len(), 1, "{resp:?}");
    let pair = &resp.identity_schemas["toy_pair"];
    assert_eq!(pair.version, 2);
    let flags: Vec<(&str, bool, bool)> = pair
        .identity_attributes
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.required_for_import,
                a.optional_for_import,
            )
        })
        .collect();
    assert_eq!(flags, vec![("region", false, true), ("name", true, false)]);
}

#[tokio::test]
async fn import_by_a_multi_attribute_identity_uses_the_resource_hook() {
    let mut c = PluginClient::serve(Toy).await;
    // region is optional for import: the hook supplies it, and the answer fills it in
    let requested = Value::object([("region", Value::Null), ("name", Value::string("a"))]);
    let resp = c
        .rpc
        .import_resource_state(proto::import_resource_state::Request {
            type_name: "toy_pair".into(),
            identity: Some(proto::ResourceIdentityData {
                identity_data: dynamic(&requested, &pair_identity_type()),
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    let imported = &resp.imported_resources[0];
    let got = undynamic(
        &imported.identity.as_ref().expect("identity").identity_data,
        &pair_identity_type(),
    );
    assert_eq!(
        got,
        Value::object([
            ("region", Value::string("here")),
            ("name", Value::string("a"))
        ])
    );

    // a resource without identity says so rather than importing an empty id
    let resp = c
        .rpc
        .import_resource_state(proto::import_resource_state::Request {
            type_name: "toy_plain".into(),
            identity: Some(proto::ResourceIdentityData {
                identity_data: dynamic(&requested, &pair_identity_type()),
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", resp.diagnostics);
    assert_eq!(errs[0].summary, "Import by identity not supported");
    assert!(resp.imported_resources.is_empty());

    // and plain id import still works for it, without identity
    let resp = c
        .rpc
        .import_resource_state(proto::import_resource_state::Request {
            type_name: "toy_plain".into(),
            id: "x/b".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    assert!(resp.imported_resources[0].identity.is_none());
}

#[tokio::test]
async fn a_create_may_plan_unknown_identity_values() {
    let mut c = PluginClient::serve(Toy).await;
    let ty = Type::object([("region", Type::String), ("name", Type::String)]);
    let config = Value::object([("region", Value::Null), ("name", Value::Unknown)]);
    let resp = c
        .rpc
        .plan_resource_change(proto::plan_resource_change::Request {
            type_name: "toy_pair".into(),
            prior_state: dynamic(&Value::Null, &ty),
            proposed_new_state: dynamic(&config, &ty),
            config: dynamic(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    let planned = undynamic(
        &resp
            .planned_identity
            .as_ref()
            .expect("identity")
            .identity_data,
        &pair_identity_type(),
    );
    assert_eq!(
        planned,
        Value::object([("region", Value::Unknown), ("name", Value::Unknown)])
    );
}
