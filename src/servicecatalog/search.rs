//! Typed, paged listings: [`ServiceCatalog::search`] (`SearchProvisionedProducts`, with the owner
//! and tags) and [`ServiceCatalog::scan`] (`ScanProvisionedProducts`, the only listing with
//! `LaunchRoleArn`), both as [`ProductSummary`]. Both honour cancellation and the limit, skip a
//! product already returned, and stop on a repeated page token.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use aws_sdk_servicecatalog::types::{
    ProvisionedProductAttribute, ProvisionedProductDetail, ProvisionedProductStatus,
    ProvisionedProductViewFilterBy, SortOrder,
};
use aws_smithy_types::date_time::Format;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::deadline::Deadline;
use super::error::{About, ApiError};
use super::query::{AccessLevel, SearchFilter};

/// Largest `PageSize` of `SearchProvisionedProducts`.
pub const SEARCH_PAGE_MAX: u8 = 100;
/// Largest `PageSize` of `ScanProvisionedProducts`.
pub const SCAN_PAGE_MAX: u8 = 20;
/// How long a listing keeps resending throttled pages.
pub(super) const LIST_DEADLINE: Duration = Duration::from_secs(300);
const SEARCH: &str = "SearchProvisionedProducts";
const SCAN: &str = "ScanProvisionedProducts";

/// How a search lists.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// `PageSize`, 1..=[`SEARCH_PAGE_MAX`] (larger is capped).
    pub page_size: u8,
    /// Stop after this many products.
    pub limit: Option<usize>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            page_size: SEARCH_PAGE_MAX,
            limit: None,
        }
    }
}

/// One provisioned product as a listing shows it: `SearchProvisionedProducts` (with the owner and
/// tags) or `ScanProvisionedProducts` and `DescribeProvisionedProduct` (with the launch role).
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
    pub product_id: Option<String>,
    pub provisioning_artifact_id: Option<String>,
    /// Search only, as are the fields up to `user_arn_session`.
    pub tags: BTreeMap<String, String>,
    pub physical_id: Option<String>,
    pub product_name: Option<String>,
    pub provisioning_artifact_name: Option<String>,
    /// The owner (`OWNER`).
    pub user_arn: Option<String>,
    /// The owner as a session ARN (may carry a session id).
    pub user_arn_session: Option<String>,
    /// The launch role (`LAUNCH_ROLE`); scan and describe only.
    pub launch_role_arn: Option<String>,
}

