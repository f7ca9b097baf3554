//! The listing operations: `SearchProvisionedProducts` (the `SearchQuery` language, sorting, the
//! owner as search shows it during an injected search lag), `ScanProvisionedProducts` and
//! `ListRecordHistory`.

use serde_json::{json, Value};

use super::access::{access_level, can_see, record_visible};
use super::context::Env;
use super::paging::{by_key, by_offset, page, with_next};
use super::Call;
use crate::emulator::error::ServiceError;
use crate::emulator::input::{self, item_str, Input};
use crate::emulator::model::{KeyValue, ProvisionedProduct, Record};
use crate::emulator::principal::AccessLevel;

/// `SortBy` values: the documented four, and `createdTime`, which the AWS documentation recommends
/// for complete, duplicate-free paging.
const SORT_FIELDS: &[&str] = &["arn", "id", "name", "lastRecordId", "createdTime"];

/// The `createdTime` order as a string key: creation time, then creation order (fixed-width hex
/// of a positive float's bits sorts like the float).
fn created_key(pp: &ProvisionedProduct) -> String {
    format!("{:016x}{:016x}", pp.created_time.to_bits(), pp.seq)
}

/// A product as search shows it: during an injected search lag, with its previous owner.
struct Shown<'a> {
    pp: &'a ProvisionedProduct,
    user_arn: &'a str,
    user_arn_session: &'a str,
    /// `CreatedTime` as a search term matches it.
    created_time: String,
}

type Field = for<'s> fn(&'s Shown<'_>) -> Option<&'s str>;

/// The `SearchQuery` fields, with how to read each (`tags` is matched on its own).
const SEARCH_FIELDS: &[(&str, Field)] = &[
    ("arn", |s| Some(&s.pp.arn)),
    ("createdTime", |s| Some(&s.created_time)),
    ("id", |s| Some(&s.pp.id)),
    ("lastRecordId", |s| s.pp.last_record_id.as_deref()),
    ("idempotencyToken", |s| Some(&s.pp.idempotency_token)),
    ("name", |s| Some(&s.pp.name)),
    ("physicalId", |s| Some(&s.pp.physical_id)),
    ("productId", |s| Some(&s.pp.product_id)),
    ("provisioningArtifactId", |s| {
        Some(&s.pp.provisioning_artifact_id)
    }),
    ("type", |s| Some(&s.pp.product_type)),
    ("status", |s| Some(s.pp.status.as_str())),
    ("tags", |_| None),
    ("userArn", |s| Some(s.user_arn)),
    ("userArnSession", |s| Some(s.user_arn_session)),
    ("lastProvisioningRecordId", |s| {
        s.pp.last_provisioning_record_id.as_deref()
    }),
    ("lastSuccessfulProvisioningRecordId", |s| {
        s.pp.last_successful_provisioning_record_id.as_deref()
    }),
    ("productName", |s| s.pp.product_name.as_deref()),
    ("provisioningArtifactName", |s| {
        s.pp.provisioning_artifact_name.as_deref()
    }),
];

fn matches_term(s: &Shown<'_>, term: &str) -> bool {
    let term = term.trim();
    if term.is_empty() {
        return true;
    }
    if let Some((field, value)) = term.split_once(':') {
        if let Some((name, read)) = SEARCH_FIELDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(field))
        {
            if *name == "tags" {
                return s.pp.tags.iter().any(|t| {
                    t.value.eq_ignore_ascii_case(value)
                        || format!("{}:{}", t.key, t.value).eq_ignore_ascii_case(value)
                        || t.key.eq_ignore_ascii_case(value)
                });
            }
            // An owner is an ARN, whose resource part is case-sensitive: matched exactly.
            let exact = matches!(*name, "userArn" | "userArnSession");
            return read(s).is_some_and(|v| {
                if exact {
                    v == value
                } else {
                    v.eq_ignore_ascii_case(value)
                }
            });
        }
    }
    // Free text: case-insensitive substring of any searchable field or tag.
    let needle = term.to_ascii_lowercase();
    SEARCH_FIELDS
        .iter()
        .filter_map(|(_, read)| read(s).map(str::to_ascii_lowercase))
        .chain(
            s.pp.tags
                .iter()
                .map(|t| format!("{} {}", t.key, t.value).to_ascii_lowercase()),
        )
        .any(|v| v.contains(&needle))
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

