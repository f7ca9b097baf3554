//! Listing provisioned products: paged `SearchProvisionedProducts` and `ScanProvisionedProducts`,
//! typed. The batched reads (module `fleet`) and the plural data source build on this.
//!
//! API:
//! - [`SearchFilter`]: what to match — an access level ([`AccessLevel::Account`] by default) and
//!   [`SearchTerm`]s (a documented field and a value, a tag, or free text), ANDed.
//! - [`SearchOptions`]: how to list — sort ([`SearchSort::CreatedTime`] ascending by default),
//!   page size (1..=100, 100 by default), an optional limit, a deadline for throttling.
//! - [`ServiceCatalog::search`] → [`SearchPages`]: `next_page()` until `None`, or `collect()`;
//!   [`SearchPages::total_results_count`] once a page is read. [`ServiceCatalog::search_page`]
//!   reads one page. Each product is a [`ProductSummary`] (every `ProvisionedProductAttribute`
//!   field; `created_time` in RFC 3339).
//! - [`ServiceCatalog::scan`] → [`ScanPages`]: `ScanProvisionedProducts` (pages of up to 20), the
//!   only listing that carries `LaunchRoleArn`, as [`ScannedProduct`]s.
//!
//! Both honour cancellation (a page in flight is abandoned) and the limit, skip products already
//! returned (a product may move between pages while listing), and stop on a repeated page token.
//!
//! How terms map to `SearchQuery` (one list entry per term; the API ANDs entries):
//! - a field term is `field:value` with the field's documented name (`productId:prod-…`); the
//!   value is sent as it is, colons included (the service splits a term at its first colon);
//! - a tag is `tags:key:value`, or `tags:key` for any value;
//! - free text is the value alone.
//!
//! Neither the API reference nor the emulator knows a quoting syntax, and as each term is a list
//! entry of its own nothing needs separating, so values are never quoted. What cannot be sent
//! faithfully is refused when the term is made ([`ValidationError::SearchValue`]): an empty value,
//! leading or trailing white space (a term is trimmed) and control characters. How loosely the
//! service matches is not documented (the emulator ignores case; free text matches substrings),
//! so field and tag terms are checked again, exactly, on each returned product: a search
//! returns exactly the products whose field equals the value.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ProvisionedProductAttribute, ProvisionedProductDetail,
    ProvisionedProductStatus, ProvisionedProductViewFilterBy, SortOrder,
};
use aws_smithy_types::date_time::Format;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::error::{ApiError, ServiceFailure};
use super::validate::{AcceptLanguage, ValidationError};
use super::wait::Wait;

/// Largest `PageSize` of `SearchProvisionedProducts`.
pub const SEARCH_PAGE_MAX: u8 = 100;
/// Largest `PageSize` of `ScanProvisionedProducts`.
pub const SCAN_PAGE_MAX: u8 = 20;
/// How long a listing keeps retrying throttled pages by default.
const LIST_DEADLINE: Duration = Duration::from_secs(300);

/// `AccessLevelFilter.Key` (its value is always `self`, the only one the API supports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AccessLevel {
    /// Every product of the account (needs account-level access).
    #[default]
    Account,
    /// Products of the caller's federated role.
    Role,
    /// The caller's own products.
    User,
}

impl AccessLevel {
    fn to_sdk(self) -> AccessLevelFilter {
        let key = match self {
            AccessLevel::Account => AccessLevelFilterKey::Account,
            AccessLevel::Role => AccessLevelFilterKey::Role,
            AccessLevel::User => AccessLevelFilterKey::User,
        };
        AccessLevelFilter::builder().key(key).value("self").build()
    }
}

/// A documented `SearchQuery` field a term can match exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchField {
    Arn,
    Id,
    Name,
    Type,
    Status,
    LastRecordId,
    IdempotencyToken,
    PhysicalId,
    ProductId,
    ProductName,
    ProvisioningArtifactId,
    ProvisioningArtifactName,
    UserArn,
    UserArnSession,
    LastProvisioningRecordId,
    LastSuccessfulProvisioningRecordId,
}

