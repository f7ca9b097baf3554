//! The Service Catalog operations: validation in the documented order, visibility by access level,
//! idempotency tokens, and record creation. Each operation works on the locked [`State`].

use std::collections::BTreeMap;

use base64::Engine as _;
use rand::Rng as _;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use super::arn;
use super::config::{AccessLevel, Principal};
use super::error::{ApiError, ErrorCode};
use super::faults::Faults;
use super::input::{self, item_object, item_str, Input};
use super::model::{
    outputs, Change, KeyValue, ProductStatus, ProvisionedProduct, Record, RecordStatus, State,
    TokenUse,
};

/// Fixed facts about the emulated account.
#[derive(Clone, Debug)]
pub struct Env {
    /// Account id.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// ARN partition.
    pub partition: String,
    /// Record latency in seconds.
    pub record_latency_secs: f64,
    /// Launch role of new products.
    pub launch_role_arn: Option<String>,
}

/// One call's context.
pub struct Ctx<'a> {
    /// Who calls.
    pub caller: &'a Principal,
    /// Epoch seconds.
    pub now: f64,
    /// Account facts.
    pub env: &'a Env,
    /// Faults (record failures and search lag are consumed here).
    pub faults: &'a mut Faults,
}

/// The result of an operation: the answer, and whether persistent state changed.
pub struct Outcome {
    /// Response body.
    pub body: Value,
    /// Whether state must be persisted before answering.
    pub mutated: bool,
}

fn read(body: Value) -> Result<Outcome, ApiError> {
    Ok(Outcome {
        body,
        mutated: false,
    })
}

fn write(body: Value) -> Result<Outcome, ApiError> {
    Ok(Outcome {
        body,
        mutated: true,
    })
}

/// Runs one operation. `op` is the name after the target prefix.
pub fn call(
    op: &str,
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    match op {
        "ProvisionProduct" => provision_product(state, ctx, body),
        "UpdateProvisionedProduct" => update_provisioned_product(state, ctx, body),
        "TerminateProvisionedProduct" => terminate_provisioned_product(state, ctx, body),
        "UpdateProvisionedProductProperties" => update_properties(state, ctx, body),
        "DescribeProvisionedProduct" => describe_provisioned_product(state, ctx, body),
        "DescribeRecord" => describe_record(state, ctx, body),
        "SearchProvisionedProducts" => search_provisioned_products(state, ctx, body),
        "ScanProvisionedProducts" => scan_provisioned_products(state, ctx, body),
        "ListRecordHistory" => list_record_history(state, ctx, body),
        other => Err(ApiError::new(
            ErrorCode::UnknownOperation,
            format!("operation '{other}' is not supported by this endpoint"),
        )),
    }
}

fn random_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let tail: String = (0..13)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{tail}")
}

fn derived_id(prefix: &str, name: &str) -> String {
    let digest = hex::encode(Sha256::digest(name.as_bytes()));
    format!("{prefix}{}", &digest[..13])
}

fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for k in keys {
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&m[k], out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for i in items {
                canonical(i, out);
                out.push(',');
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Hash of caller + request without its token and language: what "the same request" means.
fn fingerprint(caller: &Principal, body: &Map<String, Value>, token_key: &str) -> String {
    let mut m = body.clone();
    m.remove(token_key);
    m.remove("AcceptLanguage");
    let mut text = caller.arn.clone();
    text.push('\n');
    canonical(&Value::Object(m), &mut text);
    hex::encode(Sha256::digest(text.as_bytes()))
}

enum TokenCheck {
    New(String),
    Replay(String),
}

fn check_token(
    state: &State,
    op: &str,
    token: &str,
    fingerprint: String,
    token_member: &str,
) -> Result<TokenCheck, ApiError> {
    match state.tokens.get(&format!("{op}/{token}")) {
        None => Ok(TokenCheck::New(fingerprint)),
        Some(used) if used.fingerprint == fingerprint => {
            Ok(TokenCheck::Replay(used.record_id.clone()))
        }
        Some(used) => Err(ApiError::invalid_parameters(format!(
            "{token_member} '{token}' was already used for a different {op} request (record {}); \
             use a new token for a new request",
            used.record_id
        ))),
    }
}

/// Whether `caller` sees something owned by `owner`/`session` at `level`.
pub fn can_see(level: AccessLevel, caller: &Principal, owner: &str, session: &str) -> bool {
    match level {
        AccessLevel::Account => true,
        AccessLevel::Role => {
            owner == caller.arn
                || session == caller.arn
                || match (arn::role_of(&caller.arn), arn::role_of(owner)) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                }
        }
        AccessLevel::User => owner == caller.arn || session == caller.arn,
    }
}

fn product_visible(pp: &ProvisionedProduct, caller: &Principal) -> bool {
    can_see(
        caller.access_level,
        caller,
        &pp.user_arn,
        &pp.user_arn_session,
    )
}

fn access_level(
    input: &mut Input<'_>,
    default: AccessLevel,
    caller: &Principal,
    op: &str,
) -> Result<AccessLevel, ApiError> {
    let Some(filter) = input.opt_object("AccessLevelFilter")? else {
        return Ok(default.min(caller.access_level));
    };
    let (key, value) = input.nested(filter, "accessLevelFilter".into(), |i| {
        Ok((
            i.opt_enum("Key", &["Account", "Role", "User"])?,
            i.opt_str("Value", &input::ANY)?,
        ))
    })?;
    input.finish()?;
    let level = key.and_then(AccessLevel::parse).unwrap_or(default);
    if let Some(v) = value {
        if v != "self" {
            return Err(ApiError::invalid_parameters(format!(
                "AccessLevelFilter.Value '{v}' is not supported; the only supported value is 'self'"
            )));
        }
    }
    if level > caller.access_level {
        return Err(ApiError::new(
            ErrorCode::AccessDenied,
            format!(
                "{} is not authorized to perform servicecatalog:{op} with AccessLevelFilter {} \
                 (granted access level: {})",
                caller.arn, level, caller.access_level
            ),
        ));
    }
    Ok(level)
}

fn page(input: &mut Input<'_>, max: i64, default: usize) -> Result<(usize, usize), ApiError> {
    let size = input.opt_int("PageSize", 0, max)?;
    let token = input.opt_str("PageToken", &input::PAGE_TOKEN)?;
    input.finish()?;
    let size = match size {
        None | Some(0) => default,
        Some(n) => usize::try_from(n).unwrap_or(default),
    };
    let offset = match token {
        None | Some("") => 0,
        Some(t) => decode_page_token(t).ok_or_else(|| {
            ApiError::invalid_parameters(format!(
                "PageToken '{t}' is not a token this endpoint issued"
            ))
        })?,
    };
    Ok((offset, size))
}

fn decode_page_token(t: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.strip_prefix("emu1:")?.parse().ok()
}

fn encode_page_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("emu1:{offset}"))
}

/// Slices one page and adds `NextPageToken` when more remain.
fn paginate<T: Clone>(items: &[T], offset: usize, size: usize) -> (Vec<T>, Option<String>) {
    let start = offset.min(items.len());
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| encode_page_token(end));
    (items[start..end].to_vec(), next)
}

fn read_tags(input: &mut Input<'_>) -> Result<Option<Vec<KeyValue>>, ApiError> {
    let Some(items) = input.opt_list("Tags", 50)? else {
        return Ok(None);
    };
    let mut tags = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let obj = item_object("Tags", item)?;
        let kv = input.nested(obj, format!("tags.{}.member", i + 1), |t| {
            Ok((
                t.req_str("Key", &input::TAG_KEY)?,
                t.req_str("Value", &input::TAG_VALUE)?,
            ))
        })?;
        if let (Some(k), Some(v)) = kv {
            tags.push(KeyValue {
                key: k.to_owned(),
                value: v.to_owned(),
            });
        }
    }
    Ok(Some(tags))
}

/// Provisioning parameters; `previous` resolves `UsePreviousValue`.
fn read_parameters(
    input: &mut Input<'_>,
    previous: Option<&[KeyValue]>,
) -> Result<Option<Vec<KeyValue>>, ApiError> {
    let Some(items) = input.opt_list("ProvisioningParameters", usize::MAX)? else {
        return Ok(None);
    };
    let mut params = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let obj = item_object("ProvisioningParameters", item)?;
        let (key, value, use_prev) = input.nested(
            obj,
            format!("provisioningParameters.{}.member", i + 1),
            |p| {
                Ok((
                    p.opt_str("Key", &input::PARAM_KEY)?,
                    p.opt_str("Value", &input::PARAM_VALUE)?,
                    p.opt_bool("UsePreviousValue")?,
                ))
            },
        )?;
        let Some(key) = key else {
            return Err(ApiError::invalid_parameters(format!(
                "ProvisioningParameters[{i}] has no Key"
            )));
        };
        let value = if use_prev == Some(true) && previous.is_some() {
            let prev = previous
                .unwrap_or_default()
                .iter()
                .find(|kv| kv.key == key)
                .ok_or_else(|| {
                    ApiError::invalid_parameters(format!(
                        "ProvisioningParameters: '{key}' has UsePreviousValue but no previous value"
                    ))
                })?;
            prev.value.clone()
        } else {
            value.unwrap_or_default().to_owned()
        };
        params.push(KeyValue {
            key: key.to_owned(),
            value,
        });
    }
    Ok(Some(params))
}

