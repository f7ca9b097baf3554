//! Reading a provisioned product's properties: [`ProductState`], [`ServiceCatalog::refresh`]
//! (what the resource's read uses: batched, with the read-after-write policy) and
//! [`ServiceCatalog::read_properties`] (one product, exactly).
//!
//! A read takes only what the managed keys need ([`Needs`]): the owner comes from an
//! account-level `SearchProvisionedProducts` (`UserArn`, `UserArnSession`), the launch role from
//! `DescribeProvisionedProduct` or an account-level `ScanProvisionedProducts`. Three ways:
//! - shared: from the account-level pages many reads share (module `fleet`), falling back to a
//!   read of its own when a page does not answer;
//! - one product: for the owner alone, a search for its id (one call); with the launch role,
//!   `DescribeProvisionedProduct` (and the search when the owner is needed too);
//! - exact: `DescribeProvisionedProduct` first (its status and last record are current), then
//!   the search; used to wait out a busy product and to check our own change is the last record.
//!
//! Choices where the reference is silent or unverified:
//! - Deleted vs hidden: a product is [`ApiError::NotFound`] only when `DescribeProvisionedProduct`
//!   answers not found and an account-level search does not list it. Listed, or the search
//!   refused (access denied / invalid parameters) → [`ApiError::NotVisible`]; so is a product
//!   that `DescribeProvisionedProduct` finds but the account-level search misses or is refused
//!   (its OWNER cannot be read). A product missing from the shared pages is read on its own,
//!   never taken as deleted.
//! - The owner matches when either `UserArn` or `UserArnSession` equals the expected ARN.
//! - Read-after-write: the search index may show the previous owner for a short time after a
//!   successful change. When the owner read differs from the managed one and our own successful
//!   change is the product's last record (checked exactly), refresh re-reads for up to the owner
//!   consistency bound ([`OWNER_CONSISTENCY_BOUND`](super::OWNER_CONSISTENCY_BOUND)) before
//!   reporting what is live; otherwise a different owner is drift, reported at once.

use std::time::Duration;

use aws_sdk_servicecatalog::types::ProvisionedProductStatus;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::error::{product, ApiError, ServiceFailure};
use super::query::{SearchField, SearchFilter, SearchTerm};
use super::record::RecordRef;
use super::search::{ProductSummary, SearchOptions};
use super::validate::{PropertyKey, PropertyMap};
use super::wait::Wait;

/// Upper bound on search pages read when looking for one id (each page holds up to 100 products).
const MAX_SEARCH_PAGES: usize = 100;
/// How long a read keeps retrying throttled calls.
pub(super) const READ_DEADLINE: Duration = Duration::from_secs(300);

/// Which live properties a read needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Needs {
    pub(super) owner: bool,
    pub(super) launch_role: bool,
}

impl Needs {
    /// What reading `keys` needs; no keys at all (an import) needs everything.
    pub(super) fn of(keys: impl IntoIterator<Item = PropertyKey>) -> Self {
        let mut needs = Needs {
            owner: false,
            launch_role: false,
        };
        let mut any = false;
        for key in keys {
            any = true;
            match key {
                PropertyKey::Owner => needs.owner = true,
                PropertyKey::LaunchRole => needs.launch_role = true,
            }
        }
        if any {
            needs
        } else {
            Needs::ALL
        }
    }

    pub(super) const ALL: Needs = Needs {
        owner: true,
        launch_role: true,
    };
}

/// What is live for a provisioned product.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductState {
    /// The provisioned product id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// `AVAILABLE`, `UNDER_CHANGE`, `TAINTED`, `ERROR`, `PLAN_IN_PROGRESS`.
    pub status: Option<ProvisionedProductStatus>,
    /// The status message, if any.
    pub status_message: Option<String>,
    /// `OWNER` (`UserArn` from the account-level search).
    pub owner: Option<String>,
    /// `UserArnSession` from the search (may carry a session id).
    pub owner_session: Option<String>,
    /// `LAUNCH_ROLE` (`LaunchRoleArn` from `DescribeProvisionedProduct` or the scan); also
    /// `None` when the read did not need it.
    pub launch_role: Option<String>,
    /// The last record of any kind (`LastRecordId`).
    pub last_record_id: Option<String>,
}

impl ProductState {
    fn from_summary(s: ProductSummary) -> Self {
        ProductState {
            id: s.id,
            name: s.name,
            status: s.status,
            status_message: s.status_message,
            owner: s.user_arn,
            owner_session: s.user_arn_session,
            launch_role: None,
            last_record_id: s.last_record_id,
        }
    }