impl SearchField {
    /// The field's name in a `SearchQuery` term.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchField::Arn => "arn",
            SearchField::Id => "id",
            SearchField::Name => "name",
            SearchField::Type => "type",
            SearchField::Status => "status",
            SearchField::LastRecordId => "lastRecordId",
            SearchField::IdempotencyToken => "idempotencyToken",
            SearchField::PhysicalId => "physicalId",
            SearchField::ProductId => "productId",
            SearchField::ProductName => "productName",
            SearchField::ProvisioningArtifactId => "provisioningArtifactId",
            SearchField::ProvisioningArtifactName => "provisioningArtifactName",
            SearchField::UserArn => "userArn",
            SearchField::UserArnSession => "userArnSession",
            SearchField::LastProvisioningRecordId => "lastProvisioningRecordId",
            SearchField::LastSuccessfulProvisioningRecordId => "lastSuccessfulProvisioningRecordId",
        }
    }

    /// The field's value in a summary.
    pub fn value_of(self, p: &ProductSummary) -> Option<&str> {
        match self {
            SearchField::Arn => p.arn.as_deref(),
            SearchField::Id => Some(&p.id),
            SearchField::Name => p.name.as_deref(),
            SearchField::Type => p.product_type.as_deref(),
            SearchField::Status => p.status.as_ref().map(ProvisionedProductStatus::as_str),
            SearchField::LastRecordId => p.last_record_id.as_deref(),
            SearchField::IdempotencyToken => p.idempotency_token.as_deref(),
            SearchField::PhysicalId => p.physical_id.as_deref(),
            SearchField::ProductId => p.product_id.as_deref(),
            SearchField::ProductName => p.product_name.as_deref(),
            SearchField::ProvisioningArtifactId => p.provisioning_artifact_id.as_deref(),
            SearchField::ProvisioningArtifactName => p.provisioning_artifact_name.as_deref(),
            SearchField::UserArn => p.user_arn.as_deref(),
            SearchField::UserArnSession => p.user_arn_session.as_deref(),
            SearchField::LastProvisioningRecordId => p.last_provisioning_record_id.as_deref(),
            SearchField::LastSuccessfulProvisioningRecordId => {
                p.last_successful_provisioning_record_id.as_deref()
            }
        }
    }
}

impl fmt::Display for SearchField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `SearchQuery` term. Make them with [`SearchTerm::field`], [`SearchTerm::tag`],
/// [`SearchTerm::tag_key`] or [`SearchTerm::text`], which check the value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SearchTerm {
    /// The field equals the value.
    Field { field: SearchField, value: String },
    /// A tag with this key and, when given, this value.
    Tag { key: String, value: Option<String> },
    /// Free text, matched by the service as it sees fit.
    Text(String),
}

impl SearchTerm {
    /// `field` equals `value`.
    pub fn field(field: SearchField, value: &str) -> Result<Self, ValidationError> {
        check_value(field.as_str(), value)?;
        Ok(SearchTerm::Field {
            field,
            value: value.to_owned(),
        })
    }

    /// A tag `key` = `value`.
    pub fn tag(key: &str, value: &str) -> Result<Self, ValidationError> {
        check_value("tag key", key)?;
        check_value("tag value", value)?;
        Ok(SearchTerm::Tag {
            key: key.to_owned(),
            value: Some(value.to_owned()),
        })
    }

    /// A tag `key` with any value.
    pub fn tag_key(key: &str) -> Result<Self, ValidationError> {
        check_value("tag key", key)?;
        Ok(SearchTerm::Tag {
            key: key.to_owned(),
            value: None,
        })
    }

    /// Free text.
    pub fn text(text: &str) -> Result<Self, ValidationError> {
        check_value("free text", text)?;
        Ok(SearchTerm::Text(text.to_owned()))
    }