/// An id given directly, or derived from a name. The emulator models no portfolios: any well-formed
/// id is accepted, and a name maps to a stable id.
fn id_or_name(
    id: Option<&str>,
    name: Option<&str>,
    prefix: &str,
    what: &str,
) -> Result<String, ApiError> {
    match (id, name) {
        (Some(id), _) => Ok(id.to_owned()),
        (None, Some(name)) if !name.is_empty() => Ok(derived_id(prefix, name)),
        _ => Err(ApiError::invalid_parameters(format!(
            "either {what}Id or {what}Name must be provided"
        ))),
    }
}

fn stack_outputs(pp: &ProvisionedProduct, params: &[KeyValue]) -> Vec<KeyValue> {
    let mut out = vec![KeyValue {
        key: "CloudformationStackARN".into(),
        value: pp.physical_id.clone(),
    }];
    out.extend(params.iter().cloned());
    out
}

/// Creates a record for `pp_id` and marks the product busy.
fn open_record(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    pp_id: &str,
    record_type: &str,
    change: Change,
    outputs: Vec<KeyValue>,
    moves_provisioning_record: bool,
) -> Result<Record, ApiError> {
    let seq = state.next_seq();
    let pp = state
        .products
        .get_mut(pp_id)
        .ok_or_else(|| ApiError::not_found(format!("provisioned product {pp_id} not found")))?;
    let will_fail = if ctx.faults.fail_provisioned_products.contains(&pp.id)
        || ctx.faults.fail_provisioned_products.contains(&pp.name)
    {
        true
    } else if ctx.faults.fail_next_records > 0 {
        ctx.faults.fail_next_records -= 1;
        true
    } else {
        false
    };
    let rec = Record {
        id: random_id("rec-"),
        record_type: record_type.to_owned(),
        status: RecordStatus::Created,
        created_time: ctx.now,
        updated_time: ctx.now,
        provisioned_product_id: pp.id.clone(),
        provisioned_product_name: pp.name.clone(),
        provisioned_product_type: pp.product_type.clone(),
        product_id: pp.product_id.clone(),
        provisioning_artifact_id: pp.provisioning_artifact_id.clone(),
        path_id: pp.path_id.clone(),
        launch_role_arn: pp.launch_role_arn.clone(),
        errors: Vec::new(),
        tags: pp.tags.clone(),
        outputs,
        owner_arn: pp.user_arn.clone(),
        owner_arn_session: pp.user_arn_session.clone(),
        change,
        will_fail,
        latency_secs: ctx
            .faults
            .record_latency_ms
            .map_or(ctx.env.record_latency_secs, |ms| ms as f64 / 1000.0),
        seq,
    };
    pp.status = ProductStatus::UnderChange;
    pp.last_record_id = Some(rec.id.clone());
    if moves_provisioning_record {
        pp.last_provisioning_record_id = Some(rec.id.clone());
    }
    state.records.insert(rec.id.clone(), rec.clone());
    state.open.insert(rec.id.clone());
    Ok(rec)
}

fn remember_token(state: &mut State, op: &str, token: &str, fingerprint: String, record_id: &str) {
    state.tokens.insert(
        format!("{op}/{token}"),
        TokenUse {
            fingerprint,
            record_id: record_id.to_owned(),
        },
    );
}

fn ensure_idle(state: &State, pp: &ProvisionedProduct) -> Result<(), ApiError> {
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
        return Err(ApiError::invalid_state(format!(
            "provisioned product {} is {}{detail}; wait until it is AVAILABLE",
            pp.id,
            pp.status.as_str()
        )));
    }
    Ok(())
}

fn record_reply(state: &State, id: &str) -> Result<Outcome, ApiError> {
    let rec = state
        .records
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("record {id} not found")))?;
    read(json!({ "RecordDetail": rec.detail() }))
}

/// Finds a visible product by id or name (exactly one given).
fn find_product<'s>(
    state: &'s State,
    caller: &Principal,
    id: Option<&str>,
    name: Option<&str>,
    id_member: &str,
    name_member: &str,
) -> Result<&'s ProvisionedProduct, ApiError> {
    let found = match (id, name) {
        (Some(id), None) => state.products.get(id).ok_or(id),
        (None, Some(name)) => state
            .products
            .values()
            .find(|p| p.name == name || p.arn == name)
            .ok_or(name),
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_parameters(format!(
                "provide either {id_member} or {name_member}, not both"
            )))
        }
        (None, None) => {
            return Err(ApiError::invalid_parameters(format!(
                "either {id_member} or {name_member} must be provided"
            )))
        }
    };
    match found {
        Ok(pp) if product_visible(pp, caller) => Ok(pp),
        Ok(pp) => Err(ApiError::not_found(format!(
            "provisioned product {} not found",
            pp.id
        ))),
        Err(key) => Err(ApiError::not_found(format!(
            "provisioned product {key} not found"
        ))),
    }
}