/// A [`ProductSummary`] from an SDK shape with the getters both listings share, and `$rest`;
/// `None` for an entry without an id (nothing could address it).
macro_rules! summary {
    ($a:expr, $owned:ident, { $($rest:tt)* }) => {{
        let a = $a;
        let $owned = |s: Option<&str>| s.map(str::to_owned);
        Some(ProductSummary {
            id: a.id().filter(|id| !id.is_empty())?.to_owned(),
            name: $owned(a.name()),
            arn: $owned(a.arn()),
            product_type: $owned(a.r#type()),
            status: a.status().cloned(),
            status_message: $owned(a.status_message()),
            created_time: a.created_time().and_then(|t| t.fmt(Format::DateTime).ok()),
            idempotency_token: $owned(a.idempotency_token()),
            last_record_id: $owned(a.last_record_id()),
            last_provisioning_record_id: $owned(a.last_provisioning_record_id()),
            last_successful_provisioning_record_id: $owned(
                a.last_successful_provisioning_record_id(),
            ),
            product_id: $owned(a.product_id()),
            provisioning_artifact_id: $owned(a.provisioning_artifact_id()),
            $($rest)*
        })
    }};
}

impl ProductSummary {
    fn from_search(a: &ProvisionedProductAttribute) -> Option<Self> {
        summary!(a, owned, {
            tags: a
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
            physical_id: owned(a.physical_id()),
            product_name: owned(a.product_name()),
            provisioning_artifact_name: owned(a.provisioning_artifact_name()),
            user_arn: owned(a.user_arn()),
            user_arn_session: owned(a.user_arn_session()),
            launch_role_arn: None,
        })
    }

    pub(super) fn from_detail(d: &ProvisionedProductDetail) -> Option<Self> {
        summary!(d, owned, {
            launch_role_arn: owned(d.launch_role_arn()),
            ..ProductSummary::default()
        })
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// For a search, the products that match the filter exactly.
    pub products: Vec<ProductSummary>,
    /// `TotalResultsCount`, how many products the search matched in all (a scan has none).
    pub total_results_count: Option<usize>,
    /// `None` on the last page.
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

/// A listing in progress: `next_page()` until `None`.
#[derive(Debug)]
pub struct Pages<'a> {
    sc: &'a ServiceCatalog,
    of: Of<'a>,
    deadline: Deadline,
    cursor: Cursor,
    total: Option<usize>,
}

/// What a listing lists: a search, or a scan at an access level with pages of a size.
#[derive(Debug, Clone, Copy)]
pub(super) enum Of<'a> {
    Search(&'a SearchFilter, &'a SearchOptions),
    Scan(AccessLevel, u8),
}

impl Pages<'_> {
    /// The next page's products (not returned before), `None` when done.
    pub async fn next_page(&mut self) -> Result<Option<Vec<ProductSummary>>, ApiError> {
        if self.cursor.done {
            return Ok(None);
        }
        let token = self.cursor.token.clone();
        let page = self.sc.page(self.of, token, &self.deadline).await?;
        self.total = page.total_results_count;
        Ok(Some(self.cursor.advance(
            page.products,
            |p| p.id.as_str(),
            page.next_page_token,
        )))
    }

    /// `TotalResultsCount` of the last search page read.
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

impl ServiceCatalog {
    /// Starts a search (nothing is sent until the first `next_page`).
    pub fn search<'a>(
        &'a self,
        filter: &'a SearchFilter,
        options: &'a SearchOptions,
        cancel: &CancellationToken,
    ) -> Pages<'a> {
        self.pages(Of::Search(filter, options), options.limit, cancel)
    }

    /// Starts a scan at `access_level` with pages of `page_size` (1..=[`SCAN_PAGE_MAX`]).
    pub fn scan<'a>(
        &'a self,
        access_level: AccessLevel,
        page_size: u8,
        cancel: &CancellationToken,
    ) -> Pages<'a> {
        self.pages(Of::Scan(access_level, page_size), None, cancel)
    }

    fn pages<'a>(
        &'a self,
        of: Of<'a>,
        limit: Option<usize>,
        cancel: &CancellationToken,
    ) -> Pages<'a> {
        Pages {
            sc: self,
            of,
            deadline: Deadline::new(LIST_DEADLINE, cancel.clone()),
            cursor: Cursor::new(limit),
            total: None,
        }
    }

    /// One page of `of` from `token` (`None`: the first) within `deadline`. Sorted by creation
    /// time, which the AWS documentation recommends for a complete listing without duplicates.
    pub(super) async fn page(
        &self,
        of: Of<'_>,
        token: Option<String>,
        deadline: &Deadline,
    ) -> Result<Page, ApiError> {
        let language = self.language(None);
        let (products, total, next) = match of {
            Of::Search(filter, options) => {
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
                    .sort_by("createdTime")
                    .sort_order(SortOrder::Ascending)
                    .page_size(i32::from(options.page_size.clamp(1, SEARCH_PAGE_MAX)))
                    .set_page_token(token)
                    .set_accept_language(language);
                let out = self
                    .send(deadline, SEARCH, About::Account(""), || call.clone().send())
                    .await?;
                let products = out.provisioned_products().iter();
                let matching = products.filter_map(ProductSummary::from_search);
                let total = usize::try_from(out.total_results_count()).unwrap_or(0);
                (
                    matching.filter(|p| filter.accepts(p)).collect(),
                    Some(total),
                    next_token(out.next_page_token()),
                )
            }
            Of::Scan(level, page_size) => {
                let call = self
                    .client()
                    .scan_provisioned_products()
                    .access_level_filter(level.to_sdk())
                    .page_size(i32::from(page_size.clamp(1, SCAN_PAGE_MAX)))
                    .set_page_token(token)
                    .set_accept_language(language);
                let out = self
                    .send(deadline, SCAN, About::Account(""), || call.clone().send())
                    .await?;
                let products = out.provisioned_products().iter();
                let next = next_token(out.next_page_token());
                (
                    products.filter_map(ProductSummary::from_detail).collect(),
                    None,
                    next,
                )
            }
        };
        Ok(Page {
            products,
            total_results_count: total,
            next_page_token: next,
        })
    }
}

/// A next-page token; an empty one ends the listing, as the SDK's paginators treat it.
fn next_token(token: Option<&str>) -> Option<String> {
    token.filter(|t| !t.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(ProductSummary::from_search(&bare).is_none());
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
        let s = ProductSummary::from_search(&full).unwrap();
        assert_eq!(s.created_time.as_deref(), Some("2019-12-24T21:26:33.358Z"));
        assert_eq!(s.tags.get("k").map(String::as_str), Some("v"));
        assert_eq!(
            s.user_arn_session.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/R/s")
        );
    }
}
