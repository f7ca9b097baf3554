//! Batched reads: the reads of many products in one process share sweeps of account-level search
//! pages (and scan pages, for launch roles) instead of one or two calls per product. A lookup
//! answers from a trusted page or misses, and the caller then reads that product on its own.
//! When to page, how long pages are trusted and what is never answered from one: `docs/design.md`.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::deadline::Deadline;
use super::error::ApiError;
use super::query::{AccessLevel, SearchFilter};
use super::search::{
    ProductSummary, ScannedProduct, SearchOptions, SCAN_PAGE_MAX, SEARCH_PAGE_MAX,
};

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

    /// The product's entry (a [`ProductSummary`] from the search, a [`ScannedProduct`] with its
    /// launch role from the scan) from a trusted page, or `None` (read it alone).
    pub(super) async fn entry<T: Listing>(
        &self,
        sc: &ServiceCatalog,
        id: &str,
        deadline: &Deadline,
    ) -> Result<Option<T>, ApiError> {
        let source = T::source(self);
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
            let _ = deadline.guard(during, progress.changed()).await?;
        }
    }
}

/// One listing's current sweep.
#[derive(Debug)]
pub(super) struct Source<T> {
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
pub(super) struct SweepState<T> {
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
pub(super) struct Page<T> {
    items: Vec<T>,
    total: Option<usize>,
    next: Option<String>,
}

type Fetched<T> = Result<Page<T>, ApiError>;

/// An account-level listing a sweep pages through.
pub(super) trait Listing: Clone + Send + Sync + 'static {
    /// Whether the first page is fetched to learn the account's size.
    const PROBES: bool;
    fn id(&self) -> &str;
    /// Pages left, if known.
    fn pages_left(st: &SweepState<Self>, account_size: Option<usize>) -> Option<usize>;
    fn fetch(
        sc: &ServiceCatalog,
        token: Option<String>,
        deadline: &Deadline,
    ) -> impl Future<Output = Fetched<Self>> + Send;
    /// What a first page says of the account's size.
    fn learned(fleet: &Fleet, total: usize);
    /// This listing's pages in `fleet`.
    fn source(fleet: &Fleet) -> &Source<Self>;
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
        deadline: &Deadline,
    ) -> Fetched<Self> {
        let page = sc
            .search_page_within(
                &SearchFilter::account(),
                &SearchOptions::default(),
                token.as_deref(),
                deadline,
            )
            .await?;
        Ok(Page {
            items: page.products,
            total: Some(page.total_results_count),
            next: page.next_page_token,
        })
    }

    fn learned(fleet: &Fleet, total: usize) {
        *lock(&fleet.account_size) = Some(total);
    }

    fn source(fleet: &Fleet) -> &Source<Self> {
        &fleet.search
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
        deadline: &Deadline,
    ) -> Fetched<Self> {
        let page = sc
            .scan_page_within(
                AccessLevel::Account,
                SCAN_PAGE_MAX,
                token.as_deref(),
                deadline,
            )
            .await?;
        Ok(Page {
            items: page.products,
            total: None,
            next: page.next_page_token,
        })
    }

    fn learned(_: &Fleet, _: usize) {}

    fn source(fleet: &Fleet) -> &Source<Self> {
        &fleet.scan
    }
}

/// Fetches pages of `sweep` while the rule says so; runs on its own task, so a lookup that is
/// cancelled never leaves the others without pages.
async fn fetch_pages<T: Listing>(sc: ServiceCatalog, sweep: Arc<Sweep<T>>) {
    let deadline = Deadline::new(PAGE_DEADLINE, CancellationToken::new());
    loop {
        let token = lock(&sweep.state).next.clone();
        let page = T::fetch(&sc, token.clone(), &deadline).await;
        let phase = {
            let mut st = lock(&sweep.state);
            st.phase = match page {
                Ok(page) => {
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
                Err(e) => {
                    tracing::debug!(error = %e, "account-level listing failed; reading products one by one");
                    Phase::Failed
                }
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
