//! Batched reads: the reads of many products in one provider process share account-level
//! listing pages instead of one or two calls per product.
//!
//! Two listings, each a [`Source`]: account-level `SearchProvisionedProducts` (100 a page; owner
//! as `UserArn`/`UserArnSession`, status, last record id) and, only for reads that manage
//! `LAUNCH_ROLE`, account-level `ScanProvisionedProducts` (20 a page; `LaunchRoleArn`). A lookup
//! answers the product's entry from a page, or a miss, after which the caller reads that one
//! product on its own (module `read`), exactly as without batching.
//!
//! The rules:
//! - **A sweep** is one pass through a listing, sorted by creation time (complete and free of
//!   duplicates while products come and go). Pages are fetched one after the other by one task;
//!   every concurrent lookup waits on the same pages, so one page fetch serves all waiters.
//! - **Trust**: a sweep answers lookups for [`PAGE_TRUST`] after it began (a refresh burst: the
//!   reads of one plan, or the "before" reads of one apply); after that the next lookup starts a
//!   new one. A product this process changed is never answered from a page again (its own read
//!   is exact and sees our change), and neither is one missing from the pages: a product deleted
//!   or created while paging, or hidden, gets the per-product read and its classification
//!   (deleted only when `DescribeProvisionedProduct` says not found and the search does not list it).
//! - **When to page** (so a few products in a large account never page through it): a sweep
//!   counts the distinct products looked up while it is trusted (its demand). The first
//!   [`PROBE_AT`]−1 of them are read on their own; the next one fetches the first search page,
//!   whose `TotalResultsCount` gives the account's size. Another page is fetched only while the
//!   demand is at least the number of pages left: paging never costs more than reading the
//!   products one by one would have (ski rental), and a fleet that is most of the account is
//!   read in `size / 100` calls. The scan starts only when the account's size is known from the
//!   search and the demand for launch roles covers every scan page left.
//! - A listing that fails (refused, throttled past its deadline, unreachable) ends the sweep:
//!   lookups miss, and the per-product read reports the error it meets, if any.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::error::{ApiError, ServiceFailure};
use super::query::{AccessLevel, SearchFilter};
use super::search::{
    ProductSummary, ScannedProduct, SearchOptions, SCAN_PAGE_MAX, SEARCH_PAGE_MAX,
};
use super::wait::Wait;

/// How long a sweep's pages answer lookups.
pub const PAGE_TRUST: Duration = Duration::from_secs(10);
/// The distinct product whose lookup fetches the first search page.
pub const PROBE_AT: usize = 4;
/// How long a sweep keeps retrying a throttled page.
const PAGE_DEADLINE: Duration = Duration::from_secs(300);

/// The batched-read state of one client (shared by its clones).
#[derive(Debug)]
pub(super) struct Fleet {
    search: Source<ProductSummary>,
    scan: Source<ScannedProduct>,
    /// Products this process changed: always read on their own.
    changed: Mutex<HashSet<String>>,
    /// `TotalResultsCount` of the latest account-level search.
    account_size: Mutex<Option<usize>>,
    trust: Duration,
}

impl Fleet {
    pub(super) fn new(trust: Duration) -> Self {
        Fleet {
            search: Source::default(),
            scan: Source::default(),
            changed: Mutex::default(),
            account_size: Mutex::default(),
            trust,
        }
    }

    /// The product's account-level search entry from a trusted page, or `None` (read it alone).
    pub(super) async fn search_entry(
        &self,
        sc: &ServiceCatalog,
        id: &str,
        wait: &Wait,
    ) -> Result<Option<ProductSummary>, ApiError> {
        self.lookup(&self.search, sc, id, wait).await
    }

    /// The product's account-level scan entry (its launch role) from a trusted page, or `None`.
    pub(super) async fn scan_entry(
        &self,
        sc: &ServiceCatalog,
        id: &str,
        wait: &Wait,
    ) -> Result<Option<ScannedProduct>, ApiError> {
        self.lookup(&self.scan, sc, id, wait).await
    }

    /// Counts `id` in the demand for launch roles before its scan lookup (which waits for the
    /// search first), so that concurrent reads decide on the scan together.
    pub(super) fn expect_scan(&self, id: &str) {
        let sweep = self.scan.current(self.trust);
        lock(&sweep.state).demand.insert(id.to_owned());
    }

    /// Our own change was made to `id`: pages fetched before it no longer say what is live.
    pub(super) fn forget(&self, id: &str) {
        lock(&self.changed).insert(id.to_owned());
    }

    fn account_size(&self) -> Option<usize> {
        *lock(&self.account_size)
    }