fn provision_product(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let mut i = Input::new(body);
    i.opt_str("AcceptLanguage", &input::ACCEPT_LANGUAGE)?;
    let product_id = i.opt_str("ProductId", &input::ID)?;
    let product_name = i.opt_str("ProductName", &input::PRODUCT_NAME)?;
    let artifact_id = i.opt_str("ProvisioningArtifactId", &input::ID)?;
    let artifact_name = i.opt_str("ProvisioningArtifactName", &input::ARTIFACT_NAME)?;
    let path_id = i.opt_str("PathId", &input::ID)?;
    i.opt_str("PathName", &input::PATH_NAME)?;
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
    let (Some(name), Some(token)) = (name, token) else {
        return Err(ApiError::new(
            ErrorCode::Validation,
            "missing required member",
        ));
    };
    let product_id = id_or_name(product_id, product_name, "prod-", "Product")?;
    let artifact_id = id_or_name(artifact_id, artifact_name, "pa-", "ProvisioningArtifact")?;
    let fp = fingerprint(ctx.caller, body, "ProvisionToken");
    let fp = match check_token(state, "ProvisionProduct", token, fp, "ProvisionToken")? {
        TokenCheck::Replay(record_id) => return record_reply(state, &record_id),
        TokenCheck::New(fp) => fp,
    };
    if let Some(existing) = state.products.values().find(|p| p.name == name) {
        return Err(ApiError::new(
            ErrorCode::DuplicateResource,
            format!(
                "a provisioned product named '{name}' already exists ({})",
                existing.id
            ),
        ));
    }
    let id = random_id("pp-");
    let env = ctx.env;
    let pp = ProvisionedProduct {
        arn: format!(
            "arn:{}:servicecatalog:{}:{}:stack/{name}/{id}",
            env.partition, env.region, env.account_id
        ),
        physical_id: format!(
            "arn:{}:cloudformation:{}:{}:stack/SC-{}-{id}/{}",
            env.partition,
            env.region,
            env.account_id,
            env.account_id,
            uuid::Uuid::new_v4()
        ),
        id: id.clone(),
        name: name.to_owned(),
        product_type: "CFN_STACK".into(),
        status: ProductStatus::UnderChange,
        status_message: None,
        created_time: ctx.now,
        idempotency_token: token.to_owned(),
        last_record_id: None,
        last_provisioning_record_id: None,
        last_successful_provisioning_record_id: None,
        product_id,
        product_name: product_name.map(str::to_owned),
        provisioning_artifact_id: artifact_id,
        provisioning_artifact_name: artifact_name.map(str::to_owned),
        path_id: path_id.map(str::to_owned),
        launch_role_arn: env.launch_role_arn.clone(),
        user_arn: ctx.caller.arn.clone(),
        user_arn_session: ctx.caller.arn.clone(),
        provisioned_by: ctx.caller.arn.clone(),
        tags,
        parameters: params.clone(),
        seq: state.next_seq(),
        stale_owner: None,
    };
    let outputs = stack_outputs(&pp, &params);
    state.products.insert(id.clone(), pp);
    let rec = open_record(
        state,
        ctx,
        &id,
        "PROVISION_PRODUCT",
        Change::Provision,
        outputs,
        true,
    )?;
    remember_token(state, "ProvisionProduct", token, fp, &rec.id);
    write(json!({ "RecordDetail": rec.detail() }))
}

fn update_provisioned_product(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let mut i = Input::new(body);
    i.opt_str("AcceptLanguage", &input::ACCEPT_LANGUAGE)?;
    let name = i.opt_str("ProvisionedProductName", &input::PP_NAME_OR_ARN)?;
    let id = i.opt_str("ProvisionedProductId", &input::ID)?;
    let product_id = i.opt_str("ProductId", &input::ID)?;
    let product_name = i.opt_str("ProductName", &input::PRODUCT_NAME)?;
    let artifact_id = i.opt_str("ProvisioningArtifactId", &input::ID)?;
    let artifact_name = i.opt_str("ProvisioningArtifactName", &input::ARTIFACT_NAME)?;
    let path_id = i.opt_str("PathId", &input::ID)?;
    i.opt_str("PathName", &input::PATH_NAME)?;
    i.opt_object("ProvisioningPreferences")?;
    let token = i.req_str("UpdateToken", &input::TOKEN)?;
    // Checked here for constraints; read again once the product is known (UsePreviousValue).
    read_parameters(&mut i, None)?;
    read_tags(&mut i)?;
    i.finish()?;
    let Some(token) = token else {
        return Err(ApiError::new(
            ErrorCode::Validation,
            "missing required member",
        ));
    };
    let fp = fingerprint(ctx.caller, body, "UpdateToken");
    let fp = match check_token(state, "UpdateProvisionedProduct", token, fp, "UpdateToken")? {
        TokenCheck::Replay(record_id) => return record_reply(state, &record_id),
        TokenCheck::New(fp) => fp,
    };
    let pp = find_product(
        state,
        ctx.caller,
        id,
        name,
        "ProvisionedProductId",
        "ProvisionedProductName",
    )?;
    ensure_idle(state, pp)?;
    let mut i = Input::new(body);
    let params =
        read_parameters(&mut i, Some(&pp.parameters))?.unwrap_or_else(|| pp.parameters.clone());
    let tags = read_tags(&mut i)?.unwrap_or_else(|| pp.tags.clone());
    let product_id = match (product_id, product_name) {
        (None, None) => pp.product_id.clone(),
        (id, name) => id_or_name(id, name, "prod-", "Product")?,
    };
    let artifact_id = match (artifact_id, artifact_name) {
        (None, None) => pp.provisioning_artifact_id.clone(),
        (id, name) => id_or_name(id, name, "pa-", "ProvisioningArtifact")?,
    };
    let change = Change::Update {
        product_id: product_id.clone(),
        provisioning_artifact_id: artifact_id.clone(),
        path_id: path_id.map(str::to_owned).or_else(|| pp.path_id.clone()),
        parameters: params.clone(),
        tags,
    };
    let outputs = stack_outputs(pp, &params);
    let pp_id = pp.id.clone();
    let mut rec = open_record(
        state,
        ctx,
        &pp_id,
        "UPDATE_PROVISIONED_PRODUCT",
        change,
        outputs,
        true,
    )?;
    // The record describes the target version, as AWS does for updates.
    rec.product_id = product_id;
    rec.provisioning_artifact_id = artifact_id;
    state.records.insert(rec.id.clone(), rec.clone());
    remember_token(state, "UpdateProvisionedProduct", token, fp, &rec.id);
    write(json!({ "RecordDetail": rec.detail() }))
}

