//! The changing operations: `ProvisionProduct`, `UpdateProvisionedProduct`,
//! `TerminateProvisionedProduct` and `UpdateProvisionedProductProperties`. Each validates its
//! request in the documented order, then hands a [`Mutation`] to the shared pipeline.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use super::access::Lookup;
use super::context::Ctx;
use super::mutate::{self, random_id, Mutation, Opening, Target};
use super::Call;
use crate::emulator::arn;
use crate::emulator::error::ServiceError;
use crate::emulator::input::{self, item_str, Input};
use crate::emulator::model::{Change, KeyValue, ProductStatus, ProvisionedProduct, Record, State};

fn derived_id(prefix: &str, name: &str) -> String {
    let digest = hex::encode(Sha256::digest(name.as_bytes()));
    format!("{prefix}{}", &digest[..13])
}

fn read_tags(input: &mut Input<'_>) -> Result<Option<Vec<KeyValue>>, ServiceError> {
    input.list_of("Tags", 50, |t, _| {
        Ok(KeyValue {
            key: t.req_str("Key", &input::TAG_KEY)?.to_owned(),
            value: t.req_str("Value", &input::TAG_VALUE)?.to_owned(),
        })
    })
}

/// Provisioning parameters; `previous` resolves `UsePreviousValue`.
fn read_parameters(
    input: &mut Input<'_>,
    previous: Option<&[KeyValue]>,
) -> Result<Option<Vec<KeyValue>>, ServiceError> {
    input.list_of("ProvisioningParameters", usize::MAX, |p, i| {
        let key = p.opt_str("Key", &input::PARAM_KEY)?;
        let value = p.opt_str("Value", &input::PARAM_VALUE)?;
        let use_previous = p.opt_bool("UsePreviousValue")? == Some(true);
        let Some(key) = key else {
            return Err(ServiceError::invalid_parameters(format!(
                "ProvisioningParameters[{i}] has no Key"
            )));
        };
        let value = match previous.filter(|_| use_previous) {
            Some(previous) => previous
                .iter()
                .find(|kv| kv.key == key)
                .map(|kv| kv.value.clone())
                .ok_or_else(|| {
                    ServiceError::invalid_parameters(format!(
                        "ProvisioningParameters: '{key}' has UsePreviousValue but no previous value"
                    ))
                })?,
            None => value.unwrap_or_default().to_owned(),
        };
        Ok(KeyValue {
            key: key.to_owned(),
            value,
        })
    })
}

/// An id given directly, or derived from a name. The emulator models no portfolios: any well-formed
/// id is accepted, and a name maps to a stable id.
fn id_or_name(
    id: Option<&str>,
    name: Option<&str>,
    prefix: &str,
    what: &str,
) -> Result<String, ServiceError> {
    match (id, name) {
        (Some(id), _) => Ok(id.to_owned()),
        (None, Some(name)) if !name.is_empty() => Ok(derived_id(prefix, name)),
        _ => Err(ServiceError::invalid_parameters(format!(
            "either {what}Id or {what}Name must be provided"
        ))),
    }
}

/// The product version members `ProvisionProduct` and `UpdateProvisionedProduct` share.
#[derive(Clone, Copy)]
struct Version<'b> {
    product_id: Option<&'b str>,
    product_name: Option<&'b str>,
    artifact_id: Option<&'b str>,
    artifact_name: Option<&'b str>,
    path_id: Option<&'b str>,
}

fn read_version<'b>(i: &mut Input<'b>) -> Result<Version<'b>, ServiceError> {
    let version = Version {
        product_id: i.opt_str("ProductId", &input::ID)?,
        product_name: i.opt_str("ProductName", &input::PRODUCT_NAME)?,
        artifact_id: i.opt_str("ProvisioningArtifactId", &input::ID)?,
        artifact_name: i.opt_str("ProvisioningArtifactName", &input::ARTIFACT_NAME)?,
        path_id: i.opt_str("PathId", &input::ID)?,
    };
    i.opt_str("PathName", &input::PATH_NAME)?;
    Ok(version)
}