    async fn lookup<T: Listing>(
        &self,
        source: &Source<T>,
        sc: &ServiceCatalog,
        id: &str,
        wait: &Wait,
    ) -> Result<Option<T>, ApiError> {
        let changed = lock(&self.changed).contains(id);
        loop {
            let sweep = source.current(self.trust);
            let mut progress = {
                let mut st = lock(&sweep.state);
                st.demand.insert(id.to_owned());
                if changed {
                    return Ok(None);
                }
                if let Some(entry) = st.entries.get(id) {
                    return Ok(Some(entry.clone()));
                }
                match st.phase {
                    Phase::Fetching => {}
                    Phase::Complete | Phase::Failed => return Ok(None),
                    Phase::Idle => {
                        let left = T::pages_left(&st, self.account_size());
                        if !worth_fetching(st.demand.len(), st.pages, left, T::PROBES) {
                            return Ok(None);
                        }
                        st.phase = Phase::Fetching;
                        tokio::spawn(fetch_pages(sc.clone(), Arc::clone(&sweep)));
                    }
                }
                sweep.progress.subscribe()
            };
            let during = "waiting for an account-level listing page";
            // The sender lives as long as `sweep`, so this only ends with news (or cancellation).
            let _ = wait.guard(during, progress.changed()).await?;
        }
    }
}

/// One listing's current sweep.
#[derive(Debug)]
struct Source<T> {
    current: Mutex<Option<Arc<Sweep<T>>>>,
}

impl<T> Default for Source<T> {
    fn default() -> Self {
        Source {
            current: Mutex::new(None),
        }
    }
}

impl<T> Source<T> {
    /// The trusted sweep, or a new one (a sweep still fetching stays current).
    fn current(&self, trust: Duration) -> Arc<Sweep<T>> {
        let mut current = lock(&self.current);
        if let Some(sweep) = current.as_ref() {
            let fetching = lock(&sweep.state).phase == Phase::Fetching;
            if fetching || sweep.began.elapsed() < trust {
                return Arc::clone(sweep);
            }
        }
        let sweep = Arc::new(Sweep {
            began: Instant::now(),
            state: Mutex::new(SweepState::default()),
            progress: watch::channel(()).0,
        });
        *current = Some(Arc::clone(&sweep));
        sweep
    }
}

/// One pass through a listing.
#[derive(Debug)]
struct Sweep<T> {
    began: Instant,
    state: Mutex<SweepState<T>>,
    /// Signalled after every page and when the sweep stops.
    progress: watch::Sender<()>,
}

#[derive(Debug)]
struct SweepState<T> {
    /// Distinct products looked up while this sweep is trusted.
    demand: HashSet<String>,
    entries: HashMap<String, T>,
    pages: usize,
    /// `TotalResultsCount` (search only).
    total: Option<usize>,
    next: Option<String>,
    phase: Phase,
}

impl<T> Default for SweepState<T> {
    fn default() -> Self {
        SweepState {
            demand: HashSet::new(),
            entries: HashMap::new(),
            pages: 0,
            total: None,
            next: None,
            phase: Phase::Idle,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not fetching: not started, or stopped by the rule.
    Idle,
    Fetching,
    /// The last page was read.
    Complete,
    /// A page could not be read.
    Failed,
}

/// Whether to fetch the next page: a listing that `probes` fetches its first page once
/// [`PROBE_AT`] products are in demand (it learns the account's size from it); after that, or
/// with a known size, only while the demand covers the pages left.
fn worth_fetching(demand: usize, fetched: usize, left: Option<usize>, probes: bool) -> bool {
    match left {
        None => probes && fetched == 0 && demand >= PROBE_AT,
        Some(0) => false,
        Some(left) => demand >= left,
    }
}

/// Pages left of a listing of `total` products at `per_page`, `fetched` pages in.
fn pages_left(total: usize, per_page: usize, fetched: usize) -> usize {
    total.div_ceil(per_page).saturating_sub(fetched)
}

/// One page of a listing, as a sweep keeps it.
struct Page<T> {
    items: Vec<T>,
    total: Option<usize>,
    next: Option<String>,
}

/// An account-level listing a sweep pages through.
trait Listing: Clone + Send + Sync + 'static {
    /// Whether the first page is fetched to learn the account's size.
    const PROBES: bool;
    fn id(&self) -> &str;
    /// Pages left, if known.
    fn pages_left(st: &SweepState<Self>, account_size: Option<usize>) -> Option<usize>;
    fn fetch(
        sc: &ServiceCatalog,
        token: Option<String>,
        wait: &Wait,
    ) -> impl Future<Output = Result<Result<Page<Self>, ServiceFailure>, ApiError>> + Send;
    /// What a first page says of the account's size.
    fn learned(fleet: &Fleet, total: usize);
}

impl Listing for ProductSummary {
    const PROBES: bool = true;

    fn id(&self) -> &str {
        &self.id
    }

    fn pages_left(st: &SweepState<Self>, _: Option<usize>) -> Option<usize> {
        st.total
            .map(|total| pages_left(total, usize::from(SEARCH_PAGE_MAX), st.pages))
    }

    async fn fetch(
        sc: &ServiceCatalog,
        token: Option<String>,
        wait: &Wait,
    ) -> Result<Result<Page<Self>, ServiceFailure>, ApiError> {
        let page = sc
            .search_page_within(
                &SearchFilter::account(),
                &SearchOptions::default(),
                token.as_deref(),
                wait,
            )
            .await?;
        Ok(page.map(|p| Page {
            items: p.products,
            total: Some(p.total_results_count),
            next: p.next_page_token,
        }))
    }

