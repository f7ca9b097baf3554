//! Reading a provisioned product's properties: [`ProductState`], [`ServiceCatalog::read_properties`]
//! (`DescribeProvisionedProduct` + account-level `SearchProvisionedProducts`) and
//! [`ServiceCatalog::refresh`], which adds the read-after-write policy.
//!
//! Choices where the reference is silent or unverified:
//! - Deleted vs hidden: after a `ResourceNotFoundException`, an account-level search decides. No
//!   match → [`ApiError::NotFound`]; a match, or the search refused (access denied / invalid
//!   parameters) → [`ApiError::NotVisible`]. Describe succeeding while the account-level search
//!   misses or is refused is also `NotVisible` (OWNER cannot be read without it).
//! - The owner matches when either `UserArn` or `UserArnSession` equals the expected ARN.
//! - Read-after-write: the search index may show the previous owner for a short time after a
//!   successful change. When the product's last record is our own successful change, refresh
//!   re-reads for up to the owner consistency bound ([`OWNER_CONSISTENCY_BOUND`](super::OWNER_CONSISTENCY_BOUND))
//!   before reporting what is live; otherwise a different owner is drift, reported at once.

use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ProvisionedProductAttribute, ProvisionedProductStatus,
    ProvisionedProductViewFilterBy,
};
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::error::{product, ApiError, ServiceFailure};
use super::record::RecordRef;
use super::validate::{PropertyKey, PropertyMap};
use super::wait::Wait;

/// Upper bound on search pages read when looking for one id (each page holds up to 100 products).
const MAX_SEARCH_PAGES: usize = 100;

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
    /// `LAUNCH_ROLE` (`LaunchRoleArn` from `DescribeProvisionedProduct`).
    pub launch_role: Option<String>,
    /// The last record of any kind (`LastRecordId`).
    pub last_record_id: Option<String>,
}

impl ProductState {
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
        matches!(
            self.status,
            Some(ProvisionedProductStatus::UnderChange | ProvisionedProductStatus::PlanInProgress)
        )
    }
}

impl ServiceCatalog {
    /// Reads status, `LAUNCH_ROLE` and `OWNER` of a provisioned product.
    ///
    /// [`ApiError::NotFound`] only when the product is gone; a product hidden from the caller is
    /// [`ApiError::NotVisible`].
    pub async fn read_properties(&self, id: &str) -> Result<ProductState, ApiError> {
        let mut state = match self.describe(id).await {
            Ok(state) => state,
            Err(f) if f.is("ResourceNotFoundException") => {
                return Err(self.classify_missing(id).await)
            }
            Err(f) => return Err(f.into_api_error()),
        };
        match self.search_by_id(id).await {
            Ok(Some(attr)) => {
                state.owner = attr.user_arn().map(str::to_owned);
                state.owner_session = attr.user_arn_session().map(str::to_owned);
                Ok(state)
            }
            Ok(None) => Err(ApiError::NotVisible {
                id: id.to_owned(),
                reason: "DescribeProvisionedProduct found it, but an account-level SearchProvisionedProducts \
                         did not list it, so its OWNER cannot be read"
                    .to_owned(),
            }),
            Err(f) if f.is_access_problem() || f.is("InvalidParametersException") => {
                Err(ApiError::NotVisible {
                    id: id.to_owned(),
                    reason: format!(
                        "an account-level SearchProvisionedProducts, needed to read OWNER, was refused: {}",
                        f.message
                    ),
                })
            }
            Err(f) => Err(f.into_api_error()),
        }
    }

    /// What is live of product `id` for a resource managing `managed`, whose last change (as
    /// its state records it) is `last_change`. When that change succeeded and is still the
    /// product's last record, a search that has not caught up with a new owner is waited out
    /// for a short, bounded time (see the module docs); what is live is returned either way.
    pub async fn refresh(
        &self,
        id: &str,
        managed: &PropertyMap,
        last_change: Option<&RecordRef>,
        cancel: &CancellationToken,
    ) -> Result<ProductState, ApiError> {
        let wait = Wait::new(self.owner_consistency() * 2, cancel.clone());
        let live = self.read_properties_within(id, &wait).await?;
        let Some(owner) = managed.get(&PropertyKey::Owner) else {
            return Ok(live);
        };
        let ours_is_last = last_change.is_some_and(|record| {
            record.succeeded() && live.last_record_id.as_deref() == Some(record.id.as_str())
        });
        if live.owner_is(owner) || !ours_is_last {
            return Ok(live);
        }
        self.wait_for_owner(id, owner, &wait.capped(self.owner_consistency()))
            .await
    }