    /// The term as a `SearchQuery` entry.
    pub fn query(&self) -> String {
        match self {
            SearchTerm::Field { field, value } => format!("{field}:{value}"),
            SearchTerm::Tag {
                key,
                value: Some(value),
            } => format!("tags:{key}:{value}"),
            SearchTerm::Tag { key, value: None } => format!("tags:{key}"),
            SearchTerm::Text(text) => text.clone(),
        }
    }

    /// True when `p` matches exactly (free text is left to the service).
    pub fn accepts(&self, p: &ProductSummary) -> bool {
        match self {
            SearchTerm::Field { field, value } => field.value_of(p) == Some(value.as_str()),
            SearchTerm::Tag { key, value } => match (p.tags.get(key), value) {
                (Some(found), Some(wanted)) => found == wanted,
                (found, None) => found.is_some(),
                (None, Some(_)) => false,
            },
            SearchTerm::Text(_) => true,
        }
    }
}

fn check_value(field: &'static str, value: &str) -> Result<(), ValidationError> {
    let reason = if value.is_empty() {
        "it is empty"
    } else if value.trim() != value {
        "it starts or ends with white space, which the service trims"
    } else if value.chars().any(char::is_control) {
        "it contains a control character"
    } else {
        return Ok(());
    };
    Err(ValidationError::SearchValue {
        field,
        value: value.to_owned(),
        reason,
    })
}

/// What a search matches: an access level and terms, all of which must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchFilter {
    pub access_level: AccessLevel,
    pub terms: Vec<SearchTerm>,
}

impl SearchFilter {
    /// Every product of the account.
    pub fn account() -> Self {
        SearchFilter::default()
    }

    /// This filter at `level`.
    pub fn at(mut self, level: AccessLevel) -> Self {
        self.access_level = level;
        self
    }

    /// This filter with `term` too.
    pub fn and(mut self, term: SearchTerm) -> Self {
        self.terms.push(term);
        self
    }

    /// The `SearchQuery` entries.
    pub fn query(&self) -> Vec<String> {
        self.terms.iter().map(SearchTerm::query).collect()
    }

    /// True when `p` matches every term exactly.
    pub fn accepts(&self, p: &ProductSummary) -> bool {
        self.terms.iter().all(|t| t.accepts(p))
    }
}

/// `SortBy`. `CreatedTime` is what the AWS documentation recommends for a complete listing
/// without duplicates; the others are the four the API reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchSort {
    #[default]
    CreatedTime,
    Arn,
    Id,
    Name,
    LastRecordId,
}

impl SearchSort {
    fn as_str(self) -> &'static str {
        match self {
            SearchSort::CreatedTime => "createdTime",
            SearchSort::Arn => "arn",
            SearchSort::Id => "id",
            SearchSort::Name => "name",
            SearchSort::LastRecordId => "lastRecordId",
        }
    }
}

/// How a search lists.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    pub sort: SearchSort,
    pub descending: bool,
    /// `PageSize`, 1..=[`SEARCH_PAGE_MAX`] (larger is capped).
    pub page_size: u8,
    /// Stop after this many products.
    pub limit: Option<usize>,
    /// `AcceptLanguage` (else the client's).
    pub accept_language: Option<AcceptLanguage>,
    /// How long throttled pages are retried.
    pub deadline: Duration,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            sort: SearchSort::default(),
            descending: false,
            page_size: SEARCH_PAGE_MAX,
            limit: None,
            accept_language: None,
            deadline: LIST_DEADLINE,
        }
    }
}