    /// The live value of one property.
    pub fn get(&self, key: PropertyKey) -> Option<&str> {
        match key {
            PropertyKey::Owner => self.owner.as_deref(),
            PropertyKey::LaunchRole => self.launch_role.as_deref(),
        }
    }

    /// The live properties that have a value.
    pub fn properties(&self) -> PropertyMap {
        self.properties_for(PropertyKey::ALL)
    }

    /// The live values of just `keys` (keys without a live value are left out).
    pub fn properties_for(&self, keys: impl IntoIterator<Item = PropertyKey>) -> PropertyMap {
        keys.into_iter()
            .filter_map(|k| self.get(k).map(|v| (k, v.to_owned())))
            .collect()
    }

    /// The live values of the keys in `managed`; a live owner equal to the managed one in
    /// another spelling (the session ARN) keeps the managed spelling.
    pub fn values_of(&self, managed: &PropertyMap) -> PropertyMap {
        managed
            .iter()
            .filter_map(|(key, value)| match key {
                PropertyKey::Owner if self.owner_is(value) => Some((*key, value.clone())),
                _ => self.get(*key).map(|v| (*key, v.to_owned())),
            })
            .collect()
    }

    /// True when the owner is `arn`, comparing both `UserArn` and `UserArnSession`.
    pub fn owner_is(&self, arn: &str) -> bool {
        self.owner.as_deref() == Some(arn) || self.owner_session.as_deref() == Some(arn)
    }

    /// This state with `changes` applied (what a successful change leaves).
    pub fn with_properties(mut self, changes: &PropertyMap) -> Self {
        for (key, value) in changes {
            match key {
                PropertyKey::Owner => {
                    self.owner = Some(value.clone());
                    self.owner_session = Some(value.clone());
                }
                PropertyKey::LaunchRole => self.launch_role = Some(value.clone()),
            }
        }
        self
    }

    /// True while the product cannot take a change (`UNDER_CHANGE`, `PLAN_IN_PROGRESS`).
    pub fn is_busy(&self) -> bool {
        self.status.as_ref().is_some_and(is_busy)
    }
}

impl ServiceCatalog {
    /// Reads status, `LAUNCH_ROLE` and `OWNER` of a provisioned product, exactly (see the
    /// module docs).
    ///
    /// [`ApiError::NotFound`] only when the product is gone; a product hidden from the caller is
    /// [`ApiError::NotVisible`].
    pub async fn read_properties(&self, id: &str) -> Result<ProductState, ApiError> {
        let wait = Wait::new(READ_DEADLINE, CancellationToken::new());
        self.read_exact(id, Needs::ALL, &wait).await
    }

    /// What is live of product `id` for a resource managing `managed` (only those keys are
    /// read; none reads all), whose last change (as its state records it) is `last_change`.
    /// When the owner read differs and that change succeeded and is still the product's last
    /// record, a search that has not caught up with it is waited out for a short, bounded time
    /// (see the module docs); what is live is returned either way.
    pub async fn refresh(
        &self,
        id: &str,
        managed: &PropertyMap,
        last_change: Option<&RecordRef>,
        cancel: &CancellationToken,
    ) -> Result<ProductState, ApiError> {
        let wait = Wait::new(READ_DEADLINE, cancel.clone());
        let needs = Needs::of(managed.keys().copied());
        let live = self.read_shared(id, needs, &wait).await?;
        let (Some(owner), Some(ours)) = (
            managed.get(&PropertyKey::Owner),
            last_change.filter(|r| r.succeeded()),
        ) else {
            return Ok(live);
        };
        if live.owner_is(owner) {
            return Ok(live);
        }
        // Drift, or a search lagging behind our change: only an exact read tells.
        let live = self.read_exact(id, needs, &wait).await?;
        if live.owner_is(owner) || live.last_record_id.as_deref() != Some(ours.id.as_str()) {
            return Ok(live);
        }
        self.wait_for_owner(id, owner, needs, &wait.capped(self.owner_consistency()))
            .await
    }

