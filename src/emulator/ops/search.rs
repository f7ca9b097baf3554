//! The listing operations: `SearchProvisionedProducts` (the `SearchQuery` language, sorting, the
//! owner as search shows it during an injected search lag), `ScanProvisionedProducts` and
//! `ListRecordHistory`.

use serde_json::{json, Map, Value};

use super::access::{access_level, can_see, record_visible};
use super::context::{Ctx, Env};
use super::paging::{page, paginate};
use crate::emulator::error::ApiError;
use crate::emulator::input::{self, item_str, Input};
use crate::emulator::model::{KeyValue, ProvisionedProduct, Record, State};
use crate::emulator::principal::AccessLevel;

/// `SortBy` values: the documented four, and `createdTime`, which the AWS documentation recommends
/// for complete, duplicate-free paging.
const SORT_FIELDS: &[&str] = &["arn", "id", "name", "lastRecordId", "createdTime"];

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

pub(super) fn search_provisioned_products(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
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
        if !SORT_FIELDS.contains(&s) {
            return Err(ApiError::invalid_parameters(format!(
                "SortBy '{s}' is not valid; valid values are arn, id, name, lastRecordId and createdTime"
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
        Some("createdTime") => shown.sort_by(|a, b| {
            a.pp.created_time
                .total_cmp(&b.pp.created_time)
                .then(a.pp.seq.cmp(&b.pp.seq))
        }),
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
    Ok(out)
}

pub(super) fn scan_provisioned_products(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
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
    Ok(out)
}

pub(super) fn list_record_history(
    state: &mut State,
    ctx: &mut Ctx<'_>,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
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
    Ok(out)
}
