//! Resource identity (protocol 6.9) over real gRPC: the real `ServiceCatalogProvider` served
//! in-process, configured against an in-process emulator, driven with the generated client
//! stubs the way Terraform >= 1.12 drives it (Terraform 1.11 cannot exercise identity).

use servicecatalog_provider::resources::provisioned_product_properties::{
    ProvisionedProductProperties, TYPE_NAME,
};
use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::{ObjectExt, Resource, Type, Value};

#[path = "support/tfplugin.rs"]
mod tfplugin_support;

#[path = "support/identity.rs"]
mod identity_support;

use identity_support::{iam_arn, Env};
use tfplugin_support::{dynamic, errors, path_of, undynamic};

const PID: &str = "provisioned_product_id";

fn state_type() -> Type {
    ProvisionedProductProperties.schema().implied_type()
}

fn identity_type() -> Type {
    Type::object([(PID, Type::String)])
}

fn identity(pid: &str) -> Value {
    Value::object([(PID, Value::string(pid))])
}

fn identity_data(v: &Value) -> Option<proto::ResourceIdentityData> {
    Some(proto::ResourceIdentityData {
        identity_data: dynamic(v, &identity_type()),
    })
}

fn undo_identity(d: &Option<proto::ResourceIdentityData>) -> Value {
    let d = d.as_ref().expect("an identity");
    undynamic(&d.identity_data, &identity_type())
}

/// Config for the resource: the owner of `pid` set to `owner`.
fn config(pid: &str, owner: &str) -> Value {
    ProvisionedProductProperties
        .schema()
        .null_object()
        .with_attr(PID, Value::string(pid))
        .with_attr("properties", Value::map([("OWNER", Value::string(owner))]))
}

struct Created {
    state: Value,
    private: Vec<u8>,
    identity: Option<proto::ResourceIdentityData>,
}

/// Plans and applies a create of `config`, checking the identity both steps return.
async fn create(env: &mut Env, config: &Value, pid: &str) -> Created {
    let ty = state_type();
    let plan = env
        .client
        .plan_resource_change(proto::plan_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: dynamic(&Value::Null, &ty),
            proposed_new_state: dynamic(config, &ty),
            config: dynamic(config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&plan.diagnostics).is_empty(),
        "{:?}",
        plan.diagnostics
    );
    assert_eq!(undo_identity(&plan.planned_identity), identity(pid));

    let apply = env
        .client
        .apply_resource_change(proto::apply_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: dynamic(&Value::Null, &ty),
            planned_state: plan.planned_state.clone(),
            config: dynamic(config, &ty),
            planned_private: plan.planned_private.clone(),
            planned_identity: plan.planned_identity.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&apply.diagnostics).is_empty(),
        "{:?}",
        apply.diagnostics
    );
    assert_eq!(undo_identity(&apply.new_identity), identity(pid));
    Created {
        state: undynamic(&apply.new_state, &ty),
        private: apply.private,
        identity: apply.new_identity,
    }
}