/// One provisioned product as `SearchProvisionedProducts` lists it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductSummary {
    pub id: String,
    pub name: Option<String>,
    pub arn: Option<String>,
    /// `Type` (`CFN_STACK`, `TERRAFORM_OPEN_SOURCE`, ...).
    pub product_type: Option<String>,
    pub status: Option<ProvisionedProductStatus>,
    pub status_message: Option<String>,
    /// `CreatedTime` in RFC 3339 (UTC).
    pub created_time: Option<String>,
    pub idempotency_token: Option<String>,
    pub last_record_id: Option<String>,
    pub last_provisioning_record_id: Option<String>,
    pub last_successful_provisioning_record_id: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub physical_id: Option<String>,
    pub product_id: Option<String>,
    pub product_name: Option<String>,
    pub provisioning_artifact_id: Option<String>,
    pub provisioning_artifact_name: Option<String>,
    /// The owner (`OWNER`).
    pub user_arn: Option<String>,
    /// The owner as a session ARN (may carry a session id).
    pub user_arn_session: Option<String>,
}

impl ProductSummary {
    /// `None` for an entry without an id (nothing could address it).
    fn from_sdk(a: &ProvisionedProductAttribute) -> Option<Self> {
        let owned = |s: Option<&str>| s.map(str::to_owned);
        Some(ProductSummary {
            id: a.id().filter(|id| !id.is_empty())?.to_owned(),
            name: owned(a.name()),
            arn: owned(a.arn()),
            product_type: owned(a.r#type()),
            status: a.status().cloned(),
            status_message: owned(a.status_message()),
            created_time: a.created_time().and_then(|t| t.fmt(Format::DateTime).ok()),
            idempotency_token: owned(a.idempotency_token()),
            last_record_id: owned(a.last_record_id()),
            last_provisioning_record_id: owned(a.last_provisioning_record_id()),
            last_successful_provisioning_record_id: owned(
                a.last_successful_provisioning_record_id(),
            ),
            tags: a
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
            physical_id: owned(a.physical_id()),
            product_id: owned(a.product_id()),
            product_name: owned(a.product_name()),
            provisioning_artifact_id: owned(a.provisioning_artifact_id()),
            provisioning_artifact_name: owned(a.provisioning_artifact_name()),
            user_arn: owned(a.user_arn()),
            user_arn_session: owned(a.user_arn_session()),
        })
    }
}

/// One page of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// The products of the page that match the filter exactly.
    pub products: Vec<ProductSummary>,
    /// `TotalResultsCount`: how many products the service matched in all.
    pub total_results_count: usize,
    /// The token of the next page; `None` on the last.
    pub next_page_token: Option<String>,
}

/// One provisioned product as `ScanProvisionedProducts` lists it (a `ProvisionedProductDetail`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScannedProduct {
    pub id: String,
    pub name: Option<String>,
    pub arn: Option<String>,
    pub product_type: Option<String>,
    pub status: Option<ProvisionedProductStatus>,
    pub status_message: Option<String>,
    /// `CreatedTime` in RFC 3339 (UTC).
    pub created_time: Option<String>,
    pub idempotency_token: Option<String>,
    pub last_record_id: Option<String>,
    pub last_provisioning_record_id: Option<String>,
    pub last_successful_provisioning_record_id: Option<String>,
    pub product_id: Option<String>,
    pub provisioning_artifact_id: Option<String>,
    /// The launch role (`LAUNCH_ROLE`).
    pub launch_role_arn: Option<String>,
}

impl ScannedProduct {
    pub(super) fn from_sdk(d: &ProvisionedProductDetail) -> Option<Self> {
        let owned = |s: Option<&str>| s.map(str::to_owned);
        Some(ScannedProduct {
            id: d.id().filter(|id| !id.is_empty())?.to_owned(),
            name: owned(d.name()),
            arn: owned(d.arn()),
            product_type: owned(d.r#type()),
            status: d.status().cloned(),
            status_message: owned(d.status_message()),
            created_time: d.created_time().and_then(|t| t.fmt(Format::DateTime).ok()),
            idempotency_token: owned(d.idempotency_token()),
            last_record_id: owned(d.last_record_id()),
            last_provisioning_record_id: owned(d.last_provisioning_record_id()),
            last_successful_provisioning_record_id: owned(
                d.last_successful_provisioning_record_id(),
            ),
            product_id: owned(d.product_id()),
            provisioning_artifact_id: owned(d.provisioning_artifact_id()),
            launch_role_arn: owned(d.launch_role_arn()),
        })
    }
}

/// One page of a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanPage {
    pub products: Vec<ScannedProduct>,
    /// The token of the next page; `None` on the last.
    pub next_page_token: Option<String>,
}

