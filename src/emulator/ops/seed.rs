//! Seeding: the control API's shortcut that creates an `AVAILABLE` product at once, through the
//! same validation and pipeline as `ProvisionProduct`.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::context::{Ctx, Env, RecordFaults};
use super::mutations::provision_product;
use super::Call;
use crate::emulator::arn;
use crate::emulator::error::{ErrorCode, ServiceError};
use crate::emulator::model::{ProvisionedProduct, State};
use crate::emulator::principal::Principal;

/// What the control API's seeding shortcut accepts.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProduct {
    /// Provisioned product name (required).
    pub name: String,
    /// Owner ARN; default: the account admin.
    #[serde(default)]
    pub owner_arn: Option<String>,
    /// Launch role ARN; default: the configured one.
    #[serde(default)]
    pub launch_role_arn: Option<String>,
    /// Product id; default `prod-emulator0000`.
    #[serde(default)]
    pub product_id: Option<String>,
    /// Artifact id; default `pa-emulator00000`.
    #[serde(default)]
    pub provisioning_artifact_id: Option<String>,
    /// Tags (key, value), checked as `ProvisionProduct` checks them.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

/// Creates an `AVAILABLE` product at once (with a `SUCCEEDED` provisioning record), validated like the API.
pub(crate) fn seed(
    state: &mut State,
    caller: &Principal,
    now: f64,
    env: &Env,
    seed: &SeedProduct,
) -> Result<ProvisionedProduct, ServiceError> {
    let owner = seed.owner_arn.clone();
    if let Some(o) = &owner {
        arn::check_owner(o, &env.account_id, &env.partition)?;
    }
    if let Some(r) = &seed.launch_role_arn {
        arn::check_launch_role(r, &env.account_id, &env.partition)?;
    }
    let tags: Vec<Value> = seed
        .tags
        .iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect();
    // An empty `Tags` list reads as no tags.
    let body = json!({
        "ProvisionedProductName": seed.name,
        "ProductId": seed.product_id.as_deref().unwrap_or("prod-emulator0000"),
        "ProvisioningArtifactId": seed.provisioning_artifact_id.as_deref().unwrap_or("pa-emulator00000"),
        "Tags": tags,
        "ProvisionToken": uuid::Uuid::new_v4().to_string(),
    });
    // Seeded products are done at once and never fail, whatever the faults say.
    let no_failures = BTreeSet::new();
    let mut fail_next = 0;
    let mut ctx = Ctx {
        caller,
        now,
        env,
        faults: RecordFaults {
            fail_next: &mut fail_next,
            fail_products: &no_failures,
            latency_secs: Some(0.0),
            search_lag_secs: 0.0,
            search_lag_calls: 0,
        },
    };
    let out = provision_product(Call {
        state,
        ctx: &mut ctx,
        body: body.as_object().unwrap_or(&Map::new()),
    })?;
    state.advance(now);
    let record_id = out["RecordDetail"]["RecordId"].as_str().unwrap_or_default();
    let pp = state
        .products
        .values_mut()
        .find(|pp| pp.last_record_id.as_deref() == Some(record_id))
        .ok_or_else(|| ServiceError::new(ErrorCode::InternalFailure, "seeded product vanished"))?;
    if let Some(o) = owner {
        pp.user_arn_session = o.clone();
        pp.user_arn = o.clone();
        if let Some(rec) = state.records.get_mut(record_id) {
            rec.owner_arn_session = o.clone();
            rec.owner_arn = o;
        }
    }
    if let Some(r) = &seed.launch_role_arn {
        pp.launch_role_arn = Some(r.clone());
    }
    Ok(pp.clone())
}