    /// Reads what `needs` asks from the shared account-level pages, or on its own when they
    /// do not answer.
    pub(super) async fn read_shared(
        &self,
        id: &str,
        needs: Needs,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        if needs.launch_role {
            self.fleet().expect_scan(id);
        }
        // The search pages carry the status and the account's size even when the owner is
        // not needed.
        let Some(entry) = self.fleet().search_entry(self, id, wait).await? else {
            return self.read_one(id, needs, wait).await;
        };
        let mut state = ProductState::from_summary(entry);
        if needs.launch_role {
            match self.fleet().scan_entry(self, id, wait).await? {
                Some(scanned) => {
                    state.launch_role = scanned.launch_role_arn;
                    if scanned.status.as_ref().is_some_and(is_busy) {
                        state.status = scanned.status;
                    }
                }
                None => {
                    let described = self.describe_or_classify(id, wait).await?;
                    state.launch_role = described.launch_role;
                    state.status = described.status;
                    state.status_message = described.status_message;
                    state.last_record_id = described.last_record_id;
                }
            }
        }
        Ok(state)
    }

    /// Reads one product on its own with the fewest calls: the search for its id when only
    /// the owner is needed, else an exact read.
    pub(super) async fn read_one(
        &self,
        id: &str,
        needs: Needs,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        if needs.launch_role {
            return self.read_exact(id, needs, wait).await;
        }
        match self.search_by_id(id, wait).await? {
            Ok(Some(entry)) => Ok(ProductState::from_summary(entry)),
            // Not listed: deleted, or hidden from the search.
            Ok(None) => match self.describe(id, wait).await? {
                Ok(_) => Err(not_listed(id)),
                Err(f) if f.is("ResourceNotFoundException") => {
                    Err(ApiError::NotFound { id: id.to_owned() })
                }
                Err(f) => Err(f.into_api_error()),
            },
            Err(f) => Err(search_refused_or(id, f)),
        }
    }

    /// Reads one product exactly: `DescribeProvisionedProduct`, then the search for its id
    /// when the owner is needed.
    pub(super) async fn read_exact(
        &self,
        id: &str,
        needs: Needs,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        let mut state = self.describe_or_classify(id, wait).await?;
        if !needs.owner {
            return Ok(state);
        }
        match self.search_by_id(id, wait).await? {
            Ok(Some(entry)) => {
                state.owner = entry.user_arn;
                state.owner_session = entry.user_arn_session;
                Ok(state)
            }
            Ok(None) => Err(not_listed(id)),
            Err(f) => Err(search_refused_or(id, f)),
        }
    }

    /// Reads the product once it can take a change, starting from `first` (a read that may
    /// come from a shared page): while it is busy (`UNDER_CHANGE`, `PLAN_IN_PROGRESS`),
    /// re-reads exactly with back-off within `wait`. Diffing against this state, not one read
    /// while a change was still running, is what keeps a finished change from being sent twice.
    pub(super) async fn read_until_available(
        &self,
        first: ProductState,
        needs: Needs,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        const DURING: &str = "waiting for the provisioned product to become available";
        let mut backoff = self.backoff();
        let mut state = first;
        while state.is_busy() {
            if wait.remaining().is_zero() {
                return Err(ApiError::Busy {
                    id: state.id.clone(),
                    state: state
                        .status
                        .map_or_else(String::new, |s| s.as_str().to_owned()),
                });
            }
            tracing::debug!(
                provisioned_product_id = state.id,
                "product busy; waiting before diffing"
            );
            wait.pause(&mut backoff, DURING).await?;
            state = self.read_exact(&state.id, needs, wait).await?;
        }
        Ok(state)
    }

    /// Re-reads the product exactly until the search shows `expected_owner` or `wait` ends, and
    /// returns what is live either way (the search index may lag a successful change).
    pub(super) async fn wait_for_owner(
        &self,
        id: &str,
        expected_owner: &str,
        needs: Needs,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        let during = format!("waiting for provisioned product {id} to show its new owner");
        let mut backoff = self.backoff();
        loop {
            let state = self.read_exact(id, needs, wait).await?;
            if state.owner_is(expected_owner) || wait.remaining().is_zero() {
                return Ok(state);
            }
            wait.pause(&mut backoff, &during).await?;
        }
    }

    /// `DescribeProvisionedProduct` as a [`ProductState`] without owner; not found is
    /// classified (deleted or hidden).
    async fn describe_or_classify(&self, id: &str, wait: &Wait) -> Result<ProductState, ApiError> {
        match self.describe(id, wait).await? {
            Ok(state) => Ok(state),
            Err(f) if f.is("ResourceNotFoundException") => {
                Err(self.classify_missing(id, wait).await)
            }
            Err(f) => Err(f.into_api_error()),
        }
    }

