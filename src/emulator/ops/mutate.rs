//! The idempotent-mutation pipeline every changing operation goes through: token check (a replay
//! answers with the original record) → find the product (or take the new one) → ensure it is idle
//! → open a record → remember the token. An operation only says which product, which record, and
//! how to answer ([`Mutation`]).

use rand::Rng as _;
use serde_json::{json, Map, Value};

use super::access::Lookup;
use super::context::Ctx;
use super::tokens;
use crate::emulator::error::{ErrorCode, ServiceError};
use crate::emulator::model::{
    Change, KeyValue, ProductStatus, ProvisionedProduct, Record, RecordStatus, State,
};

/// The product a change acts on.
pub(super) enum Target<'b> {
    /// An existing product the caller sees.
    Existing(Lookup<'b>),
    /// A product this request creates; its name must be free.
    New(Box<ProvisionedProduct>),
}

/// The record a change opens.
pub(super) struct Opening {
    /// `RecordType`.
    pub record_type: &'static str,
    /// What happens when the record succeeds.
    pub change: Change,
    /// `RecordOutputs`.
    pub outputs: Vec<KeyValue>,
    /// Provision/update/terminate records move `LastProvisioningRecordId`; property updates do not.
    pub provisioning: bool,
    /// Product and artifact ids the record names, when not the product's current ones (an update
    /// names its target version).
    pub versions: Option<(String, String)>,
}

impl Opening {
    /// A provisioning record of `record_type` with no outputs, naming the product's current
    /// version.
    pub fn new(record_type: &'static str, change: Change) -> Opening {
        Opening {
            record_type,
            change,
            outputs: Vec::new(),
            provisioning: true,
            versions: None,
        }
    }
}

/// A changing operation, once its request is validated.
pub(super) trait Mutation {
    /// Operation name; tokens are remembered per operation.
    const OPERATION: &'static str;
    /// The token member (`ProvisionToken`, `IdempotencyToken`, ...).
    const TOKEN_MEMBER: &'static str;

    /// The product to change; called only for a new token.
    fn target(&self, state: &mut State, ctx: &Ctx<'_>) -> Result<Target<'_>, ServiceError>;

    /// The record to open on the product, which is idle. Nothing has changed yet; an error here
    /// leaves the state as it was.
    fn open(&self, pp: &ProvisionedProduct, ctx: &Ctx<'_>) -> Result<Opening, ServiceError>;

    /// The answer, for a new record or for the original one on a replay.
    fn reply(&self, rec: &Record) -> Value {
        json!({ "RecordDetail": rec.detail() })
    }
}

/// Runs a mutation sent with `token` (see the module comment).
pub(super) fn apply<M: Mutation>(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
    token: &str,
    m: &M,
) -> Result<Value, ServiceError> {
    let fingerprint = tokens::fingerprint(ctx.caller, body, M::TOKEN_MEMBER);
    let replay = tokens::replayed(state, M::OPERATION, M::TOKEN_MEMBER, token, &fingerprint)?;
    if let Some(record_id) = replay {
        let rec = state
            .records
            .get(&record_id)
            .ok_or_else(|| ServiceError::not_found(format!("record {record_id} not found")))?;
        return Ok(m.reply(rec));
    }
    let (pp_id, opening) = match m.target(state, ctx)? {
        Target::Existing(lookup) => {
            let pp = lookup.find(state, ctx.caller)?;
            ensure_idle(state, pp)?;
            (pp.id.clone(), m.open(pp, ctx)?)
        }
        Target::New(pp) => {
            if let Some(existing) = state.products.values().find(|p| p.name == pp.name) {
                return Err(ServiceError::new(
                    ErrorCode::DuplicateResource,
                    format!(
                        "a provisioned product named '{}' already exists ({})",
                        pp.name, existing.id
                    ),
                ));
            }
            let opening = m.open(&pp, ctx)?;
            let id = pp.id.clone();
            state.products.insert(id.clone(), *pp);
            (id, opening)
        }
    };
    let rec = open_record(state, ctx, &pp_id, opening)?;
    tokens::remember(state, M::OPERATION, token, fingerprint, &rec.id);
    Ok(m.reply(&rec))
}

/// `prefix` + 13 random lower-case alphanumerics, like AWS ids.
pub(super) fn random_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let tail: String = (0..13)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{tail}")
}

fn ensure_idle(state: &State, pp: &ProvisionedProduct) -> Result<(), ServiceError> {
    let busy = matches!(
        pp.status,
        ProductStatus::UnderChange | ProductStatus::PlanInProgress
    );
    let open = state.open.iter().find(|id| {
        state
            .records
            .get(*id)
            .is_some_and(|r| r.provisioned_product_id == pp.id)
    });
    if busy || open.is_some() {
        let detail = open
            .map(|id| format!("; record {id} is still in progress"))
            .unwrap_or_default();
        return Err(ServiceError::invalid_state(format!(
            "provisioned product {} is {}{detail}; wait until it is AVAILABLE",
            pp.id,
            pp.status.as_str()
        )));
    }
    Ok(())
}

/// Creates the record for `pp_id` and marks the product busy. Whether it will fail and how long
/// it takes are decided now, from the faults.
fn open_record(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    pp_id: &str,
    opening: Opening,
) -> Result<Record, ServiceError> {
    let seq = state.next_seq();
    let pp = state
        .products
        .get_mut(pp_id)
        .ok_or_else(|| ServiceError::not_found(format!("provisioned product {pp_id} not found")))?;
    let faults = &mut ctx.faults;
    let will_fail =
        if faults.fail_products.contains(&pp.id) || faults.fail_products.contains(&pp.name) {
            true
        } else if *faults.fail_next > 0 {
            *faults.fail_next -= 1;
            true
        } else {
            false
        };
    let (product_id, provisioning_artifact_id) = opening
        .versions
        .unwrap_or_else(|| (pp.product_id.clone(), pp.provisioning_artifact_id.clone()));
    let rec = Record {
        id: random_id("rec-"),
        record_type: opening.record_type.to_owned(),
        status: RecordStatus::Created,
        created_time: ctx.now,
        updated_time: ctx.now,
        provisioned_product_id: pp.id.clone(),
        provisioned_product_name: pp.name.clone(),
        provisioned_product_type: pp.product_type.clone(),
        product_id,
        provisioning_artifact_id,
        path_id: pp.path_id.clone(),
        launch_role_arn: pp.launch_role_arn.clone(),
        errors: Vec::new(),
        tags: pp.tags.clone(),
        outputs: opening.outputs,
        owner_arn: pp.user_arn.clone(),
        owner_arn_session: pp.user_arn_session.clone(),
        change: opening.change,
        will_fail,
        latency_secs: faults.latency_secs.unwrap_or(ctx.env.record_latency_secs),
        seq,
    };
    pp.status = ProductStatus::UnderChange;
    pp.last_record_id = Some(rec.id.clone());
    if opening.provisioning {
        pp.last_provisioning_record_id = Some(rec.id.clone());
    }
    state.records.insert(rec.id.clone(), rec.clone());
    state.open.insert(rec.id.clone());
    Ok(rec)
}
