//! [`ServiceCatalog::hand_over`]: one property change across a fleet, the engine of the
//! hand-over action. It resolves the products (ids, or a filter), reads what is live of them
//! once, skips those already at the values, and changes the rest through the one change path at
//! the pace the account allows, every record waited for by the shared poller. Once `stop` is
//! cancelled nothing more is sent; changes already sent are waited for until `grace` has passed.
//! Invoking it again finishes the rest: a product whose change landed is already set then.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use tokio_util::sync::CancellationToken;

use super::change::Change;
use super::client::ServiceCatalog;
use super::deadline::Deadline;
use super::error::ApiError;
use super::input::AcceptLanguage;
use super::properties::{changed_properties, PropertyMap};
use super::query::SearchFilter;
use super::read::{Needs, ProductState, READ_DEADLINE};
use super::record::RecordRef;
use super::search::SearchOptions;

/// Reads in flight while resolving products by id (the shared pages serve most of them).
const READS_AT_ONCE: usize = 64;
/// Changes in flight at once; sends among them are limited by the client's pace.
const CHANGES_AT_ONCE: usize = 1_000;

/// Which products a hand-over changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// These ids (duplicates count once).
    Ids(Vec<String>),
    /// Every product the filter matches.
    Filter(SearchFilter),
}

/// A hand-over: `desired` on every selected product.
#[derive(Debug, Clone, PartialEq)]
pub struct HandOver {
    pub products: Selection,
    pub desired: PropertyMap,
    pub accept_language: Option<AcceptLanguage>,
    /// How long each product's change may take.
    pub timeout: Duration,
    /// How long changes already sent are waited for after a stop.
    pub grace: Duration,
}

/// What a hand-over has done so far, as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The products are resolved and read: `found` of them, `already_set` at the values.
    Resolved { found: usize, already_set: usize },
    /// One more product is done: `changed` and `failed` so far, of `to_change`.
    Done {
        changed: usize,
        failed: usize,
        to_change: usize,
    },
}

/// What a hand-over did, product by product (ids in the order they were resolved).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HandOverReport {
    /// Products found (after duplicates).
    pub found: usize,
    pub already_set: Vec<String>,
    /// Changed, each with its `SUCCEEDED` record.
    pub changed: Vec<(String, RecordRef)>,
    /// Could not be read or changed (a `FAILED` record, refused, timed out, ...).
    pub failed: Vec<(String, ApiError)>,
    /// Sent, but still running when the wait for it was given up after a stop.
    pub unfinished: Vec<(String, RecordRef)>,
    /// Not sent, because of a stop.
    pub not_started: Vec<String>,
}

impl HandOverReport {
    /// True when every product found has the values.
    pub fn complete(&self) -> bool {
        self.failed.is_empty() && self.unfinished.is_empty() && self.not_started.is_empty()
    }
}

/// How one product ended.
enum Ended {
    AlreadySet,
    Changed(RecordRef),
    Failed(ApiError),
    Unfinished(RecordRef),
    NotStarted,
}

impl ServiceCatalog {
    /// Makes `h` (see the module docs), telling `progress` as it goes. The error is a failure
    /// to list the products of a filter; a product that cannot be read or changed is in the
    /// report.
    pub async fn hand_over(
        &self,
        h: &HandOver,
        stop: &CancellationToken,
        mut progress: impl FnMut(Progress),
    ) -> Result<HandOverReport, ApiError> {
        let keys = h.desired.keys().copied();
        let needs = Needs::of(keys.clone());
        let (states, unread) = self.resolve(&h.products, needs, stop).await?;
        let mut report = HandOverReport {
            found: states.len() + unread.len(),
            failed: unread,
            ..HandOverReport::default()
        };
        let (set, to_change): (Vec<ProductState>, Vec<ProductState>) =
            states.into_iter().partition(|s| {
                changed_properties(&s.properties_for(keys.clone()), &h.desired).is_empty()
            });
        report.already_set = set.into_iter().map(|s| s.id).collect();
        progress(Progress::Resolved {
            found: report.found,
            already_set: report.already_set.len(),
        });

        // Changes already sent are waited for until the grace after a stop has passed.
        let waiting = CancellationToken::new();
        let grace = tokio::spawn({
            let (stop, waiting, bound) = (stop.clone(), waiting.clone(), h.grace);
            async move {
                stop.cancelled().await;
                tokio::time::sleep(bound).await;
                waiting.cancel();
            }
        });
        let total = to_change.len();
        let (mut changed, mut failed) = (0, report.failed.len());
        let mut ended = stream::iter(to_change)
            .map(|state| {
                let waiting = &waiting;
                async move {
                    let id = state.id.clone();
                    let ended = self.change_one(h, state, stop, waiting).await;
                    (id, ended)
                }
            })
            .buffer_unordered(CHANGES_AT_ONCE);
        while let Some((id, ended)) = ended.next().await {
            match ended {
                Ended::AlreadySet => report.already_set.push(id),
                Ended::Changed(record) => {
                    changed += 1;
                    report.changed.push((id, record));
                }
                Ended::Failed(e) => {
                    failed += 1;
                    report.failed.push((id, e));
                }
                Ended::Unfinished(record) => report.unfinished.push((id, record)),
                Ended::NotStarted => report.not_started.push(id),
            }
            progress(Progress::Done {
                changed,
                failed,
                to_change: total,
            });
        }
        grace.abort();
        Ok(report)
    }