/// Where a listing is: the next token, what it returned, when it stops.
#[derive(Debug)]
struct Cursor {
    token: Option<String>,
    done: bool,
    seen: HashSet<String>,
    limit: Option<usize>,
}

impl Cursor {
    fn new(limit: Option<usize>) -> Self {
        Cursor {
            token: None,
            done: limit == Some(0),
            seen: HashSet::new(),
            limit,
        }
    }

    /// Keeps the products not returned before (up to the limit) and moves to the next page.
    fn advance<T>(
        &mut self,
        items: Vec<T>,
        id: impl Fn(&T) -> &str,
        next: Option<String>,
    ) -> Vec<T> {
        let mut kept = Vec::with_capacity(items.len());
        for item in items {
            if self.limit.is_some_and(|l| self.seen.len() >= l) {
                break;
            }
            if self.seen.insert(id(&item).to_owned()) {
                kept.push(item);
            }
        }
        let repeated = next.is_some() && next == self.token;
        self.done = next.is_none() || repeated || self.limit.is_some_and(|l| self.seen.len() >= l);
        self.token = next;
        kept
    }
}

/// A search in progress: `next_page()` until `None` (see the module docs).
#[derive(Debug)]
pub struct SearchPages<'a> {
    sc: &'a ServiceCatalog,
    filter: &'a SearchFilter,
    options: &'a SearchOptions,
    wait: Wait,
    cursor: Cursor,
    total: Option<usize>,
}

impl SearchPages<'_> {
    /// The next page's products (exact matches not returned before), `None` when done.
    pub async fn next_page(&mut self) -> Result<Option<Vec<ProductSummary>>, ApiError> {
        if self.cursor.done {
            return Ok(None);
        }
        let token = self.cursor.token.clone();
        let page = self
            .sc
            .search_page_within(self.filter, self.options, token.as_deref(), &self.wait)
            .await?
            .map_err(ServiceFailure::into_api_error)?;
        self.total = Some(page.total_results_count);
        Ok(Some(self.cursor.advance(
            page.products,
            |p| p.id.as_str(),
            page.next_page_token,
        )))
    }

    /// `TotalResultsCount` of the last page read.
    pub fn total_results_count(&self) -> Option<usize> {
        self.total
    }

    /// Every remaining product, in order.
    pub async fn collect(mut self) -> Result<Vec<ProductSummary>, ApiError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }
}

/// A scan in progress: `next_page()` until `None`.
#[derive(Debug)]
pub struct ScanPages<'a> {
    sc: &'a ServiceCatalog,
    access_level: AccessLevel,
    page_size: u8,
    wait: Wait,
    cursor: Cursor,
}

impl ScanPages<'_> {
    /// The next page's products not returned before, `None` when done.
    pub async fn next_page(&mut self) -> Result<Option<Vec<ScannedProduct>>, ApiError> {
        if self.cursor.done {
            return Ok(None);
        }
        let token = self.cursor.token.clone();
        let page = self
            .sc
            .scan_page_within(
                self.access_level,
                self.page_size,
                token.as_deref(),
                &self.wait,
            )
            .await?
            .map_err(ServiceFailure::into_api_error)?;
        Ok(Some(self.cursor.advance(
            page.products,
            |p| p.id.as_str(),
            page.next_page_token,
        )))
    }

    /// Every remaining product, in order.
    pub async fn collect(mut self) -> Result<Vec<ScannedProduct>, ApiError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }
}