    /// [`ServiceCatalog::read_properties`], given up at once when `wait` is cancelled.
    pub(super) async fn read_properties_within(
        &self,
        id: &str,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        wait.guard("reading the provisioned product", self.read_properties(id))
            .await?
    }

    /// Reads the product once it can take a change: while it is busy (`UNDER_CHANGE`,
    /// `PLAN_IN_PROGRESS`), re-reads with back-off within `wait`. Diffing against this state, not
    /// one read while a change was still running, is what keeps a finished change from being
    /// sent twice.
    pub(super) async fn read_when_available(
        &self,
        id: &str,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        const DURING: &str = "waiting for the provisioned product to become available";
        let mut backoff = self.backoff();
        loop {
            let state = self.read_properties_within(id, wait).await?;
            if !state.is_busy() {
                return Ok(state);
            }
            if wait.remaining().is_zero() {
                return Err(ApiError::Busy {
                    id: id.to_owned(),
                    state: state
                        .status
                        .map_or_else(String::new, |s| s.as_str().to_owned()),
                });
            }
            tracing::debug!(
                provisioned_product_id = id,
                "product busy; waiting before diffing"
            );
            wait.pause(&mut backoff, DURING).await?;
        }
    }

    /// Re-reads the product until the search shows `expected_owner` or `wait` ends, and returns
    /// what is live either way (the search index may lag a successful change for a short time).
    pub(super) async fn wait_for_owner(
        &self,
        id: &str,
        expected_owner: &str,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        let during = format!("waiting for provisioned product {id} to show its new owner");
        let mut backoff = self.backoff();
        loop {
            let state = wait.guard(&during, self.read_properties(id)).await??;
            if state.owner_is(expected_owner) || wait.remaining().is_zero() {
                return Ok(state);
            }
            wait.pause(&mut backoff, &during).await?;
        }
    }

    async fn describe(&self, id: &str) -> Result<ProductState, ServiceFailure> {
        let out = self
            .client()
            .describe_provisioned_product()
            .id(id)
            .set_accept_language(self.language(None))
            .send()
            .await
            .map_err(|e| self.failure("DescribeProvisionedProduct", product(id), e))?;
        let detail = out.provisioned_product_detail().ok_or_else(|| {
            ServiceFailure::unusable(
                "DescribeProvisionedProduct",
                format!("the response for {id} has no ProvisionedProductDetail"),
            )
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

    /// Account-level search for exactly `id`, paging as needed.
    pub(super) async fn search_by_id(
        &self,
        id: &str,
    ) -> Result<Option<ProvisionedProductAttribute>, ServiceFailure> {
        let filter = AccessLevelFilter::builder()
            .key(AccessLevelFilterKey::Account)
            .value("self")
            .build();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_SEARCH_PAGES {
            let out = self
                .client()
                .search_provisioned_products()
                .access_level_filter(filter.clone())
                .filters(
                    ProvisionedProductViewFilterBy::SearchQuery,
                    vec![format!("id:{id}")],
                )
                .page_size(100)
                .set_page_token(page_token.take())
                .set_accept_language(self.language(None))
                .send()
                .await
                .map_err(|e| self.failure("SearchProvisionedProducts", product(id), e))?;
            // The query may match more than the id (prefix/free text): compare exactly.
            if let Some(found) = out
                .provisioned_products()
                .iter()
                .find(|p| p.id() == Some(id))
            {
                return Ok(Some(found.clone()));
            }
            match out.next_page_token() {
                Some(token) if !token.is_empty() => page_token = Some(token.to_owned()),
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// After a not-found: is the product gone, or hidden from these credentials?
    pub(super) async fn classify_missing(&self, id: &str) -> ApiError {
        match self.search_by_id(id).await {
            Ok(None) => ApiError::NotFound { id: id.to_owned() },
            Ok(Some(_)) => ApiError::NotVisible {
                id: id.to_owned(),
                reason: "DescribeProvisionedProduct answered not found, but an account-level search lists it"
                    .to_owned(),
            },
            Err(f) if f.is_access_problem() || f.is("InvalidParametersException") => {
                ApiError::NotVisible {
                    id: id.to_owned(),
                    reason: format!(
                        "DescribeProvisionedProduct answered not found, and the account-level \
                         SearchProvisionedProducts that would tell deleted from hidden was refused: {}",
                        f.message
                    ),
                }
            }
            Err(f) => f.into_api_error(),
        }
    }
}
