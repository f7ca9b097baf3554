//! Identity in the tfplugin layer with a toy provider: several identity attributes (one optional
//! for import, filled in by the resource's hook), and a resource without identity.

use async_trait::async_trait;
use servicecatalog_provider::model;
use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::{
    Attribute, Context, Diagnostic, Diagnostics, Field, HookResult, IdentityAttribute,
    IdentitySchema, ModelResponse, ObjectExt, Resource, Schema, Type, Value,
};

use crate::harness::plugin::{dynamic, errors, undynamic, PluginClient, Typed};
use crate::protocol::toys::Toys;
use crate::protocol::{assert_no_errors, identity_schemas};

/// `toy_pair` and `toy_plain`.
fn toy() -> Toys {
    Toys::default()
        .resource(Pair { identity: true })
        .resource(Pair { identity: false })
}

/// `toy_pair` (identity: region + name, import id `region/name`) or `toy_plain` (none).
struct Pair {
    identity: bool,
}

model! {
    #[derive(Clone)]
    struct PairModel {
        region: Field<String>,
        name: String,
    }
}

#[async_trait]
impl Resource<()> for Pair {
    type Model = PairModel;
    type Plan = ();

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
        planned: PairModel,
        s: &mut ModelResponse<PairModel>,
    ) -> HookResult {
        let region = Field::Known("here".into());
        s.state = Some(PairModel { region, ..planned });
        Ok(())
    }

    async fn read(
        &self,
        _: &mut Context<()>,
        _: PairModel,
        _: &mut ModelResponse<PairModel>,
    ) -> HookResult {
        Ok(())
    }

    async fn update(
        &self,
        _: &mut Context<()>,
        _: PairModel,
        planned: PairModel,
        s: &mut ModelResponse<PairModel>,
    ) -> HookResult {
        s.state = Some(planned);
        Ok(())
    }

    async fn delete(
        &self,
        _: &mut Context<()>,
        _: PairModel,
        _: &mut ModelResponse<PairModel>,
    ) -> HookResult {
        Ok(())
    }

    async fn import(&self, _: &mut Context<()>, id: &str) -> Result<PairModel, Diagnostics> {
        let (region, name) = id.split_once('/').ok_or_else(|| {
            Diagnostic::error("Invalid import id", format!("{id:?} is not region/name"))
        })?;
        Ok(PairModel {
            region: Field::Known(region.into()),
            name: name.into(),
        })
    }
}

fn pair_identity_type() -> Type {
    Type::object([("region", Type::String), ("name", Type::String)])
}

/// An answer's identity of `toy_pair`.
fn pair_identity(d: &Option<proto::ResourceIdentityData>) -> Value {
    let d = d.as_ref().expect("an identity");
    undynamic(&d.identity_data, &pair_identity_type())
}

/// `ImportResourceState` of `type_name` by the identity `requested` (of `toy_pair`'s type).
async fn import_by_identity(
    c: &mut PluginClient,
    type_name: &str,
    requested: &Value,
) -> proto::import_resource_state::Response {
    c.import(proto::import_resource_state::Request {
        type_name: type_name.into(),
        identity: Some(proto::ResourceIdentityData {
            identity_data: dynamic(requested, &pair_identity_type()),
        }),
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn only_resources_with_an_identity_are_listed_with_their_import_flags() {
    let mut c = PluginClient::serve(toy()).await;
    let resp = identity_schemas(&mut c).await;
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
    let mut c = PluginClient::serve(toy()).await;
    // region is optional for import: the hook supplies it, and the answer fills it in
    let requested = Value::object([("region", Value::Null), ("name", Value::string("a"))]);
    let resp = import_by_identity(&mut c, "toy_pair", &requested).await;
    assert_no_errors(&resp.diagnostics);
    let imported = &resp.imported_resources[0];
    assert_eq!(
        pair_identity(&imported.identity),
        Value::object([
            ("region", Value::string("here")),
            ("name", Value::string("a"))
        ])
    );

    // a resource without identity says so rather than importing an empty id
    let resp = import_by_identity(&mut c, "toy_plain", &requested).await;
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", resp.diagnostics);
    assert_eq!(errs[0].summary, "Import by identity not supported");
    assert!(resp.imported_resources.is_empty());

    // and plain id import still works for it, without identity
    let resp = c
        .import(proto::import_resource_state::Request {
            type_name: "toy_plain".into(),
            id: "x/b".into(),
            ..Default::default()
        })
        .await;
    assert_no_errors(&resp.diagnostics);
    assert!(resp.imported_resources[0].identity.is_none());
}

#[tokio::test]
async fn a_create_may_plan_unknown_identity_values() {
    let mut c = PluginClient::serve(toy()).await;
    let pair = Typed::new("toy_pair", &Pair { identity: true }.schema());
    let config = Value::object([("region", Value::Null), ("name", Value::Unknown)]);
    let resp = c.plan(pair.plan(&Value::Null, &config, &config)).await;
    assert_no_errors(&resp.diagnostics);
    assert_eq!(
        pair_identity(&resp.planned_identity),
        Value::object([("region", Value::Unknown), ("name", Value::Unknown)])
    );
}