async fn read(
    env: &mut Env,
    state: &Value,
    private: &[u8],
    current_identity: Option<proto::ResourceIdentityData>,
) -> proto::read_resource::Response {
    env.client
        .read_resource(proto::read_resource::Request {
            type_name: TYPE_NAME.into(),
            current_state: dynamic(state, &state_type()),
            private: private.to_vec(),
            current_identity,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn import(
    env: &mut Env,
    id: &str,
    identity: Option<proto::ResourceIdentityData>,
) -> proto::import_resource_state::Response {
    env.client
        .import_resource_state(proto::import_resource_state::Request {
            type_name: TYPE_NAME.into(),
            id: id.into(),
            identity,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn identity_schema_is_served_for_the_resource() {
    let mut env = Env::start().await;
    let resp = env
        .client
        .get_resource_identity_schemas(proto::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let schema = &resp.identity_schemas[TYPE_NAME];
    assert_eq!(schema.version, 0);
    assert_eq!(schema.identity_attributes.len(), 1);
    let attr = &schema.identity_attributes[0];
    assert_eq!(attr.name, PID);
    assert_eq!(Type::from_json_bytes(&attr.r#type).unwrap(), Type::String);
    assert!(attr.required_for_import && !attr.optional_for_import);
    assert!(attr.description.contains("provisioned product"));

    // a sound identity schema adds no schema problems
    let schema_resp = env
        .client
        .get_provider_schema(proto::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        schema_resp.diagnostics.is_empty(),
        "{:?}",
        schema_resp.diagnostics
    );
}

#[tokio::test]
async fn plan_apply_and_read_return_the_identity() {
    let mut env = Env::start().await;
    let pid = env.seed("ident-life").await;
    let created = create(&mut env, &config(&pid, &iam_arn("user", "alice")), &pid).await;

    // refresh with the identity Terraform stored
    let r = read(
        &mut env,
        &created.state,
        &created.private,
        created.identity.clone(),
    )
    .await;
    assert!(errors(&r.diagnostics).is_empty(), "{:?}", r.diagnostics);
    assert_eq!(undo_identity(&r.new_identity), identity(&pid));

    // a state written before identity existed (Terraform < 1.12) gains one on refresh
    let r = read(&mut env, &created.state, &created.private, None).await;
    assert!(errors(&r.diagnostics).is_empty(), "{:?}", r.diagnostics);
    assert_eq!(undo_identity(&r.new_identity), identity(&pid));

    // an in-place update keeps the identity, in plan and apply
    let ty = state_type();
    let new_config = config(&pid, &iam_arn("user", "bob"));
    let proposed = created
        .state
        .clone()
        .with_attr("properties", new_config.get("properties").unwrap().clone());
    let plan = env
        .client
        .plan_resource_change(proto::plan_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: dynamic(&created.state, &ty),
            proposed_new_state: dynamic(&proposed, &ty),
            config: dynamic(&new_config, &ty),
            prior_private: created.private.clone(),
            prior_identity: created.identity.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&plan.diagnostics).is_empty(),
        "{:?}",
        plan.diagnostics
    );
    assert!(plan.requires_replace.is_empty());
    assert_eq!(undo_identity(&plan.planned_identity), identity(&pid));
    let apply = env
        .client
        .apply_resource_change(proto::apply_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: dynamic(&created.state, &ty),
            planned_state: plan.planned_state.clone(),
            config: dynamic(&new_config, &ty),
            planned_private: plan.planned_private.clone(),
            planned_identity: plan.planned_identity.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&apply.diagnostics).is_empty(),
        "{:?}",
        apply.diagnostics
    );
    assert_eq!(undo_identity(&apply.new_identity), identity(&pid));

    // destroy: the plan echoes the prior identity, the apply leaves none
    let after = undynamic(&apply.new_state, &ty);
    let plan = env
        .client
        .plan_resource_change(proto::plan_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: dynamic(&after, &ty),
            proposed_new_state: dynamic(&Value::Null, &ty),
            config: dynamic(&Value::Null, &ty),
            prior_identity: apply.new_identity.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&plan.diagnostics).is_empty(),
        "{:?}",
        plan.diagnostics
    );
    assert_eq!(undo_identity(&plan.planned_identity), identity(&pid));
    let destroy = env
        .client
        .apply_resource_change(proto::apply_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: dynamic(&after, &ty),
            planned_state: dynamic(&Value::Null, &ty),
            config: dynamic(&Value::Null, &ty),
            planned_identity: plan.planned_identity.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&destroy.diagnostics).is_empty(),
        "{:?}",
        destroy.diagnostics
    );
    assert!(destroy.new_identity.is_none());
}

#[tokio::test]
async fn import_by_id_and_by_identity_agree() {
    let mut env = Env::start().await;
    let pid = env.seed("ident-import").await;

    let by_id = import(&mut env, &pid, None).await;
    assert!(
        errors(&by_id.diagnostics).is_empty(),
        "{:?}",
        by_id.diagnostics
    );
    let [imported] = by_id.imported_resources.as_slice() else {
        panic!("one imported resource: {by_id:?}")
    };
    assert_eq!(undo_identity(&imported.identity), identity(&pid));

    let by_identity = import(&mut env, "", identity_data(&identity(&pid))).await;
    assert!(
        errors(&by_identity.diagnostics).is_empty(),
        "{:?}",
        by_identity.diagnostics
    );
    let [same] = by_identity.imported_resources.as_slice() else {
        panic!("one imported resource: {by_identity:?}")
    };
    assert_eq!(same.type_name, TYPE_NAME);
    assert_eq!(undo_identity(&same.identity), identity(&pid));
    let ty = state_type();
    let state = undynamic(&same.state, &ty);
    assert_eq!(state, undynamic(&imported.state, &ty));
    assert_eq!(state.str_attr(PID), Some(pid.as_str()));
    let owner = state
        .get("properties")
        .and_then(Value::as_map)
        .and_then(|p| p.get("OWNER"))
        .and_then(Value::as_str);
    assert_eq!(owner, Some(iam_arn("user", "owner-ident-import").as_str()));

    // the read Terraform makes next keeps that identity
    let r = read(&mut env, &state, &same.private, same.identity.clone()).await;
    assert!(errors(&r.diagnostics).is_empty(), "{:?}", r.diagnostics);
    assert_eq!(undo_identity(&r.new_identity), identity(&pid));
}

#[tokio::test]
async fn import_by_identity_needs_the_required_attribute_and_an_existing_product() {
    let mut env = Env::start().await;
    let missing = import(
        &mut env,
        "",
        identity_data(&Value::object([(PID, Value::Null)])),
    )
    .await;
    let errs = errors(&missing.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", missing.diagnostics);
    assert_eq!(path_of(errs[0]), vec![PID.to_string()]);
    assert!(errs[0].detail.contains(PID), "{}", errs[0].detail);
    assert!(missing.imported_resources.is_empty());

    let gone = import(&mut env, "", identity_data(&identity("pp-doesnotexist1"))).await;
    let errs = errors(&gone.diagnostics);
    assert!(!errs.is_empty(), "{:?}", gone.diagnostics);
    assert!(
        errs[0].detail.contains("pp-doesnotexist1"),
        "{}",
        errs[0].detail
    );
    assert!(gone.imported_resources.is_empty());
}

#[tokio::test]
async fn upgrade_identity_returns_current_version_data_and_refuses_others() {
    let mut env = Env::start().await;
    let json = br#"{"provisioned_product_id":"pp-abcd27bm4mldq"}"#.to_vec();
    let upgrade =
        |version: i64, raw: Vec<u8>, type_name: &str| proto::upgrade_resource_identity::Request {
            type_name: type_name.into(),
            version,
            raw_identity: raw,
        };

    // 6.9 sends bare JSON bytes
    let resp = env
        .client
        .upgrade_resource_identity(upgrade(0, json.clone(), TYPE_NAME))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert_eq!(
        undo_identity(&resp.upgraded_identity),
        identity("pp-abcd27bm4mldq")
    );

    // 6.10+ wraps the JSON in a RawState message under the same field number
    let wrapped = prost::Message::encode_to_vec(&proto::RawState {
        json: json.clone(),
        flatmap: Default::default(),
    });
    let resp = env
        .client
        .upgrade_resource_identity(upgrade(0, wrapped, TYPE_NAME))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert_eq!(
        undo_identity(&resp.upgraded_identity),
        identity("pp-abcd27bm4mldq")
    );

    // a version from a newer provider
    let resp = env
        .client
        .upgrade_resource_identity(upgrade(3, json.clone(), TYPE_NAME))
        .await
        .unwrap()
        .into_inner();
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].detail.contains("version 3"), "{}", errs[0].detail);
    assert!(resp.upgraded_identity.is_none());

    // data that does not fit the identity schema names the attribute
    let resp = env
        .client
        .upgrade_resource_identity(upgrade(
            0,
            br#"{"provisioned_product_id":["pp-1"]}"#.to_vec(),
            TYPE_NAME,
        ))
        .await
        .unwrap()
        .into_inner();
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", resp.diagnostics);
    assert_eq!(path_of(errs[0]), vec![PID.to_string()]);

    // a type without identity
    let resp = env
        .client
        .upgrade_resource_identity(upgrade(0, json, "servicecatalog_nope"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&resp.diagnostics).len(), 1);
    assert!(resp.upgraded_identity.is_none());
}

#[tokio::test]
async fn a_changed_identity_is_refused() {
    let mut env = Env::start().await;
    let pid = env.seed("ident-change").await;
    let created = create(&mut env, &config(&pid, &iam_arn("user", "carol")), &pid).await;
    let other = identity_data(&identity("pp-someotherone1"));

    // refresh: the object read back is not the one Terraform recorded
    let r = read(&mut env, &created.state, &created.private, other.clone()).await;
    let errs = errors(&r.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(errs[0].summary, "Unexpected identity change");
    assert!(errs[0].detail.contains(PID), "{}", errs[0].detail);
    // the recorded identity is kept, not overwritten
    assert_eq!(undo_identity(&r.new_identity), identity("pp-someotherone1"));

    // plan: an in-place update may not move the identity either
    let ty = state_type();
    let plan = env
        .client
        .plan_resource_change(proto::plan_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: dynamic(&created.state, &ty),
            proposed_new_state: dynamic(&created.state, &ty),
            config: dynamic(&config(&pid, &iam_arn("user", "carol")), &ty),
            prior_private: created.private.clone(),
            prior_identity: other.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let errs = errors(&plan.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", plan.diagnostics);
    assert_eq!(errs[0].summary, "Unexpected identity change");

    // apply: a planned identity the result contradicts
    let apply = env
        .client
        .apply_resource_change(proto::apply_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: dynamic(&created.state, &ty),
            planned_state: dynamic(&created.state, &ty),
            config: dynamic(&config(&pid, &iam_arn("user", "carol")), &ty),
            planned_private: created.private.clone(),
            planned_identity: other,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let errs = errors(&apply.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", apply.diagnostics);
    assert_eq!(errs[0].summary, "Unexpected identity change");

    // replacing the object (a new provisioned_product_id) plans the new identity
    let pid2 = env.seed("ident-change-2").await;
    let replaced = config(&pid2, &iam_arn("user", "carol"));
    let plan = env
        .client
        .plan_resource_change(proto::plan_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: dynamic(&created.state, &ty),
            proposed_new_state: dynamic(
                &created.state.clone().with_attr(PID, Value::string(&pid2)),
                &ty,
            ),
            config: dynamic(&replaced, &ty),
            prior_private: created.private.clone(),
            prior_identity: created.identity.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors(&plan.diagnostics).is_empty(),
        "{:?}",
        plan.diagnostics
    );
    assert!(!plan.requires_replace.is_empty());
    assert_eq!(undo_identity(&plan.planned_identity), identity(&pid2));
}

#[test]
fn the_declared_identity_is_derivable_from_the_state() {
    let schema = ProvisionedProductProperties
        .identity_schema()
        .expect("the resource declares an identity");
    assert_eq!(schema.implied_type(), identity_type());
    assert!(schema.problems().is_empty(), "{:?}", schema.problems());
    // every identity attribute is a state attribute of the same type
    assert!(schema.derivation_problems(&state_type()).is_empty());
}

// ---------- the layer with a toy provider: several identity attributes, and none ----------

mod toy {
    use std::sync::Arc;

    use async_trait::async_trait;
    use servicecatalog_provider::tfplugin::{
        Attribute, ConfigureRequest, Context, CreateRequest, DeleteRequest, Diagnostic,
        Diagnostics, HookResult, IdentityAttribute, IdentitySchema, ObjectExt, Provider,
        ReadRequest, Resource, Schema, StateResponse, Type, UpdateRequest, Value,
    };

    pub struct Toy;

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
    pub struct Pair {
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

        async fn read(
            &self,
            _: &mut Context<()>,
            _: ReadRequest,
            _: &mut StateResponse,
        ) -> HookResult {
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
}

fn pair_identity_type() -> Type {
    Type::object([("region", Type::String), ("name", Type::String)])
}

#[tokio::test]
async fn only_resources_with_an_identity_are_listed_with_their_import_flags() {
    let mut client = tfplugin_support::serve(toy::Toy).await;
    let resp = client
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
    let mut client = tfplugin_support::serve(toy::Toy).await;
    // region is optional for import: the hook supplies it, and the answer fills it in
    let requested = Value::object([("region", Value::Null), ("name", Value::string("a"))]);
    let resp = client
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
    let resp = client
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
    let resp = client
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
    let mut client = tfplugin_support::serve(toy::Toy).await;
    let ty = Type::object([("region", Type::String), ("name", Type::String)]);
    let config = Value::object([("region", Value::Null), ("name", Value::Unknown)]);
    let resp = client
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