fn stack_outputs(pp: &ProvisionedProduct, params: &[KeyValue]) -> Vec<KeyValue> {
    let mut out = vec![KeyValue {
        key: "CloudformationStackARN".into(),
        value: pp.physical_id.clone(),
    }];
    out.extend(params.iter().cloned());
    out
}

/// Validated `ProvisionProduct`: the product to create, but for its id, ARNs and creation order.
struct Provision(ProvisionedProduct);

impl Mutation for Provision {
    const OPERATION: &'static str = "ProvisionProduct";
    const TOKEN_MEMBER: &'static str = "ProvisionToken";

    fn target(&self, state: &mut State, ctx: &Ctx<'_>) -> Result<Target<'_>, ServiceError> {
        let env = ctx.env;
        let (id, account) = (random_id("pp-"), &env.account_id);
        let arn = |service: &str, stack: &str| {
            format!(
                "arn:{}:{service}:{}:{account}:stack/{stack}",
                env.partition, env.region
            )
        };
        Ok(Target::New(Box::new(ProvisionedProduct {
            arn: arn("servicecatalog", &format!("{}/{id}", self.0.name)),
            physical_id: arn(
                "cloudformation",
                &format!("SC-{account}-{id}/{}", uuid::Uuid::new_v4()),
            ),
            id,
            seq: state.next_seq(),
            ..self.0.clone()
        })))
    }

    fn open(&self, pp: &ProvisionedProduct, _: &Ctx<'_>) -> Result<Opening, ServiceError> {
        Ok(Opening {
            outputs: stack_outputs(pp, &pp.parameters),
            ..Opening::new("PROVISION_PRODUCT", Change::Provision)
        })
    }
}

pub(super) fn provision_product(call: Call<'_, '_>) -> Result<Value, ServiceError> {
    let Call { state, ctx, body } = call;
    let mut i = Input::request(body)?;
    let v = read_version(&mut i)?;
    let name = i.req_str("ProvisionedProductName", &input::PP_NAME)?;
    let params = read_parameters(&mut i, None)?.unwrap_or_default();
    i.opt_object("ProvisioningPreferences")?;
    let tags = read_tags(&mut i)?.unwrap_or_default();
    if let Some(arns) = i.opt_list("NotificationArns", 5)? {
        for a in arns {
            item_str("NotificationArns", a)?;
        }
    }
    let token = i.req_str("ProvisionToken", &input::TOKEN)?;
    i.finish()?;
    let caller = &ctx.caller.arn;
    let m = Provision(ProvisionedProduct {
        id: String::new(),
        name: name.to_owned(),
        arn: String::new(),
        product_type: "CFN_STACK".into(),
        status: ProductStatus::UnderChange,
        status_message: None,
        created_time: ctx.now,
        idempotency_token: token.to_owned(),
        last_record_id: None,
        last_provisioning_record_id: None,
        last_successful_provisioning_record_id: None,
        product_id: id_or_name(v.product_id, v.product_name, "prod-", "Product")?,
        product_name: v.product_name.map(str::to_owned),
        provisioning_artifact_id: id_or_name(
            v.artifact_id,
            v.artifact_name,
            "pa-",
            "ProvisioningArtifact",
        )?,
        provisioning_artifact_name: v.artifact_name.map(str::to_owned),
        path_id: v.path_id.map(str::to_owned),
        launch_role_arn: ctx.env.launch_role_arn.clone(),
        user_arn: caller.clone(),
        user_arn_session: caller.clone(),
        provisioned_by: caller.clone(),
        tags,
        parameters: params,
        physical_id: String::new(),
        seq: 0,
        stale_owner: None,
    });
    mutate::apply(state, ctx, body, token, &m)
}

/// Validated `UpdateProvisionedProduct`; parameters and tags are read again against the product
/// (`UsePreviousValue`, defaults).
struct Update<'b> {
    body: &'b Map<String, Value>,
    product: Lookup<'b>,
    version: Version<'b>,
}

