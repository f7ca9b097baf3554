//! Resource identity (protocol 6.9) over real gRPC: the real `ServiceCatalogProvider` served
//! in-process, configured against an in-process emulator, driven with the generated client
//! stubs the way Terraform >= 1.12 drives it (Terraform 1.11 cannot exercise identity).

mod toy;

use servicecatalog_provider::resources::provisioned_product_properties::{
    ProvisionedProductProperties, TYPE_NAME,
};
use servicecatalog_provider::tfplugin::proto;
use servicecatalog_provider::tfplugin::{ObjectExt, Resource, Type, Value};

use super::{assert_no_errors, identity_schemas, seed_owned, start};
use crate::harness::plugin::{dynamic, errors, path_of, undynamic, PluginClient, Typed};
use crate::harness::sdk::iam_arn;

const PID: &str = "provisioned_product_id";

/// The resource, typed.
fn resource() -> Typed {
    Typed::new(TYPE_NAME, &ProvisionedProductProperties.schema())
}

fn state_type() -> Type {
    resource().ty
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
async fn create(c: &mut PluginClient, config: &Value, pid: &str) -> Created {
    let (plan, apply) = c.create(&resource(), config).await;
    assert_eq!(undo_identity(&plan.planned_identity), identity(pid));
    assert_no_errors(&apply.diagnostics);
    assert_eq!(undo_identity(&apply.new_identity), identity(pid));
    Created {
        state: resource().value(&apply.new_state),
        private: apply.private,
        identity: apply.new_identity,
    }
}

/// `PlanResourceChange` with the private state and identity Terraform holds for `prior`.
async fn plan_change(
    c: &mut PluginClient,
    prior: &Value,
    proposed: &Value,
    config: &Value,
    prior_private: &[u8],
    prior_identity: Option<proto::ResourceIdentityData>,
) -> proto::plan_resource_change::Response {
    c.plan(proto::plan_resource_change::Request {
        prior_private: prior_private.to_vec(),
        prior_identity,
        ..resource().plan(prior, proposed, config)
    })
    .await
}

/// `ApplyResourceChange` of a planned state with its private state and identity.
async fn apply_change(
    c: &mut PluginClient,
    prior: &Value,
    planned: Option<proto::DynamicValue>,
    config: &Value,
    planned_private: &[u8],
    planned_identity: Option<proto::ResourceIdentityData>,
) -> proto::apply_resource_change::Response {
    c.apply(proto::apply_resource_change::Request {
        planned_identity,
        ..resource().apply(prior, planned, config, planned_private.to_vec())
    })
    .await
}

/// `UpgradeResourceIdentity` of the stored identity `json` (none: `None`) at `version`; it
/// travels as the JSON form of a RawState.
async fn upgrade(
    c: &mut PluginClient,
    type_name: &str,
    version: i64,
    json: Option<&[u8]>,
) -> proto::upgrade_resource_identity::Response {
    c.rpc
        .upgrade_resource_identity(proto::upgrade_resource_identity::Request {
            type_name: type_name.into(),
            version,
            raw_identity: json.map(|json| proto::RawState {
                json: json.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .expect("UpgradeResourceIdentity answers")
        .into_inner()
}

async fn read(
    c: &mut PluginClient,
    state: &Value,
    private: &[u8],
    current_identity: Option<proto::ResourceIdentityData>,
) -> proto::read_resource::Response {
    c.read(proto::read_resource::Request {
        current_identity,
        ..resource().read(state, private)
    })
    .await
}

async fn import(
    c: &mut PluginClient,
    id: &str,
    identity: Option<proto::ResourceIdentityData>,
) -> proto::import_resource_state::Response {
    c.import(proto::import_resource_state::Request {
        type_name: TYPE_NAME.into(),
        id: id.into(),
        identity,
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn identity_schema_is_served_for_the_resource() {
    let (_world, mut c) = start().await;
    let resp = identity_schemas(&mut c).await;
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
    let schema_resp = c.schema().await;
    assert!(
        schema_resp.diagnostics.is_empty(),
        "{:?}",
        schema_resp.diagnostics
    );
}

#[tokio::test]
async fn plan_apply_and_read_return_the_identity() {
    let (world, mut c) = start().await;
    let pid = seed_owned(&world, "ident-life").await;
    let created = create(&mut c, &config(&pid, &iam_arn("user", "alice")), &pid).await;

    // refresh with the identity Terraform stored
    let r = read(
        &mut c,
        &created.state,
        &created.private,
        created.identity.clone(),
    )
    .await;
    assert_no_errors(&r.diagnostics);
    assert_eq!(undo_identity(&r.new_identity), identity(&pid));

    // a state written before identity existed (Terraform < 1.12) gains one on refresh
    let r = read(&mut c, &created.state, &created.private, None).await;
    assert_no_errors(&r.diagnostics);
    assert_eq!(undo_identity(&r.new_identity), identity(&pid));

    // an in-place update keeps the identity, in plan and apply
    let new_config = config(&pid, &iam_arn("user", "bob"));
    let proposed = created
        .state
        .clone()
        .with_attr("properties", new_config.get("properties").unwrap().clone());
    let plan = plan_change(
        &mut c,
        &created.state,
        &proposed,
        &new_config,
        &created.private,
        created.identity.clone(),
    )
    .await;
    assert_no_errors(&plan.diagnostics);
    assert!(plan.requires_replace.is_empty());
    assert_eq!(undo_identity(&plan.planned_identity), identity(&pid));
    let apply = apply_change(
        &mut c,
        &created.state,
        plan.planned_state.clone(),
        &new_config,
        &plan.planned_private,
        plan.planned_identity.clone(),
    )
    .await;
    assert_no_errors(&apply.diagnostics);
    assert_eq!(undo_identity(&apply.new_identity), identity(&pid));

    // destroy: the plan echoes the prior identity, the apply leaves none
    let after = resource().value(&apply.new_state);
    let null = Value::Null;
    let plan = plan_change(
        &mut c,
        &after,
        &null,
        &null,
        &[],
        apply.new_identity.clone(),
    )
    .await;
    assert_no_errors(&plan.diagnostics);
    assert_eq!(undo_identity(&plan.planned_identity), identity(&pid));
    let destroy = apply_change(
        &mut c,
        &after,
        resource().dv(&null),
        &null,
        &[],
        plan.planned_identity.clone(),
    )
    .await;
    assert_no_errors(&destroy.diagnostics);
    assert!(destroy.new_identity.is_none());
}

#[tokio::test]
async fn import_by_id_and_by_identity_agree() {
    let (world, mut c) = start().await;
    let pid = seed_owned(&world, "ident-import").await;

    let by_id = import(&mut c, &pid, None).await;
    assert_no_errors(&by_id.diagnostics);
    let [imported] = by_id.imported_resources.as_slice() else {
        panic!("one imported resource: {by_id:?}")
    };
    assert_eq!(undo_identity(&imported.identity), identity(&pid));

    let by_identity = import(&mut c, "", identity_data(&identity(&pid))).await;
    assert_no_errors(&by_identity.diagnostics);
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
    let r = read(&mut c, &state, &same.private, same.identity.clone()).await;
    assert_no_errors(&r.diagnostics);
    assert_eq!(undo_identity(&r.new_identity), identity(&pid));
}

#[tokio::test]
async fn import_by_identity_needs_the_required_attribute_and_an_existing_product() {
    let (_world, mut c) = start().await;
    let missing = import(
        &mut c,
        "",
        identity_data(&Value::object([(PID, Value::Null)])),
    )
    .await;
    let errs = errors(&missing.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", missing.diagnostics);
    assert_eq!(path_of(errs[0]), vec![PID.to_string()]);
    assert!(errs[0].detail.contains(PID), "{}", errs[0].detail);
    assert!(missing.imported_resources.is_empty());

    let gone = import(&mut c, "", identity_data(&identity("pp-doesnotexist1"))).await;
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
    let (_world, mut c) = start().await;
    let json = br#"{"provisioned_product_id":"pp-abcd27bm4mldq"}"#;

    let resp = upgrade(&mut c, TYPE_NAME, 0, Some(json)).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert_eq!(
        undo_identity(&resp.upgraded_identity),
        identity("pp-abcd27bm4mldq")
    );

    // no stored identity at all
    let resp = upgrade(&mut c, TYPE_NAME, 0, None).await;
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", resp.diagnostics);
    assert!(
        errs[0].detail.contains("no stored identity"),
        "{}",
        errs[0].detail
    );

    // a version from a newer provider
    let resp = upgrade(&mut c, TYPE_NAME, 3, Some(json)).await;
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].detail.contains("version 3"), "{}", errs[0].detail);
    assert!(resp.upgraded_identity.is_none());

    // data that does not fit the identity schema names the attribute
    let misfit = br#"{"provisioned_product_id":["pp-1"]}"#;
    let resp = upgrade(&mut c, TYPE_NAME, 0, Some(misfit)).await;
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", resp.diagnostics);
    assert_eq!(path_of(errs[0]), vec![PID.to_string()]);

    // a type without identity
    let resp = upgrade(&mut c, "servicecatalog_nope", 0, Some(json)).await;
    assert_eq!(errors(&resp.diagnostics).len(), 1);
    assert!(resp.upgraded_identity.is_none());
}

#[tokio::test]
async fn a_changed_identity_is_refused() {
    let (world, mut c) = start().await;
    let pid = seed_owned(&world, "ident-change").await;
    let created = create(&mut c, &config(&pid, &iam_arn("user", "carol")), &pid).await;
    let other = identity_data(&identity("pp-someotherone1"));

    // refresh: the object read back is not the one Terraform recorded
    let r = read(&mut c, &created.state, &created.private, other.clone()).await;
    let errs = errors(&r.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(errs[0].summary, "Unexpected identity change");
    assert!(errs[0].detail.contains(PID), "{}", errs[0].detail);
    // the recorded identity is kept, not overwritten
    assert_eq!(undo_identity(&r.new_identity), identity("pp-someotherone1"));

    // plan: an in-place update may not move the identity either
    let same = config(&pid, &iam_arn("user", "carol"));
    let (state, private) = (&created.state, &created.private);
    let plan = plan_change(&mut c, state, state, &same, private, other.clone()).await;
    let errs = errors(&plan.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", plan.diagnostics);
    assert_eq!(errs[0].summary, "Unexpected identity change");

    // apply: a planned identity the result contradicts
    let apply = apply_change(&mut c, state, resource().dv(state), &same, private, other).await;
    let errs = errors(&apply.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", apply.diagnostics);
    assert_eq!(errs[0].summary, "Unexpected identity change");

    // replacing the object (a new provisioned_product_id) plans the new identity
    let pid2 = seed_owned(&world, "ident-change-2").await;
    let replaced = config(&pid2, &iam_arn("user", "carol"));
    let proposed = state.clone().with_attr(PID, Value::string(&pid2));
    let plan = plan_change(
        &mut c,
        state,
        &proposed,
        &replaced,
        private,
        created.identity.clone(),
    )
    .await;
    assert_no_errors(&plan.diagnostics);
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