impl ServiceCatalog {
    /// Starts a search (nothing is sent until the first `next_page`).
    pub fn search<'a>(
        &'a self,
        filter: &'a SearchFilter,
        options: &'a SearchOptions,
        cancel: &CancellationToken,
    ) -> SearchPages<'a> {
        SearchPages {
            sc: self,
            filter,
            options,
            wait: Wait::new(options.deadline, cancel.clone()),
            cursor: Cursor::new(options.limit),
            total: None,
        }
    }

    /// One page of a search, from `page_token` (`None`: the first).
    pub async fn search_page(
        &self,
        filter: &SearchFilter,
        options: &SearchOptions,
        page_token: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<SearchPage, ApiError> {
        let wait = Wait::new(options.deadline, cancel.clone());
        self.search_page_within(filter, options, page_token, &wait)
            .await?
            .map_err(ServiceFailure::into_api_error)
    }

    /// Starts a scan at `access_level` with pages of `page_size` (1..=[`SCAN_PAGE_MAX`]).
    pub fn scan<'a>(
        &'a self,
        access_level: AccessLevel,
        page_size: u8,
        cancel: &CancellationToken,
    ) -> ScanPages<'a> {
        ScanPages {
            sc: self,
            access_level,
            page_size,
            wait: Wait::new(LIST_DEADLINE, cancel.clone()),
            cursor: Cursor::new(None),
        }
    }

    /// One search page; the outer error is cancellation, the inner the service's answer.
    pub(super) async fn search_page_within(
        &self,
        filter: &SearchFilter,
        options: &SearchOptions,
        page_token: Option<&str>,
        wait: &Wait,
    ) -> Result<Result<SearchPage, ServiceFailure>, ApiError> {
        let sort_order = if options.descending {
            SortOrder::Descending
        } else {
            SortOrder::Ascending
        };
        let query = filter.query();
        let call = self
            .client()
            .search_provisioned_products()
            .access_level_filter(filter.access_level.to_sdk())
            .set_filters((!query.is_empty()).then(|| {
                [(ProvisionedProductViewFilterBy::SearchQuery, query)]
                    .into_iter()
                    .collect()
            }))
            .sort_by(options.sort.as_str())
            .sort_order(sort_order)
            .page_size(i32::from(options.page_size.clamp(1, SEARCH_PAGE_MAX)))
            .set_page_token(page_token.map(str::to_owned))
            .set_accept_language(self.language(options.accept_language));
        let out = match wait
            .send("SearchProvisionedProducts", || call.clone().send())
            .await?
        {
            Ok(out) => out,
            Err(f) => return Ok(Err(f)),
        };
        Ok(Ok(SearchPage {
            products: out
                .provisioned_products()
                .iter()
                .filter_map(ProductSummary::from_sdk)
                .filter(|p| filter.accepts(p))
                .collect(),
            total_results_count: usize::try_from(out.total_results_count()).unwrap_or(0),
            next_page_token: next_token(out.next_page_token()),
        }))
    }

    /// One scan page; the outer error is cancellation, the inner the service's answer.
    pub(super) async fn scan_page_within(
        &self,
        access_level: AccessLevel,
        page_size: u8,
        page_token: Option<&str>,
        wait: &Wait,
    ) -> Result<Result<ScanPage, ServiceFailure>, ApiError> {
        let call = self
            .client()
            .scan_provisioned_products()
            .access_level_filter(access_level.to_sdk())
            .page_size(i32::from(page_size.clamp(1, SCAN_PAGE_MAX)))
            .set_page_token(page_token.map(str::to_owned))
            .set_accept_language(self.language(None));
        let out = match wait
            .send("ScanProvisionedProducts", || call.clone().send())
            .await?
        {
            Ok(out) => out,
            Err(f) => return Ok(Err(f)),
        };
        Ok(Ok(ScanPage {
            products: out
                .provisioned_products()
                .iter()
                .filter_map(ScannedProduct::from_sdk)
                .collect(),
            next_page_token: next_token(out.next_page_token()),
        }))
    }
}