impl Mutation for Update<'_> {
    const OPERATION: &'static str = "UpdateProvisionedProduct";
    const TOKEN_MEMBER: &'static str = "UpdateToken";

    fn target(&self, _: &mut State, _: &Ctx<'_>) -> Result<Target<'_>, ServiceError> {
        Ok(Target::Existing(self.product))
    }

    fn open(&self, pp: &ProvisionedProduct, _: &Ctx<'_>) -> Result<Opening, ServiceError> {
        let mut i = Input::new(self.body);
        let params =
            read_parameters(&mut i, Some(&pp.parameters))?.unwrap_or_else(|| pp.parameters.clone());
        let tags = read_tags(&mut i)?.unwrap_or_else(|| pp.tags.clone());
        let v = self.version;
        let product_id = match (v.product_id, v.product_name) {
            (None, None) => pp.product_id.clone(),
            (id, name) => id_or_name(id, name, "prod-", "Product")?,
        };
        let artifact_id = match (v.artifact_id, v.artifact_name) {
            (None, None) => pp.provisioning_artifact_id.clone(),
            (id, name) => id_or_name(id, name, "pa-", "ProvisioningArtifact")?,
        };
        Ok(Opening {
            record_type: "UPDATE_PROVISIONED_PRODUCT",
            outputs: stack_outputs(pp, &params),
            change: Change::Update {
                product_id: product_id.clone(),
                provisioning_artifact_id: artifact_id.clone(),
                path_id: v.path_id.map(str::to_owned).or_else(|| pp.path_id.clone()),
                parameters: params,
                tags,
            },
            provisioning: true,
            // The record describes the target version, as AWS does for updates.
            versions: Some((product_id, artifact_id)),
        })
    }
}

pub(super) fn update_provisioned_product(call: Call<'_, '_>) -> Result<Value, ServiceError> {
    let Call { state, ctx, body } = call;
    let mut i = Input::request(body)?;
    let name = i.opt_str("ProvisionedProductName", &input::PP_NAME_OR_ARN)?;
    let id = i.opt_str("ProvisionedProductId", &input::ID)?;
    let version = read_version(&mut i)?;
    i.opt_object("ProvisioningPreferences")?;
    let token = i.req_str("UpdateToken", &input::TOKEN)?;
    // Checked here for constraints; read again once the product is known (UsePreviousValue).
    read_parameters(&mut i, None)?;
    read_tags(&mut i)?;
    i.finish()?;
    let m = Update {
        body,
        product: product_lookup(id, name),
        version,
    };
    mutate::apply(state, ctx, body, token, &m)
}

fn product_lookup<'b>(id: Option<&'b str>, name: Option<&'b str>) -> Lookup<'b> {
    Lookup {
        id,
        name,
        id_member: "ProvisionedProductId",
        name_member: "ProvisionedProductName",
    }
}

/// Validated `TerminateProvisionedProduct`.
struct Terminate<'b> {
    product: Lookup<'b>,
}

impl Mutation for Terminate<'_> {
    const OPERATION: &'static str = "TerminateProvisionedProduct";
    const TOKEN_MEMBER: &'static str = "TerminateToken";

    fn target(&self, _: &mut State, _: &Ctx<'_>) -> Result<Target<'_>, ServiceError> {
        Ok(Target::Existing(self.product))
    }

    fn open(&self, _: &ProvisionedProduct, _: &Ctx<'_>) -> Result<Opening, ServiceError> {
        Ok(Opening::new(
            "TERMINATE_PROVISIONED_PRODUCT",
            Change::Terminate,
        ))
    }
}