pub(super) fn search_provisioned_products(call: Call<'_, '_>) -> Result<Value, ServiceError> {
    let Call { state, ctx, body } = call;
    let mut i = Input::request(body)?;
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
                return Err(ServiceError::serialization(
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
    let (start, size) = page(&mut i, 100, 20)?;
    if let Some(s) = sort_by {
        if !SORT_FIELDS.contains(&s) {
            return Err(ServiceError::invalid_parameters(format!(
                "SortBy '{s}' is not valid; valid values are arn, id, name, lastRecordId and createdTime"
            )));
        }
    }
    let now = ctx.now;
    let mut shown: Vec<Shown<'_>> = Vec::new();
    for pp in state.products.values() {
        let (user_arn, user_arn_session) = match &pp.stale_owner {
            Some(st) if st.until > now || st.calls_left > 0 => {
                (st.user_arn.as_str(), st.user_arn_session.as_str())
            }
            _ => (pp.user_arn.as_str(), pp.user_arn_session.as_str()),
        };
        let s = Shown {
            pp,
            user_arn,
            user_arn_session,
            created_time: pp.created_time.to_string(),
        };
        if can_see(level, ctx.caller, s.user_arn, s.user_arn_session)
            && terms.iter().all(|t| matches_term(&s, t))
        {
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
    // Sorted by creation time, paging is by cursor: complete and free of duplicates even when
    // products come and go between pages (what the AWS documentation promises for that sort).
    let (page_items, next) = if sort_by == Some("createdTime") {
        by_key(&shown, &start, size, |s| created_key(s.pp), descending)
    } else {
        by_offset(&shown, &start, size)?
    };
    let items: Vec<Value> = page_items
        .iter()
        .map(|s| {
            s.pp.attribute(s.user_arn, s.user_arn_session, &system_tags(ctx.env, s.pp))
        })
        .collect();
    // Answers that include a lagging product count down its call-based search lag.
    let lagging: Vec<String> = page_items
        .iter()
        .filter(|s| s.pp.stale_owner.is_some())
        .map(|s| s.pp.id.clone())
        .collect();
    let out = with_next(
        json!({ "ProvisionedProducts": items, "TotalResultsCount": total }),
        next,
    );
    // Drop lag that has run out.
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

pub(super) fn scan_provisioned_products(call: Call<'_, '_>) -> Result<Value, ServiceError> {
    let Call { state, ctx, body } = call;
    let mut i = Input::request(body)?;
    let level = access_level(
        &mut i,
        AccessLevel::User,
        ctx.caller,
        "ScanProvisionedProducts",
    )?;
    let (start, size) = page(&mut i, 20, 20)?;
    let mut visible: Vec<&ProvisionedProduct> = state
        .products
        .values()
        .filter(|pp| can_see(level, ctx.caller, &pp.user_arn, &pp.user_arn_session))
        .collect();
    visible.sort_by_key(|pp| pp.seq);
    let (page_items, next) = by_offset(&visible, &start, size)?;
    let items: Vec<Value> = page_items.iter().map(|pp| pp.detail()).collect();
    Ok(with_next(json!({ "ProvisionedProducts": items }), next))
}

pub(super) fn list_record_history(call: Call<'_, '_>) -> Result<Value, ServiceError> {
    let Call { state, ctx, body } = call;
    let mut i = Input::request(body)?;
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
    let (start, size) = page(&mut i, 20, 20)?;
    if let Some((key, _)) = &filter {
        if key != "product" && key != "provisionedproduct" {
            return Err(ServiceError::invalid_parameters(format!(
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
    let (page_items, next) = by_offset(&records, &start, size)?;
    let items: Vec<Value> = page_items.iter().map(|r| r.detail()).collect();
    Ok(with_next(json!({ "RecordDetails": items }), next))
}