/// A next-page token; an empty one ends the listing, as the SDK's paginators treat it.
fn next_token(token: Option<&str>) -> Option<String> {
    token.filter(|t| !t.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: &str) -> ProductSummary {
        ProductSummary {
            id: id.to_owned(),
            name: Some("web-1".to_owned()),
            status: Some(ProvisionedProductStatus::Available),
            product_id: Some("prod-abc".to_owned()),
            user_arn: Some("arn:aws:iam::123456789012:role/Team".to_owned()),
            tags: BTreeMap::from([("team".to_owned(), "platform eng".to_owned())]),
            ..Default::default()
        }
    }

    #[test]
    fn terms_become_documented_search_query_entries() {
        let filter = SearchFilter::account()
            .and(SearchTerm::field(SearchField::ProductId, "prod-abc").unwrap())
            .and(SearchTerm::field(SearchField::Status, "AVAILABLE").unwrap())
            .and(
                SearchTerm::field(SearchField::UserArn, "arn:aws:iam::123456789012:role/Team")
                    .unwrap(),
            )
            .and(SearchTerm::tag("team", "platform eng").unwrap())
            .and(SearchTerm::tag_key("cost-centre").unwrap())
            .and(SearchTerm::text("web").unwrap());
        assert_eq!(
            filter.query(),
            [
                "productId:prod-abc",
                "status:AVAILABLE",
                "userArn:arn:aws:iam::123456789012:role/Team",
                "tags:team:platform eng",
                "tags:cost-centre",
                "web",
            ]
        );
        assert_eq!(filter.access_level, AccessLevel::Account);
        assert!(SearchFilter::account().query().is_empty());
    }

    #[test]
    fn every_field_has_its_documented_name() {
        let names: Vec<&str> = [
            SearchField::Arn,
            SearchField::Id,
            SearchField::Name,
            SearchField::Type,
            SearchField::Status,
            SearchField::LastRecordId,
            SearchField::IdempotencyToken,
            SearchField::PhysicalId,
            SearchField::ProductId,
            SearchField::ProductName,
            SearchField::ProvisioningArtifactId,
            SearchField::ProvisioningArtifactName,
            SearchField::UserArn,
            SearchField::UserArnSession,
            SearchField::LastProvisioningRecordId,
            SearchField::LastSuccessfulProvisioningRecordId,
        ]
        .iter()
        .map(|f| f.as_str())
        .collect();
        assert_eq!(
            names,
            [
                "arn",
                "id",
                "name",
                "type",
                "status",
                "lastRecordId",
                "idempotencyToken",
                "physicalId",
                "productId",
                "productName",
                "provisioningArtifactId",
                "provisioningArtifactName",
                "userArn",
                "userArnSession",
                "lastProvisioningRecordId",
                "lastSuccessfulProvisioningRecordId",
            ]
        );
    }

    #[test]
    fn values_that_cannot_be_sent_faithfully_are_refused_naming_field_and_value() {
        for (value, reason) in [
            ("", "empty"),
            (" web", "white space"),
            ("web\n", "white space"),
            ("we\u{7}b", "control character"),
        ] {
            let err = SearchTerm::field(SearchField::Name, value).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("name") && text.contains(reason), "{text}");
            assert!(text.contains(&format!("{value:?}")), "{text}");
        }
        let err = SearchTerm::tag("team", " x").unwrap_err().to_string();
        assert!(err.contains("tag value"), "{err}");
        // Inner spaces and colons are fine: a term is one list entry, split at its first colon.
        assert!(SearchTerm::tag("team", "platform eng").is_ok());
        assert!(SearchTerm::field(SearchField::Arn, "arn:aws:x:y").is_ok());
    }

    #[test]
    fn field_and_tag_terms_are_checked_exactly_and_free_text_is_left_to_the_service() {
        let p = summary("pp-1");
        let ok = |t: SearchTerm| t.accepts(&p);
        assert!(ok(SearchTerm::field(SearchField::Name, "web-1").unwrap()));
        assert!(!ok(SearchTerm::field(SearchField::Name, "WEB-1").unwrap()));
        assert!(!ok(SearchTerm::field(SearchField::Name, "web").unwrap()));
        assert!(ok(
            SearchTerm::field(SearchField::Status, "AVAILABLE").unwrap()
        ));
        assert!(!ok(SearchTerm::field(SearchField::PhysicalId, "x").unwrap()));
        assert!(ok(SearchTerm::tag("team", "platform eng").unwrap()));
        assert!(!ok(SearchTerm::tag("team", "platform").unwrap()));
        assert!(ok(SearchTerm::tag_key("team").unwrap()));
        assert!(!ok(SearchTerm::tag_key("platform eng").unwrap()));
        assert!(ok(SearchTerm::text("anything").unwrap()));
        let both = SearchFilter::account()
            .and(SearchTerm::field(SearchField::Id, "pp-1").unwrap())
            .and(SearchTerm::tag_key("owner").unwrap());
        assert!(!both.accepts(&p), "every term must match");
    }

    #[test]
    fn a_cursor_skips_repeats_stops_at_the_limit_and_on_a_repeated_token() {
        let mut c = Cursor::new(Some(3));
        let page = c.advance(vec!["a", "b"], |s| s, Some("t1".into()));
        assert_eq!(page, ["a", "b"]);
        assert!(!c.done);
        // "b" moved to the next page while listing: returned once.
        let page = c.advance(vec!["b", "c", "d"], |s| s, Some("t2".into()));
        assert_eq!(page, ["c"]);
        assert!(c.done, "limit reached");

        let mut c = Cursor::new(None);
        c.advance(vec!["a"], |s| s, Some("t".into()));
        assert!(!c.done);
        c.advance(vec!["b"], |s| s, Some("t".into()));
        assert!(c.done, "the same token again would loop");
        let mut c = Cursor::new(None);
        c.advance(vec!["a"], |s| s, None);
        assert!(c.done, "no token: last page");
        assert!(Cursor::new(Some(0)).done);
    }

    #[test]
    fn entries_without_an_id_are_skipped_and_times_are_rfc3339() {
        let bare = ProvisionedProductAttribute::builder().name("x").build();
        assert!(ProductSummary::from_sdk(&bare).is_none());
        let full = ProvisionedProductAttribute::builder()
            .id("pp-1")
            .created_time(aws_smithy_types::DateTime::from_secs_and_nanos(
                1_577_222_793,
                358_000_000,
            ))
            .tags(
                aws_sdk_servicecatalog::types::Tag::builder()
                    .key("k")
                    .value("v")
                    .build()
                    .unwrap(),
            )
            .user_arn_session("arn:aws:sts::123456789012:assumed-role/R/s")
            .build();
        let s = ProductSummary::from_sdk(&full).unwrap();
        assert_eq!(s.created_time.as_deref(), Some("2019-12-24T21:26:33.358Z"));
        assert_eq!(s.tags.get("k").map(String::as_str), Some("v"));
        assert_eq!(
            s.user_arn_session.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/R/s")
        );
    }

    #[test]
    fn access_levels_always_say_self() {
        for (level, key) in [
            (AccessLevel::Account, AccessLevelFilterKey::Account),
            (AccessLevel::Role, AccessLevelFilterKey::Role),
            (AccessLevel::User, AccessLevelFilterKey::User),
        ] {
            let f = level.to_sdk();
            assert_eq!(f.key(), Some(&key));
            assert_eq!(f.value(), Some("self"));
        }
    }
}
