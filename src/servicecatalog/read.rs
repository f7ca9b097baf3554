//! Reading a provisioned product's properties: [`ProductState`] and [`ServiceCatalog::refresh`]
//! (batched across a fleet, with the read-after-write policy for our own owner changes). A read
//! takes only what the managed keys need ([`Needs`]): the owner from an account-level search,
//! the launch role from `DescribeProvisionedProduct` or an account-level scan. A product is
//! [`ApiError::NotFound`] only when `DescribeProvisionedProduct` says not found and the search
//! does not list it; hidden or unlisted is [`ApiError::NotVisible`] (see `docs/design.md`).

use std::time::Duration;

use aws_sdk_servicecatalog::types::ProvisionedProductStatus;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::deadline::Deadline;
use super::error::{About, ApiError};
use super::fleet::Listing;
use super::properties::{PropertyKey, PropertyMap};
use super::query::{SearchField, SearchFilter, SearchTerm};
use super::record::RecordRef;
use super::search::{Of, ProductSummary, SearchOptions};

/// Upper bound on search pages read when looking for one id (each page holds up to 100 products).
const MAX_SEARCH_PAGES: usize = 100;
/// How long a read keeps resending throttled calls.
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
    pub(super) fn from_summary(s: ProductSummary) -> Self {
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

    /// True while the product cannot take a change (`UNDER_CHANGE`, `PLAN_IN_PROGRESS`).
    pub fn is_busy(&self) -> bool {
        self.status.as_ref().is_some_and(is_busy)
    }
}

impl ServiceCatalog {
    /// Reads status, `LAUNCH_ROLE` and `OWNER` of a provisioned product, exactly.
    pub async fn read_properties(&self, id: &str) -> Result<ProductState, ApiError> {
        let deadline = Deadline::new(READ_DEADLINE, CancellationToken::new());
        self.read_exact(id, Needs::ALL, &deadline).await
    }

    /// What is live of product `id` for a resource managing `managed` (only those keys are
    /// read; none reads all), whose last change (as its state records it) is `last_change`.
    /// When the owner read differs, that change succeeded and it is still the product's last
    /// record, a search that has not caught up with it is waited out for a bounded time.
    pub async fn refresh(
        &self,
        id: &str,
        managed: &PropertyMap,
        last_change: Option<&RecordRef>,
        cancel: &CancellationToken,
    ) -> Result<ProductState, ApiError> {
        let deadline = Deadline::new(READ_DEADLINE, cancel.clone());
        let needs = Needs::of(managed.keys().copied());
        let live = self.read_shared(id, needs, &deadline).await?;
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
        let live = self.read_exact(id, needs, &deadline).await?;
        if live.owner_is(owner) || live.last_record_id.as_deref() != Some(ours.id.as_str()) {
            return Ok(live);
        }
        let bound = deadline.capped(self.owner_consistency());
        self.wait_for_owner(id, owner, needs, &bound).await
    }

    /// Reads what `needs` asks from the shared account-level pages, or on its own when they
    /// do not answer.
    pub(super) async fn read_shared(
        &self,
        id: &str,
        needs: Needs,
        deadline: &Deadline,
    ) -> Result<ProductState, ApiError> {
        if needs.launch_role {
            self.fleet().expect_scan(id);
        }
        // The search pages carry the status and the account's size even when the owner is
        // not needed.
        let Some(entry) = self
            .fleet()
            .entry(Listing::Search, self, id, deadline)
            .await?
        else {
            return if needs.launch_role {
                self.read_exact(id, needs, deadline).await
            } else {
                self.read_listed(id, deadline).await
            };
        };
        let mut state = ProductState::from_summary(entry);
        if needs.launch_role {
            match self
                .fleet()
                .entry(Listing::Scan, self, id, deadline)
                .await?
            {
                Some(scanned) => {
                    state.launch_role = scanned.launch_role_arn;
                    if scanned.status.as_ref().is_some_and(is_busy) {
                        state.status = scanned.status;
                    }
                }
                None => {
                    let described = self.describe_or_classify(id, deadline).await?;
                    state.launch_role = described.launch_role;
                    state.status = described.status;
                    state.status_message = described.status_message;
                    state.last_record_id = described.last_record_id;
                }
            }
        }
        Ok(state)
    }

    /// Reads one product as the account-level search for its id lists it (all but its launch
    /// role).
    async fn read_listed(&self, id: &str, deadline: &Deadline) -> Result<ProductState, ApiError> {
        match self.search_by_id(id, deadline).await {
            Ok(Some(entry)) => Ok(ProductState::from_summary(entry)),
            // Not listed: deleted (not found stays not found), or hidden from the search.
            Ok(None) => self.describe(id, deadline).await.and(Err(not_listed(id))),
            Err(e) => Err(search_refused_or(id, e)),
        }
    }

    /// Reads one product exactly: `DescribeProvisionedProduct`, then the search for its id
    /// when the owner is needed.
    pub(super) async fn read_exact(
        &self,
        id: &str,
        needs: Needs,
        deadline: &Deadline,
    ) -> Result<ProductState, ApiError> {
        let mut state = self.describe_or_classify(id, deadline).await?;
        if !needs.owner {
            return Ok(state);
        }
        match self.search_by_id(id, deadline).await {
            Ok(Some(entry)) => {
                state.owner = entry.user_arn;
                state.owner_session = entry.user_arn_session;
                Ok(state)
            }
            Ok(None) => Err(not_listed(id)),
            Err(e) => Err(search_refused_or(id, e)),
        }
    }