pub(super) fn terminate_provisioned_product(call: Call<'_, '_>) -> Result<Value, ServiceError> {
    let Call { state, ctx, body } = call;
    let mut i = Input::request(body)?;
    let name = i.opt_str("ProvisionedProductName", &input::PP_NAME_OR_ARN)?;
    let id = i.opt_str("ProvisionedProductId", &input::ID)?;
    let token = i.req_str("TerminateToken", &input::TOKEN)?;
    i.opt_bool("IgnoreErrors")?;
    i.opt_bool("RetainPhysicalResources")?;
    i.finish()?;
    let m = Terminate {
        product: product_lookup(id, name),
    };
    mutate::apply(state, ctx, body, token, &m)
}

/// Validated `UpdateProvisionedProductProperties`.
struct Properties<'b> {
    id: &'b str,
    properties: BTreeMap<String, String>,
}

impl Mutation for Properties<'_> {
    const OPERATION: &'static str = "UpdateProvisionedProductProperties";
    const TOKEN_MEMBER: &'static str = "IdempotencyToken";

    fn target(&self, _: &mut State, _: &Ctx<'_>) -> Result<Target<'_>, ServiceError> {
        Ok(Target::Existing(Lookup {
            id: Some(self.id),
            name: None,
            id_member: "ProvisionedProductId",
            name_member: "Name",
        }))
    }

    fn open(&self, pp: &ProvisionedProduct, ctx: &Ctx<'_>) -> Result<Opening, ServiceError> {
        Ok(Opening {
            record_type: "UPDATE_PROVISIONED_PRODUCT_PROPERTIES",
            change: Change::Properties {
                properties: self.properties.clone(),
                prior_status: pp.status,
                search_lag_secs: ctx.faults.search_lag_secs,
                search_lag_calls: ctx.faults.search_lag_calls,
            },
            outputs: Vec::new(),
            provisioning: false,
            versions: None,
        })
    }

    fn reply(&self, rec: &Record) -> Value {
        json!({
            "ProvisionedProductId": rec.provisioned_product_id,
            "ProvisionedProductProperties": self.properties,
            "RecordId": rec.id,
            "Status": rec.status.as_str(),
        })
    }
}

pub(super) fn update_properties(call: Call<'_, '_>) -> Result<Value, ServiceError> {
    let Call { state, ctx, body } = call;
    let mut i = Input::request(body)?;
    let id = i.req_str("ProvisionedProductId", &input::ID)?;
    let props = i.opt_object("ProvisionedProductProperties")?;
    let mut properties = BTreeMap::new();
    match props {
        None => i.violations.push(
            None,
            "provisionedProductProperties",
            "Member must not be null",
        ),
        Some(map) => {
            if map.is_empty() || map.len() > 100 {
                let bound = if map.is_empty() {
                    "Member must have length greater than or equal to 1"
                } else {
                    "Member must have length less than or equal to 100"
                };
                i.violations.push(
                    Some(&format!("map of {} entries", map.len())),
                    "provisionedProductProperties",
                    bound,
                );
            }
            for (k, v) in map {
                let v = item_str("ProvisionedProductProperties", v)?;
                i.violations
                    .check(k, "provisionedProductProperties.key", &input::PROPERTY_KEY);
                i.violations.check(
                    v,
                    "provisionedProductProperties.value",
                    &input::PROPERTY_VALUE,
                );
                properties.insert(k.clone(), v.to_owned());
            }
        }
    }
    let token = i.req_str("IdempotencyToken", &input::TOKEN)?;
    i.finish()?;
    for key in properties.keys() {
        if key != "OWNER" && key != "LAUNCH_ROLE" {
            return Err(ServiceError::invalid_parameters(format!(
                "ProvisionedProductProperties key '{key}' is not supported; valid keys are OWNER and LAUNCH_ROLE"
            )));
        }
    }
    if let Some(owner) = properties.get("OWNER") {
        arn::check_owner(owner, &ctx.env.account_id, &ctx.env.partition)?;
    }
    if let Some(role) = properties.get("LAUNCH_ROLE") {
        arn::check_launch_role(role, &ctx.env.account_id, &ctx.env.partition)?;
    }
    let m = Properties { id, properties };
    mutate::apply(state, ctx, body, token, &m)
}