    async fn describe(
        &self,
        id: &str,
        wait: &Wait,
    ) -> Result<Result<ProductState, ServiceFailure>, ApiError> {
        let call = self
            .client()
            .describe_provisioned_product()
            .id(id)
            .set_accept_language(self.language(None));
        let out = match self
            .send(
                wait,
                "DescribeProvisionedProduct",
                || product(id),
                || call.clone().send(),
            )
            .await?
        {
            Ok(out) => out,
            Err(f) => return Ok(Err(f)),
        };
        let Some(detail) = out.provisioned_product_detail() else {
            return Ok(Err(self.in_context(
                ServiceFailure::unusable(
                    "DescribeProvisionedProduct",
                    format!("the response for {id} has no ProvisionedProductDetail"),
                ),
                product(id),
            )));
        };
        Ok(Ok(ProductState {
            id: detail.id().unwrap_or(id).to_owned(),
            name: detail.name().map(str::to_owned),
            status: detail.status().cloned(),
            status_message: detail.status_message().map(str::to_owned),
            owner: None,
            owner_session: None,
            launch_role: detail.launch_role_arn().map(str::to_owned),
            last_record_id: detail.last_record_id().map(str::to_owned),
        }))
    }

    /// Account-level search for exactly `id`, paging as needed.
    pub(super) async fn search_by_id(
        &self,
        id: &str,
        wait: &Wait,
    ) -> Result<Result<Option<ProductSummary>, ServiceFailure>, ApiError> {
        // The query may match more than the id (prefix/free text); the page keeps exact matches.
        let filter = SearchFilter::account().and(SearchTerm::Field {
            field: SearchField::Id,
            value: id.to_owned(),
        });
        let options = SearchOptions::default();
        let mut token: Option<String> = None;
        for _ in 0..MAX_SEARCH_PAGES {
            let page = match self
                .search_page_within(&filter, &options, token.as_deref(), wait)
                .await?
            {
                Ok(page) => page,
                Err(f) => return Ok(Err(f)),
            };
            if let Some(found) = page.products.into_iter().find(|p| p.id == id) {
                return Ok(Ok(Some(found)));
            }
            match page.next_page_token {
                Some(next) if token.as_ref() != Some(&next) => token = Some(next),
                _ => return Ok(Ok(None)),
            }
        }
        Ok(Ok(None))
    }

    /// After a not-found: is the product gone, or hidden from these credentials?
    pub(super) async fn classify_missing(&self, id: &str, wait: &Wait) -> ApiError {
        match self.search_by_id(id, wait).await {
            Err(cancelled) => cancelled,
            Ok(Ok(None)) => ApiError::NotFound { id: id.to_owned() },
            Ok(Ok(Some(_))) => ApiError::NotVisible {
                id: id.to_owned(),
                reason: "DescribeProvisionedProduct answered not found, but an account-level search lists it"
                    .to_owned(),
            },
            Ok(Err(f)) if refused(&f) => ApiError::NotVisible {
                id: id.to_owned(),
                reason: format!(
                    "DescribeProvisionedProduct answered not found, and the account-level \
                     SearchProvisionedProducts that would tell deleted from hidden was refused: {}",
                    f.message
                ),
            },
            Ok(Err(f)) => f.into_api_error(),
        }
    }
}

fn is_busy(status: &ProvisionedProductStatus) -> bool {
    matches!(
        status,
        ProvisionedProductStatus::UnderChange | ProvisionedProductStatus::PlanInProgress
    )
}

/// A search refusal that means "not allowed to see", not a fault.
pub(super) fn refused(f: &ServiceFailure) -> bool {
    f.is_access_problem() || f.is("InvalidParametersException")
}

fn not_listed(id: &str) -> ApiError {
    ApiError::NotVisible {
        id: id.to_owned(),
        reason:
            "DescribeProvisionedProduct found it, but an account-level SearchProvisionedProducts \
                 did not list it, so its OWNER cannot be read"
                .to_owned(),
    }
}

fn search_refused_or(id: &str, f: ServiceFailure) -> ApiError {
    if refused(&f) {
        ApiError::NotVisible {
            id: id.to_owned(),
            reason: format!(
                "an account-level SearchProvisionedProducts, needed to read OWNER, was refused: {}",
                f.message
            ),
        }
    } else {
        f.into_api_error()
    }
}