fn terminate_provisioned_product(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let mut i = Input::new(body);
    i.opt_str("AcceptLanguage", &input::ACCEPT_LANGUAGE)?;
    let name = i.opt_str("ProvisionedProductName", &input::PP_NAME_OR_ARN)?;
    let id = i.opt_str("ProvisionedProductId", &input::ID)?;
    let token = i.req_str("TerminateToken", &input::TOKEN)?;
    i.opt_bool("IgnoreErrors")?;
    i.opt_bool("RetainPhysicalResources")?;
    i.finish()?;
    let Some(token) = token else {
        return Err(ApiError::new(
            ErrorCode::Validation,
            "missing required member",
        ));
    };
    let fp = fingerprint(ctx.caller, body, "TerminateToken");
    let fp = match check_token(
        state,
        "TerminateProvisionedProduct",
        token,
        fp,
        "TerminateToken",
    )? {
        TokenCheck::Replay(record_id) => return record_reply(state, &record_id),
        TokenCheck::New(fp) => fp,
    };
    let pp = find_product(
        state,
        ctx.caller,
        id,
        name,
        "ProvisionedProductId",
        "ProvisionedProductName",
    )?;
    ensure_idle(state, pp)?;
    let pp_id = pp.id.clone();
    let rec = open_record(
        state,
        ctx,
        &pp_id,
        "TERMINATE_PROVISIONED_PRODUCT",
        Change::Terminate,
        Vec::new(),
        true,
    )?;
    remember_token(state, "TerminateProvisionedProduct", token, fp, &rec.id);
    write(json!({ "RecordDetail": rec.detail() }))
}