    /// Re-reads the product exactly until the search shows `expected_owner` or `deadline`
    /// passes, and returns what is live either way.
    async fn wait_for_owner(
        &self,
        id: &str,
        expected_owner: &str,
        needs: Needs,
        deadline: &Deadline,
    ) -> Result<ProductState, ApiError> {
        let during = format!("waiting for provisioned product {id} to show its new owner");
        let mut backoff = self.backoff();
        loop {
            let state = self.read_exact(id, needs, deadline).await?;
            if state.owner_is(expected_owner) || deadline.remaining().is_zero() {
                return Ok(state);
            }
            deadline.pause(&mut backoff, &during).await?;
        }
    }

    /// `DescribeProvisionedProduct` without the owner; not found is classified (deleted or
    /// hidden).
    async fn describe_or_classify(
        &self,
        id: &str,
        deadline: &Deadline,
    ) -> Result<ProductState, ApiError> {
        match self.describe(id, deadline).await {
            Err(ApiError::NotFound { .. }) => Err(self.classify_missing(id, deadline).await),
            other => other,
        }
    }

    /// One `DescribeProvisionedProduct` of `id` as a [`ProductState`] without the owner.
    async fn describe(&self, id: &str, deadline: &Deadline) -> Result<ProductState, ApiError> {
        let out = self.describe_by_id(id, deadline).await?;
        let detail = out
            .provisioned_product_detail()
            .ok_or_else(|| ApiError::Unusable {
                operation: "DescribeProvisionedProduct",
                message: format!("the response for {id} has no ProvisionedProductDetail"),
            })?;
        Ok(ProductState {
            id: detail.id().unwrap_or(id).to_owned(),
            name: detail.name().map(str::to_owned),
            status: detail.status().cloned(),
            status_message: detail.status_message().map(str::to_owned),
            owner: None,
            owner_session: None,
            launch_role: detail.launch_role_arn().map(str::to_owned),
            last_record_id: detail.last_record_id().map(str::to_owned),
        })
    }

    /// One `DescribeProvisionedProduct` of `id` (not found is [`ApiError::NotFound`]).
    pub(super) async fn describe_by_id(
        &self,
        id: &str,
        deadline: &Deadline,
    ) -> Result<
        aws_sdk_servicecatalog::operation::describe_provisioned_product::DescribeProvisionedProductOutput,
        ApiError,
    >{
        let call = self
            .client()
            .describe_provisioned_product()
            .id(id)
            .set_accept_language(self.language(None));
        let about = About::Product(id.to_owned());
        self.send(deadline, "DescribeProvisionedProduct", about, || {
            call.clone().send()
        })
        .await
    }

    /// Account-level search for exactly `id`, paging as needed.
    pub(super) async fn search_by_id(
        &self,
        id: &str,
        deadline: &Deadline,
    ) -> Result<Option<ProductSummary>, ApiError> {
        // The query may match more than the id (prefix/free text); the page keeps exact matches.
        let filter = SearchFilter::account().and(SearchTerm::Field {
            field: SearchField::Id,
            value: id.to_owned(),
        });
        let options = SearchOptions::default();
        let mut token: Option<String> = None;
        for _ in 0..MAX_SEARCH_PAGES {
            let page = self
                .page(Of::Search(&filter, &options), token.clone(), deadline)
                .await?;
            if let Some(found) = page.products.into_iter().find(|p| p.id == id) {
                return Ok(Some(found));
            }
            match page.next_page_token {
                Some(next) if token.as_ref() != Some(&next) => token = Some(next),
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// After a not-found: is the product gone, or hidden from these credentials?
    pub(super) async fn classify_missing(&self, id: &str, deadline: &Deadline) -> ApiError {
        match self.search_by_id(id, deadline).await {
            Ok(None) => ApiError::NotFound { id: id.to_owned() },
            Ok(Some(_)) => ApiError::NotVisible {
                id: id.to_owned(),
                reason: "DescribeProvisionedProduct answered not found, but an account-level search lists it"
                    .to_owned(),
            },
            Err(e) if e.is_refusal() => ApiError::NotVisible {
                id: id.to_owned(),
                reason: format!(
                    "DescribeProvisionedProduct answered not found, and the account-level \
                     SearchProvisionedProducts that would tell deleted from hidden was refused: {}",
                    e.service_message().unwrap_or_default()
                ),
            },
            Err(e) => e,
        }
    }
}

fn is_busy(status: &ProvisionedProductStatus) -> bool {
    matches!(
        status,
        ProvisionedProductStatus::UnderChange | ProvisionedProductStatus::PlanInProgress
    )
}

/// Described, but not listed by the account-level search that carries the owner.
pub(super) fn not_listed(id: &str) -> ApiError {
    ApiError::NotVisible {
        id: id.to_owned(),
        reason: "DescribeProvisionedProduct found it, but an account-level \
                 SearchProvisionedProducts did not list it, so its owner cannot be read"
            .to_owned(),
    }
}

/// A search refused for who is asking hides the owner; any other failure is itself.
pub(super) fn search_refused_or(id: &str, e: ApiError) -> ApiError {
    if !e.is_refusal() {
        return e;
    }
    ApiError::NotVisible {
        id: id.to_owned(),
        reason: format!(
            "an account-level SearchProvisionedProducts, needed to read the owner, was refused: {}",
            e.service_message().unwrap_or_default()
        ),
    }
}