    /// The selected products as read now, and those that could not be read.
    async fn resolve(
        &self,
        products: &Selection,
        needs: Needs,
        stop: &CancellationToken,
    ) -> Result<(Vec<ProductState>, Vec<(String, ApiError)>), ApiError> {
        match products {
            Selection::Filter(filter) => {
                let options = SearchOptions::default();
                let mut pages = self.search(filter, &options, stop);
                let mut found = Vec::new();
                while let Some(page) = pages.next_page().await? {
                    found.extend(page);
                }
                let mut states: Vec<ProductState> =
                    found.into_iter().map(ProductState::from_summary).collect();
                if needs.launch_role && !states.is_empty() {
                    let visible = filter
                        .terms
                        .is_empty()
                        .then(|| pages.total_results_count())
                        .flatten();
                    let mut roles = self.launch_roles(filter.access_level, stop);
                    roles.plan(states.len(), visible).await?;
                    let ids: Vec<&str> = states.iter().map(|s| s.id.as_str()).collect();
                    let found = roles.read(&ids).await?;
                    // A product gone since it was listed has no launch role entry: left out.
                    states.retain_mut(|s| match found.get(&s.id) {
                        Some(role) => {
                            s.launch_role.clone_from(role);
                            true
                        }
                        None => false,
                    });
                }
                Ok((states, Vec::new()))
            }
            Selection::Ids(ids) => {
                let mut seen = BTreeSet::new();
                let unique: Vec<String> =
                    ids.iter().filter(|id| seen.insert(*id)).cloned().collect();
                let deadline = Deadline::new(READ_DEADLINE, stop.clone());
                // Owned ids: a closure over borrowed ones makes the future not `Send` in general.
                let reads: Vec<(String, Result<ProductState, ApiError>)> = stream::iter(unique)
                    .map(|id: String| {
                        let deadline = &deadline;
                        async move {
                            let read = self.read_shared(&id, needs, deadline).await;
                            (id, read)
                        }
                    })
                    .buffered(READS_AT_ONCE)
                    .collect()
                    .await;
                let (mut states, mut unread) = (Vec::new(), Vec::new());
                for (id, read) in reads {
                    match read {
                        Ok(state) => states.push(state),
                        Err(e) => unread.push((id, e)),
                    }
                }
                Ok((states, unread))
            }
        }
    }

    async fn change_one(
        &self,
        h: &HandOver,
        state: ProductState,
        stop: &CancellationToken,
        waiting: &CancellationToken,
    ) -> Ended {
        let change = Change {
            id: state.id.clone(),
            desired: h.desired.clone(),
            idempotency_token: uuid::Uuid::new_v4().to_string(),
            accept_language: h.accept_language,
            timeout: h.timeout,
        };
        let sending = Deadline::new(h.timeout, stop.clone());
        let waits = Deadline::new(h.timeout, waiting.clone());
        let outcome = self.change_from(&change, state, &sending, &waits).await;
        match (outcome.error, outcome.record) {
            (None, Some(record)) => Ended::Changed(record),
            (None, None) => Ended::AlreadySet,
            (Some(ApiError::Cancelled { .. }), None) => Ended::NotStarted,
            (Some(ApiError::Cancelled { .. }), Some(record)) => Ended::Unfinished(record),
            (Some(e), _) => Ended::Failed(e),
        }
    }
}