fn update_properties(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let mut i = Input::new(body);
    i.opt_str("AcceptLanguage", &input::ACCEPT_LANGUAGE)?;
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
    let (Some(id), Some(token)) = (id, token) else {
        return Err(ApiError::new(
            ErrorCode::Validation,
            "missing required member",
        ));
    };
    for key in properties.keys() {
        if key != "OWNER" && key != "LAUNCH_ROLE" {
            return Err(ApiError::invalid_parameters(format!(
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
    let fp = fingerprint(ctx.caller, body, "IdempotencyToken");
    let op = "UpdateProvisionedProductProperties";
    let fp = match check_token(state, op, token, fp, "IdempotencyToken")? {
        TokenCheck::Replay(record_id) => {
            let rec = state
                .records
                .get(&record_id)
                .ok_or_else(|| ApiError::not_found(format!("record {record_id} not found")))?;
            return read(properties_reply(rec, &properties));
        }
        TokenCheck::New(fp) => fp,
    };
    let pp = find_product(
        state,
        ctx.caller,
        Some(id),
        None,
        "ProvisionedProductId",
        "Name",
    )?;
    ensure_idle(state, pp)?;
    let change = Change::Properties {
        properties: properties.clone(),
        prior_status: pp.status,
        search_lag_secs: ctx.faults.search_lag.as_secs_f64(),
        search_lag_calls: ctx.faults.search_lag_calls,
    };
    let pp_id = pp.id.clone();
    let rec = open_record(
        state,
        ctx,
        &pp_id,
        "UPDATE_PROVISIONED_PRODUCT_PROPERTIES",
        change,
        Vec::new(),
        false,
    )?;
    remember_token(state, op, token, fp, &rec.id);
    write(properties_reply(&rec, &properties))
}

fn properties_reply(rec: &Record, properties: &BTreeMap<String, String>) -> Value {
    json!({
        "ProvisionedProductId": rec.provisioned_product_id,
        "ProvisionedProductProperties": properties,
        "RecordId": rec.id,
        "Status": rec.status.as_str(),
    })
}

fn describe_provisioned_product(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let mut i = Input::new(body);
    i.opt_str("AcceptLanguage", &input::ACCEPT_LANGUAGE)?;
    let id = i.opt_str("Id", &input::ID)?;
    let name = i.opt_str("Name", &input::PP_NAME)?;
    i.finish()?;
    let pp = find_product(state, ctx.caller, id, name, "Id", "Name")?;
    read(json!({ "ProvisionedProductDetail": pp.detail(), "CloudWatchDashboards": [] }))
}

fn record_visible(state: &State, rec: &Record, caller: &Principal, level: AccessLevel) -> bool {
    match state.products.get(&rec.provisioned_product_id) {
        // The current owner sees all past records; a previous owner does not.
        Some(pp) => can_see(level, caller, &pp.user_arn, &pp.user_arn_session),
        None => can_see(level, caller, &rec.owner_arn, &rec.owner_arn_session),
    }
}

fn describe_record(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let mut i = Input::new(body);
    i.opt_str("AcceptLanguage", &input::ACCEPT_LANGUAGE)?;
    let id = i.req_str("Id", &input::ID)?;
    let (offset, size) = page(&mut i, 20, 20)?;
    let Some(id) = id else {
        return Err(ApiError::new(
            ErrorCode::Validation,
            "missing required member",
        ));
    };
    let rec = state
        .records
        .get(id)
        .filter(|r| record_visible(state, r, ctx.caller, ctx.caller.access_level))
        .ok_or_else(|| ApiError::not_found(format!("record {id} not found")))?;
    let (items, next) = paginate(&rec.outputs, offset, size);
    let mut out = json!({ "RecordDetail": rec.detail(), "RecordOutputs": outputs(&items) });
    if let Some(next) = next {
        out["NextPageToken"] = Value::String(next);
    }
    read(out)
}

struct Shown<'a> {
    pp: &'a ProvisionedProduct,
    user_arn: String,
    user_arn_session: String,
}

fn field_value(s: &Shown<'_>, field: &str) -> Option<String> {
    let pp = s.pp;
    Some(match field {
        "arn" => pp.arn.clone(),
        "createdtime" => format!("{}", pp.created_time),
        "id" => pp.id.clone(),
        "lastrecordid" => pp.last_record_id.clone()?,
        "idempotencytoken" => pp.idempotency_token.clone(),
        "name" => pp.name.clone(),
        "physicalid" => pp.physical_id.clone(),
        "productid" => pp.product_id.clone(),
        "provisioningartifactid" => pp.provisioning_artifact_id.clone(),
        "type" => pp.product_type.clone(),
        "status" => pp.status.as_str().to_owned(),
        "userarn" => s.user_arn.clone(),
        "userarnsession" => s.user_arn_session.clone(),
        "lastprovisioningrecordid" => pp.last_provisioning_record_id.clone()?,
        "lastsuccessfulprovisioningrecordid" => {
            pp.last_successful_provisioning_record_id.clone()?
        }
        "productname" => pp.product_name.clone()?,
        "provisioningartifactname" => pp.provisioning_artifact_name.clone()?,
        _ => return None,
    })
}

const SEARCH_FIELDS: &[&str] = &[
    "arn",
    "createdTime",
    "id",
    "lastRecordId",
    "idempotencyToken",
    "name",
    "physicalId",
    "productId",
    "provisioningArtifactId",
    "type",
    "status",
    "tags",
    "userArn",
    "userArnSession",
    "lastProvisioningRecordId",
    "lastSuccessfulProvisioningRecordId",
    "productName",
    "provisioningArtifactName",
];

fn matches_term(s: &Shown<'_>, term: &str) -> bool {
    let term = term.trim();
    if term.is_empty() {
        return true;
    }
    if let Some((field, value)) = term.split_once(':') {
        let lower = field.to_ascii_lowercase();
        if SEARCH_FIELDS
            .iter()
            .any(|f| f.to_ascii_lowercase() == lower)
        {
            if lower == "tags" {
                return s.pp.tags.iter().any(|t| {
                    t.value.eq_ignore_ascii_case(value)
                        || format!("{}:{}", t.key, t.value).eq_ignore_ascii_case(value)
                        || t.key.eq_ignore_ascii_case(value)
                });
            }
            return field_value(s, &lower).is_some_and(|v| v.eq_ignore_ascii_case(value));
        }
    }
    // Free text: case-insensitive substring of any searchable field or tag.
    let needle = term.to_ascii_lowercase();
    SEARCH_FIELDS
        .iter()
        .filter_map(|f| field_value(s, &f.to_ascii_lowercase()))
        .chain(s.pp.tags.iter().map(|t| format!("{} {}", t.key, t.value)))
        .any(|v| v.to_ascii_lowercase().contains(&needle))
}

fn system_tags(env: &Env, pp: &ProvisionedProduct) -> Vec<KeyValue> {
    let tag = |k: &str, v: String| KeyValue {
        key: format!("aws:servicecatalog:{k}"),
        value: v,
    };
    vec![
        tag(
            "productArn",
            format!(
                "arn:{}:catalog:{}:{}:product/{}",
                env.partition, env.region, env.account_id, pp.product_id
            ),
        ),
        tag("provisioningPrincipalArn", pp.provisioned_by.clone()),
        tag(
            "provisioningArtifactIdentifier",
            pp.provisioning_artifact_id.clone(),
        ),
        tag("provisionedProductArn", pp.arn.clone()),
    ]
}

fn search_provisioned_products(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let mut i = Input::new(body);
    i.opt_str("AcceptLanguage", &input::ACCEPT_LANGUAGE)?;
    let level = access_level(
        &mut i,
        AccessLevel::Account,
        ctx.caller,
        "SearchProvisionedProducts",
    )?;
    let mut terms: Vec<String> = Vec::new();
    if let Some(filters) = i.opt_object("Filters")? {
        for (key, values) in filters {
            if key != "SearchQuery" {
                i.violations.push(
                    Some(key),
                    "filters.key",
                    "Member must satisfy enum value set: [SearchQuery]",
                );
                continue;
            }
            let Value::Array(values) = values else {
                return Err(ApiError::serialization(
                    "Filters values must be lists of strings",
                ));
            };
            for v in values {
                terms.push(item_str("Filters", v)?.to_owned());
            }
        }
    }
    let sort_by = i.opt_str("SortBy", &input::ANY)?;
    let descending = i.opt_enum("SortOrder", &["ASCENDING", "DESCENDING"])? == Some("DESCENDING");
    let (offset, size) = page(&mut i, 100, 20)?;
    if let Some(s) = sort_by {
        if !["arn", "id", "name", "lastRecordId"].contains(&s) {
            return Err(ApiError::invalid_parameters(format!(
                "SortBy '{s}' is not valid; valid values are arn, id, name and lastRecordId"
            )));
        }
    }
    let now = ctx.now;
    let mut shown: Vec<Shown<'_>> = Vec::new();
    let mut lagging: Vec<String> = Vec::new();
    for pp in state.products.values() {
        let (user_arn, user_arn_session) = match &pp.stale_owner {
            Some(st) if st.until > now || st.calls_left > 0 => {
                (st.user_arn.clone(), st.user_arn_session.clone())
            }
            _ => (pp.user_arn.clone(), pp.user_arn_session.clone()),
        };
        let s = Shown {
            pp,
            user_arn,
            user_arn_session,
        };
        if !can_see(level, ctx.caller, &s.user_arn, &s.user_arn_session) {
            continue;
        }
        if terms.iter().all(|t| matches_term(&s, t)) {
            if pp.stale_owner.is_some() {
                lagging.push(pp.id.clone());
            }
            shown.push(s);
        }
    }
    match sort_by {
        Some("arn") => shown.sort_by(|a, b| a.pp.arn.cmp(&b.pp.arn)),
        Some("id") => shown.sort_by(|a, b| a.pp.id.cmp(&b.pp.id)),
        Some("name") => shown.sort_by(|a, b| a.pp.name.cmp(&b.pp.name)),
        Some("lastRecordId") => shown.sort_by(|a, b| a.pp.last_record_id.cmp(&b.pp.last_record_id)),
        _ => shown.sort_by_key(|s| s.pp.seq),
    }
    if descending {
        shown.reverse();
    }
    let total = shown.len();
    let items: Vec<Value> = shown
        .iter()
        .map(|s| {
            s.pp.attribute(
                &s.user_arn,
                &s.user_arn_session,
                &system_tags(ctx.env, s.pp),
            )
        })
        .collect();
    let (items, next) = paginate(&items, offset, size);
    let mut out = json!({ "ProvisionedProducts": items, "TotalResultsCount": total });
    if let Some(next) = next {
        out["NextPageToken"] = Value::String(next);
    }
    // Count down call-based search lag; drop lag that has run out.
    for id in lagging {
        if let Some(pp) = state.products.get_mut(&id) {
            if let Some(st) = pp.stale_owner.as_mut() {
                st.calls_left = st.calls_left.saturating_sub(1);
                if st.calls_left == 0 && st.until <= now {
                    pp.stale_owner = None;
                }
            }
        }
    }
    read(out)
}

fn scan_provisioned_products(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let mut i = Input::new(body);
    i.opt_str("AcceptLanguage", &input::ACCEPT_LANGUAGE)?;
    let level = access_level(
        &mut i,
        AccessLevel::User,
        ctx.caller,
        "ScanProvisionedProducts",
    )?;
    let (offset, size) = page(&mut i, 20, 20)?;
    let mut visible: Vec<&ProvisionedProduct> = state
        .products
        .values()
        .filter(|pp| can_see(level, ctx.caller, &pp.user_arn, &pp.user_arn_session))
        .collect();
    visible.sort_by_key(|pp| pp.seq);
    let details: Vec<Value> = visible.iter().map(|pp| pp.detail()).collect();
    let (items, next) = paginate(&details, offset, size);
    let mut out = json!({ "ProvisionedProducts": items });
    if let Some(next) = next {
        out["NextPageToken"] = Value::String(next);
    }
    read(out)
}

fn list_record_history(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let mut i = Input::new(body);
    i.opt_str("AcceptLanguage", &input::ACCEPT_LANGUAGE)?;
    let level = access_level(&mut i, AccessLevel::User, ctx.caller, "ListRecordHistory")?;
    let filter = match i.opt_object("SearchFilter")? {
        None => None,
        Some(f) => i.nested(f, "searchFilter".into(), |s| {
            Ok(Some((
                s.opt_str("Key", &input::ANY)?
                    .unwrap_or_default()
                    .to_owned(),
                s.opt_str("Value", &input::ANY)?
                    .unwrap_or_default()
                    .to_owned(),
            )))
        })?,
    };
    let (offset, size) = page(&mut i, 20, 20)?;
    if let Some((key, _)) = &filter {
        if key != "product" && key != "provisionedproduct" {
            return Err(ApiError::invalid_parameters(format!(
                "SearchFilter.Key '{key}' is not valid; valid keys are 'product' and 'provisionedproduct'"
            )));
        }
    }
    let mut records: Vec<&Record> = state
        .records
        .values()
        .filter(|r| match &filter {
            Some((k, v)) if k == "product" => &r.product_id == v,
            Some((_, v)) => &r.provisioned_product_id == v,
            None => true,
        })
        // Own records stay visible to a previous owner; the current owner sees the whole history.
        .filter(|r| {
            can_see(level, ctx.caller, &r.owner_arn, &r.owner_arn_session)
                || record_visible(state, r, ctx.caller, level)
        })
        .collect();
    records.sort_by_key(|r| std::cmp::Reverse(r.seq));
    let details: Vec<Value> = records.iter().map(|r| r.detail()).collect();
    let (items, next) = paginate(&details, offset, size);
    let mut out = json!({ "RecordDetails": items });
    if let Some(next) = next {
        out["NextPageToken"] = Value::String(next);
    }
    read(out)
}

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
}

/// Creates an `AVAILABLE` product at once (with a `SUCCEEDED` provisioning record), validated like the API.
pub fn seed(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    seed: &SeedProduct,
) -> Result<ProvisionedProduct, ApiError> {
    let owner = seed.owner_arn.clone();
    if let Some(o) = &owner {
        arn::check_owner(o, &ctx.env.account_id, &ctx.env.partition)?;
    }
    if let Some(r) = &seed.launch_role_arn {
        arn::check_launch_role(r, &ctx.env.account_id, &ctx.env.partition)?;
    }
    let mut body = Map::new();
    body.insert("ProvisionedProductName".into(), json!(seed.name));
    body.insert(
        "ProductId".into(),
        json!(seed.product_id.as_deref().unwrap_or("prod-emulator0000")),
    );
    body.insert(
        "ProvisioningArtifactId".into(),
        json!(seed
            .provisioning_artifact_id
            .as_deref()
            .unwrap_or("pa-emulator00000")),
    );
    body.insert(
        "ProvisionToken".into(),
        json!(uuid::Uuid::new_v4().to_string()),
    );
    let env = Env {
        record_latency_secs: 0.0,
        ..ctx.env.clone()
    };
    let mut faults = Faults::default();
    let mut inner = Ctx {
        caller: ctx.caller,
        now: ctx.now,
        env: &env,
        faults: &mut faults,
    };
    let out = provision_product(state, &mut inner, &body)?;
    let record_id = out.body["RecordDetail"]["RecordId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    state.advance(ctx.now);
    let pp_id = state
        .records
        .get(&record_id)
        .map(|r| r.provisioned_product_id.clone())
        .unwrap_or_default();
    let pp = state
        .products
        .get_mut(&pp_id)
        .ok_or_else(|| ApiError::new(ErrorCode::InternalFailure, "seeded product vanished"))?;
    if let Some(o) = owner {
        pp.user_arn_session = o.clone();
        pp.user_arn = o.clone();
        if let Some(rec) = state.records.get_mut(&record_id) {
            rec.owner_arn_session = o.clone();
            rec.owner_arn = o;
        }
    }
    if let Some(r) = &seed.launch_role_arn {
        pp.launch_role_arn = Some(r.clone());
    }
    Ok(pp.clone())
}