    fn learned(fleet: &Fleet, total: usize) {
        *lock(&fleet.account_size) = Some(total);
    }
}

impl Listing for ScannedProduct {
    const PROBES: bool = false;

    fn id(&self) -> &str {
        &self.id
    }

    fn pages_left(st: &SweepState<Self>, account_size: Option<usize>) -> Option<usize> {
        account_size.map(|size| pages_left(size, usize::from(SCAN_PAGE_MAX), st.pages))
    }

    async fn fetch(
        sc: &ServiceCatalog,
        token: Option<String>,
        wait: &Wait,
    ) -> Result<Result<Page<Self>, ServiceFailure>, ApiError> {
        let page = sc
            .scan_page_within(AccessLevel::Account, SCAN_PAGE_MAX, token.as_deref(), wait)
            .await?;
        Ok(page.map(|p| Page {
            items: p.products,
            total: None,
            next: p.next_page_token,
        }))
    }

    fn learned(_: &Fleet, _: usize) {}
}

/// Fetches pages of `sweep` while the rule says so; runs on its own task, so a lookup that is
/// cancelled never leaves the others without pages.
async fn fetch_pages<T: Listing>(sc: ServiceCatalog, sweep: Arc<Sweep<T>>) {
    let wait = Wait::new(PAGE_DEADLINE, CancellationToken::new());
    loop {
        let token = lock(&sweep.state).next.clone();
        let page = T::fetch(&sc, token.clone(), &wait).await;
        let phase = {
            let mut st = lock(&sweep.state);
            st.phase = match page {
                Ok(Ok(page)) => {
                    st.pages += 1;
                    if let (Some(total), 1) = (page.total, st.pages) {
                        st.total = Some(total);
                        T::learned(sc.fleet(), total);
                    }
                    for item in page.items {
                        st.entries.insert(item.id().to_owned(), item);
                    }
                    let repeated = page.next.is_some() && page.next == token;
                    st.next = page.next;
                    let left = T::pages_left(&st, sc.fleet().account_size());
                    if st.next.is_none() || repeated {
                        Phase::Complete
                    } else if worth_fetching(st.demand.len(), st.pages, left, T::PROBES) {
                        Phase::Fetching
                    } else {
                        Phase::Idle
                    }
                }
                Ok(Err(failure)) => {
                    tracing::debug!(operation = failure.operation, error = %failure.message, "account-level listing failed; reading products one by one");
                    Phase::Failed
                }
                Err(_) => Phase::Failed,
            };
            st.phase
        };
        sweep.progress.send_replace(());
        if phase != Phase::Fetching {
            return;
        }
    }
}

/// Locks `m`; a panic while it was held cannot leave these maps half-updated in a way that
/// matters (the worst is a lookup that misses), so a poisoned lock is used as it is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_products_are_read_alone_and_the_first_page_comes_at_the_probe() {
        for demand in 0..PROBE_AT {
            assert!(!worth_fetching(demand, 0, None, true), "{demand}");
        }
        assert!(worth_fetching(PROBE_AT, 0, None, true));
        // A listing that does not probe waits for the account's size.
        assert!(!worth_fetching(1000, 0, None, false));
    }

    #[test]
    fn pages_are_fetched_only_while_the_demand_covers_the_pages_left() {
        // 500 products, a plan of 500: after the first page, 4 left; 10 reads in flight.
        let left = pages_left(500, 100, 1);
        assert_eq!(left, 4);
        assert!(worth_fetching(10, 1, Some(left), true));
        // 5 products in an account of 2,000: 19 pages left, never worth it.
        let left = pages_left(2000, 100, 1);
        assert_eq!(left, 19);
        assert!(!worth_fetching(5, 1, Some(left), true));
        // ... until as many products are read as pages are left.
        assert!(worth_fetching(19, 1, Some(left), true));
        // A scan of 500 launch roles: 25 pages of 20.
        assert_eq!(pages_left(500, 20, 0), 25);
        assert!(!worth_fetching(24, 0, Some(25), false));
        assert!(worth_fetching(25, 0, Some(25), false));
        // Nothing left: the sweep is complete.
        assert!(!worth_fetching(1000, 5, Some(0), true));
        assert_eq!(pages_left(100, 100, 1), 0);
        assert_eq!(pages_left(101, 100, 1), 1);
    }

    #[test]
    fn paging_never_costs_more_than_reading_one_by_one() {
        // Whatever the account's size and the demand, the pages a sweep fetches (after the
        // probe) never exceed the demand that justified them.
        for total in [1usize, 99, 100, 101, 450, 2000, 10_000] {
            for demand in [1usize, 3, 4, 5, 10, 20, 100, 500] {
                let mut fetched = 1;
                while worth_fetching(demand, fetched, Some(pages_left(total, 100, fetched)), true) {
                    fetched += 1;
                }
                assert!(
                    fetched - 1 <= demand,
                    "{total} products, {demand} reads: {fetched} pages"
                );
                if demand >= total.div_ceil(100) {
                    assert_eq!(fetched, total.div_ceil(100), "{total}/{demand}: complete");
                }
            }
        }
    }
}
