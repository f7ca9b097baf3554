//! Batched reads: the reads of many products in one process share sweeps of account-level search
//! pages (and scan pages, for launch roles) instead of one or two calls per product. A lookup
//! answers from a trusted page or misses, and the caller then reads that product on its own.
//! When to page, how long pages are trusted and what is never answered from one: `docs/design.md`.

use std::collections::{HashMap, HashSet};
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
    Of, Page, ProductSummary, SearchOptions, LIST_DEADLINE, SCAN_PAGE_MAX, SEARCH_PAGE_MAX,
};

/// How long a sweep's pages answer lookups.
const PAGE_TRUST: Duration = Duration::from_secs(10);
/// The distinct product whose lookup fetches the first search page.
pub const PROBE_AT: usize = 4;

/// The two account-level listings reads share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Listing {
    /// `SearchProvisionedProducts`: owner, status, last record (100 a page). It fetches its
    /// first page to learn the account's size.
    Search,
    /// `ScanProvisionedProducts`: the launch role (20 a page), once the account's size is known.
    Scan,
}

impl Listing {
    /// Pages left of a sweep, if known.
    fn pages_left(self, st: &SweepState, account_size: Option<usize>) -> Option<usize> {
        match self {
            Listing::Search => st
                .total
                .map(|total| pages_left(total, usize::from(SEARCH_PAGE_MAX), st.pages)),
            Listing::Scan => {
                account_size.map(|size| pages_left(size, usize::from(SCAN_PAGE_MAX), st.pages))
            }
        }
    }

    async fn fetch(
        self,
        sc: &ServiceCatalog,
        token: Option<String>,
        deadline: &Deadline,
    ) -> Result<Page, ApiError> {
        let (filter, options) = (SearchFilter::account(), SearchOptions::default());
        let of = match self {
            Listing::Search => Of::Search(&filter, &options),
            Listing::Scan => Of::Scan(AccessLevel::Account, SCAN_PAGE_MAX),
        };
        sc.page(of, token, deadline).await
    }
}

/// The batched-read state of one client (shared by its clones).
#[derive(Debug, Default)]
pub(super) struct Fleet {
    search: Source,
    scan: Source,
    /// Products this process changed: always read on their own.
    changed: Mutex<HashSet<String>>,
    /// `TotalResultsCount` of the latest account-level search.
    account_size: Mutex<Option<usize>>,
}

impl Fleet {
    fn source(&self, listing: Listing) -> &Source {
        match listing {
            Listing::Search => &self.search,
            Listing::Scan => &self.scan,
        }
    }

    /// Counts `id` in the demand for launch roles before its scan lookup (which waits for the
    /// search first), so that concurrent reads decide on the scan together.
    pub(super) fn expect_scan(&self, id: &str) {
        let sweep = self.scan.current();
        lock(&sweep.state).demand.insert(id.to_owned());
    }

    /// Our own change was made to `id`: pages fetched before it no longer say what is live.
    pub(super) fn forget(&self, id: &str) {
        lock(&self.changed).insert(id.to_owned());
    }

    fn account_size(&self) -> Option<usize> {
        *lock(&self.account_size)
    }

    /// The product's entry in `listing` from a trusted page, or `None` (read it alone).
    pub(super) async fn entry(
        &self,
        listing: Listing,
        sc: &ServiceCatalog,
        id: &str,
        deadline: &Deadline,
    ) -> Result<Option<ProductSummary>, ApiError> {
        let source = self.source(listing);
        let changed = lock(&self.changed).contains(id);
        loop {
            let sweep = source.current();
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
                        let left = listing.pages_left(&st, self.account_size());
                        let probes = listing == Listing::Search;
                        if !worth_fetching(st.demand.len(), st.pages, left, probes) {
                            return Ok(None);
                        }
                        st.phase = Phase::Fetching;
                        tokio::spawn(fetch_pages(sc.clone(), listing, Arc::clone(&sweep)));
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
#[derive(Debug, Default)]
struct Source {
    current: Mutex<Option<Arc<Sweep>>>,
}

impl Source {
    /// The trusted sweep, or a new one (a sweep still fetching stays current).
    fn current(&self) -> Arc<Sweep> {
        let mut current = lock(&self.current);
        if let Some(sweep) = current.as_ref() {
            let fetching = lock(&sweep.state).phase == Phase::Fetching;
            if fetching || sweep.began.elapsed() < PAGE_TRUST {
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
struct Sweep {
    began: Instant,
    state: Mutex<SweepState>,
    /// Signalled after every page and when the sweep stops.
    progress: watch::Sender<()>,
}

#[derive(Debug, Default)]
struct SweepState {
    /// Distinct products looked up while this sweep is trusted.
    demand: HashSet<String>,
    entries: HashMap<String, ProductSummary>,
    pages: usize,
    /// `TotalResultsCount` (search only).
    total: Option<usize>,
    next: Option<String>,
    phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    /// Not fetching: not started, or stopped by the rule.
    #[default]
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

/// Fetches pages of `sweep` while the rule says so; runs on its own task, so a lookup that is
/// cancelled never leaves the others without pages.
async fn fetch_pages(sc: ServiceCatalog, listing: Listing, sweep: Arc<Sweep>) {
    let deadline = Deadline::new(LIST_DEADLINE, CancellationToken::new());
    let fleet = sc.fleet();
    loop {
        let token = lock(&sweep.state).next.clone();
        let page = listing.fetch(&sc, token.clone(), &deadline).await;
        let phase = {
            let mut st = lock(&sweep.state);
            st.phase = match page {
                Ok(page) => {
                    st.pages += 1;
                    if let (Some(total), 1) = (page.total_results_count, st.pages) {
                        st.total = Some(total);
                        *lock(&fleet.account_size) = Some(total);
                    }
                    for item in page.products {
                        st.entries.insert(item.id.clone(), item);
                    }
                    let repeated = page.next_page_token.is_some() && page.next_page_token == token;
                    st.next = page.next_page_token;
                    let left = listing.pages_left(&st, fleet.account_size());
                    let probes = listing == Listing::Search;
                    if st.next.is_none() || repeated {
                        Phase::Complete
                    } else if worth_fetching(st.demand.len(), st.pages, left, probes) {
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
