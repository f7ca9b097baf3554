//! [`ServiceCatalog`]: the calls the resource makes, with their waits.
//!
//! - [`ServiceCatalog::read_properties`]: `DescribeProvisionedProduct` + account-level `SearchProvisionedProducts`.
//! - [`ServiceCatalog::update_properties`]: waits out a busy product, then `UpdateProvisionedProductProperties`.
//! - [`ServiceCatalog::wait_for_record`]: polls `DescribeRecord` until `SUCCEEDED`/`FAILED`.
//! - [`ServiceCatalog::wait_for_owner`]: bounded re-read while the search index still shows the old owner.
//!
//! Every wait is bounded by a [`Wait`] (deadline + cancellation token); cancellation also aborts
//! an in-flight request.
//!
//! Choices where the reference is silent or unverified:
//! - Deleted vs hidden: after a `ResourceNotFoundException`, an account-level search decides. No
//!   match → [`ApiError::NotFound`]; a match, or the search refused (access denied / invalid
//!   parameters) → [`ApiError::NotVisible`]. Describe succeeding while the account-level search
//!   misses or is refused is also `NotVisible` (OWNER cannot be read without it).
//! - The owner matches when either `UserArn` or `UserArnSession` equals the expected ARN.
//! - `RecordType` is never looked at; `IN_PROGRESS_IN_ERROR` is polled through to `FAILED`.
//! - A `DescribeRecord` poll still throttled after the SDK's retries costs that poll, not the wait.
//! - `update_properties` checks `DescribeProvisionedProduct` before each attempt, so a busy product
//!   costs no rejected `UpdateProvisionedProductProperties` call; `InvalidStateException` is
//!   still handled for records the status does not show.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ProvisionedProductAttribute, ProvisionedProductStatus,
    ProvisionedProductViewFilterBy, RecordStatus,
};
use aws_sdk_servicecatalog::Client;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::{jitter_sample, Backoff};
use super::error::{ApiError, RecordError, ServiceFailure};
use super::validate::{changed_properties, AcceptLanguage, PropertyKey, PropertyMap};
use super::OWNER_CONSISTENCY_BOUND;

/// Upper bound on search pages read when looking for one id (each page holds up to 100 products).
const MAX_SEARCH_PAGES: usize = 100;

/// How long a wait may last and how it is cancelled.
#[derive(Debug, Clone)]
pub struct Wait {
    deadline: Instant,
    cancel: CancellationToken,
}

impl Wait {
    /// A wait lasting at most `timeout` from now.
    pub fn new(timeout: Duration, cancel: CancellationToken) -> Self {
        Wait {
            deadline: Instant::now() + timeout,
            cancel,
        }
    }

    /// A wait ending at `deadline`.
    pub fn until(deadline: Instant, cancel: CancellationToken) -> Self {
        Wait { deadline, cancel }
    }

    /// The same wait, ending no later than `bound` from now.
    pub fn capped(&self, bound: Duration) -> Self {
        Wait {
            deadline: self.deadline.min(Instant::now() + bound),
            cancel: self.cancel.clone(),
        }
    }

    /// When the wait ends.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The token that cancels the wait.
    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Time left before the deadline (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Runs `fut` unless cancelled first.
    async fn guard<T>(&self, during: &str, fut: impl Future<Output = T>) -> Result<T, ApiError> {
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => Err(ApiError::Cancelled {
                during: during.to_owned(),
                record_id: None,
            }),
            value = fut => Ok(value),
        }
    }

    /// Sleeps for the next back-off step, never past the deadline.
    async fn pause(&self, backoff: &mut Backoff, during: &str) -> Result<(), ApiError> {
        let delay = backoff.next_delay_within(jitter_sample(), self.remaining());
        self.guard(during, tokio::time::sleep(delay)).await
    }
}

/// A Service Catalog record id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordId(String);

impl RecordId {
    /// Wraps a record id.
    pub fn new(id: impl Into<String>) -> Self {
        RecordId(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for RecordId {
    fn from(id: String) -> Self {
        RecordId(id)
    }
}

impl AsRef<str> for RecordId {
    fn as_ref(&self) -> &str {
        &self.0
    }
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
        PropertyKey::ALL
            .into_iter()
            .filter_map(|k| self.get(k).map(|v| (k, v.to_owned())))
            .collect()
    }

    /// The live values of just `keys` (keys without a live value are left out).
    pub fn properties_for(&self, keys: impl IntoIterator<Item = PropertyKey>) -> PropertyMap {
        keys.into_iter()
            .filter_map(|k| self.get(k).map(|v| (k, v.to_owned())))
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

fn is_busy(status: &ProvisionedProductStatus) -> bool {
    matches!(
        status,
        ProvisionedProductStatus::UnderChange | ProvisionedProductStatus::PlanInProgress
    )
}

/// What [`ServiceCatalog::apply_properties`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// What was live before (for `original_properties`).
    pub before: ProductState,
    /// The keys that differed and were sent (empty: nothing to do, no call made).
    pub changes: PropertyMap,
    /// How the record ended; `None` when nothing was sent.
    pub outcome: Option<RecordOutcome>,
    /// What is live afterwards.
    pub after: ProductState,
}

/// How a record ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    /// The record id.
    pub record_id: RecordId,
    /// `SUCCEEDED` or `FAILED`.
    pub status: RecordStatus,
    /// Every `RecordErrors` entry (also kept when the record succeeded).
    pub errors: Vec<RecordError>,
}

impl RecordOutcome {
    /// True for `SUCCEEDED`.
    pub fn succeeded(&self) -> bool {
        self.status == RecordStatus::Succeeded
    }

    /// `Ok` for `SUCCEEDED`, [`ApiError::RecordFailed`] otherwise.
    pub fn into_result(self) -> Result<RecordOutcome, ApiError> {
        if self.succeeded() {
            Ok(self)
        } else {
            Err(ApiError::RecordFailed {
                record_id: self.record_id.into_string(),
                errors: self.errors,
            })
        }
    }
}

/// The Service Catalog client the resource uses.
#[derive(Clone)]
pub struct ServiceCatalog {
    client: Client,
    accept_language: Option<AcceptLanguage>,
    backoff: Backoff,
}

// The SDK client's Debug would print its configuration, credentials provider included.
impl fmt::Debug for ServiceCatalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceCatalog")
            .field("accept_language", &self.accept_language)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl ServiceCatalog {
    /// Wraps an SDK client.
    pub fn new(client: Client) -> Self {
        ServiceCatalog {
            client,
            accept_language: None,
            backoff: Backoff::polling(),
        }
    }

    /// Builds the SDK client from a Service Catalog config.
    pub fn from_conf(conf: aws_sdk_servicecatalog::Config) -> Self {
        ServiceCatalog::new(Client::from_conf(conf))
    }

    /// Sets the `AcceptLanguage` sent when a call does not give its own (the provider default).
    pub fn with_accept_language(mut self, language: Option<AcceptLanguage>) -> Self {
        self.accept_language = language;
        self
    }

    /// Replaces the polling schedule (tests use a faster one).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The provider-wide `AcceptLanguage`.
    pub fn accept_language(&self) -> Option<AcceptLanguage> {
        self.accept_language
    }

    /// The underlying SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn language(&self, language: Option<AcceptLanguage>) -> Option<String> {
        language
            .or(self.accept_language)
            .map(|l| l.as_str().to_owned())
    }

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

    /// Calls `UpdateProvisionedProductProperties` with `changes` (only the keys that differ),
    /// retrying with back-off while the service answers `InvalidStateException` (the product is
    /// busy), within `wait`. Callers read the product first ([`ServiceCatalog::read_when_available`]),
    /// so a busy status is already waited out and no extra read is spent here.
    ///
    /// The same `idempotency_token` is sent on every attempt, so a retry never makes a second change.
    pub async fn update_properties(
        &self,
        id: &str,
        changes: &PropertyMap,
        idempotency_token: &str,
        accept_language: Option<AcceptLanguage>,
        wait: &Wait,
    ) -> Result<RecordId, ApiError> {
        const DURING: &str = "waiting for the provisioned product to become available";
        if changes.is_empty() {
            return Err(ApiError::InvalidParameters {
                operation: "UpdateProvisionedProductProperties",
                message: "no property changes to send".to_owned(),
            });
        }
        let language = self.language(accept_language);
        let mut backoff = self.backoff.clone();
        loop {
            let mut call = self
                .client
                .update_provisioned_product_properties()
                .provisioned_product_id(id)
                .idempotency_token(idempotency_token)
                .set_accept_language(language.clone());
            for (key, value) in changes {
                call = call.provisioned_product_properties(key.to_sdk(), value);
            }
            let during = "calling UpdateProvisionedProductProperties";
            let busy_with = match wait.guard(during, call.send()).await? {
                Ok(out) => {
                    let record_id = out.record_id().filter(|r| !r.is_empty()).ok_or_else(|| {
                        ApiError::Other {
                            operation: "UpdateProvisionedProductProperties",
                            message: "the response has no RecordId".to_owned(),
                        }
                    })?;
                    tracing::debug!(
                        provisioned_product_id = id,
                        record_id,
                        "property update accepted"
                    );
                    return Ok(RecordId::new(record_id));
                }
                Err(e) => {
                    let f = ServiceFailure::from_sdk("UpdateProvisionedProductProperties", e);
                    if f.is("InvalidStateException") {
                        f.message
                    } else if f.is("ResourceNotFoundException") {
                        return Err(self.classify_missing(id).await);
                    } else {
                        return Err(f.into_api_error());
                    }
                }
            };
            if wait.remaining().is_zero() {
                return Err(ApiError::Busy {
                    id: id.to_owned(),
                    state: busy_with,
                });
            }
            tracing::debug!(provisioned_product_id = id, state = %busy_with, "product busy; waiting");
            wait.pause(&mut backoff, DURING).await?;
        }
    }

    /// Polls `DescribeRecord` until the record is `SUCCEEDED` or `FAILED` (`IN_PROGRESS_IN_ERROR`
    /// is not terminal). A `FAILED` record is an `Ok` outcome; use [`RecordOutcome::into_result`]
    /// to turn it into an error.
    pub async fn wait_for_record(
        &self,
        record_id: &RecordId,
        wait: &Wait,
    ) -> Result<RecordOutcome, ApiError> {
        self.poll_record(record_id, wait)
            .await
            .map_err(|e| match e {
                ApiError::Cancelled { during, .. } => ApiError::Cancelled {
                    during,
                    record_id: Some(record_id.to_string()),
                },
                other => other,
            })
    }

    async fn poll_record(
        &self,
        record_id: &RecordId,
        wait: &Wait,
    ) -> Result<RecordOutcome, ApiError> {
        let during = format!("waiting for record {record_id}");
        let mut backoff = self.backoff.clone();
        let mut last_status = "not yet read".to_owned();
        loop {
            let call = self
                .client
                .describe_record()
                .id(record_id.as_str())
                .set_accept_language(self.language(None))
                .send();
            match wait.guard(&during, call).await? {
                Ok(out) => {
                    let detail = out.record_detail().ok_or_else(|| ApiError::Other {
                        operation: "DescribeRecord",
                        message: format!("the response for record {record_id} has no RecordDetail"),
                    })?;
                    let status = detail.status().cloned();
                    if let Some(status @ (RecordStatus::Succeeded | RecordStatus::Failed)) = status
                    {
                        let errors = detail
                            .record_errors()
                            .iter()
                            .map(|e| RecordError {
                                code: e.code().unwrap_or_default().to_owned(),
                                description: e.description().unwrap_or_default().to_owned(),
                            })
                            .collect();
                        return Ok(RecordOutcome {
                            record_id: record_id.clone(),
                            status,
                            errors,
                        });
                    }
                    last_status =
                        status.map_or_else(|| "unknown".to_owned(), |s| s.as_str().to_owned());
                }
                Err(e) => {
                    let f = ServiceFailure::from_sdk("DescribeRecord", e);
                    if f.is("ResourceNotFoundException") {
                        return Err(ApiError::RecordNotVisible {
                            record_id: record_id.to_string(),
                        });
                    }
                    // Throttling that outlived the SDK's retries costs one poll, not the wait.
                    if !f.is_throttling() {
                        return Err(f.into_api_error());
                    }
                    tracing::debug!(record_id = %record_id, "DescribeRecord throttled; polling on");
                }
            }
            if wait.remaining().is_zero() {
                return Err(ApiError::Timeout {
                    record_id: record_id.to_string(),
                    status: last_status,
                });
            }
            wait.pause(&mut backoff, &during).await?;
        }
    }

    /// The whole change as the resource makes it: read what is live once the product is free,
    /// then [`ServiceCatalog::apply_from`] that state.
    pub async fn apply_properties(
        &self,
        id: &str,
        desired: &PropertyMap,
        idempotency_token: &str,
        accept_language: Option<AcceptLanguage>,
        wait: &Wait,
    ) -> Result<Applied, ApiError> {
        let before = self.read_when_available(id, wait).await?;
        self.apply_from(
            id,
            before,
            desired,
            idempotency_token,
            accept_language,
            wait,
        )
        .await
    }

    /// Sends only the keys of `desired` that differ from `before` (waiting out a busy product),
    /// waits for the record, and reads back.
    ///
    /// A `FAILED` record is returned as `Ok` with [`Applied::outcome`] saying so and
    /// [`Applied::after`] holding what is really live; timeouts and cancellation are errors that
    /// carry the record id ([`ApiError::record_id`]). Once the record has succeeded, reading back
    /// is best effort: if it fails, `after` is `before` with the changes applied.
    pub async fn apply_from(
        &self,
        id: &str,
        before: ProductState,
        desired: &PropertyMap,
        idempotency_token: &str,
        accept_language: Option<AcceptLanguage>,
        wait: &Wait,
    ) -> Result<Applied, ApiError> {
        let changes = changed_properties(&before.properties_for(desired.keys().copied()), desired);
        if changes.is_empty() {
            return Ok(Applied {
                after: before.clone(),
                before,
                changes,
                outcome: None,
            });
        }
        let record = self
            .update_properties(id, &changes, idempotency_token, accept_language, wait)
            .await?;
        let outcome = self.wait_for_record(&record, wait).await?;
        let read_back = match changes.get(&PropertyKey::Owner) {
            Some(owner) if outcome.succeeded() => {
                self.wait_for_owner(id, owner, &wait.capped(OWNER_CONSISTENCY_BOUND))
                    .await
            }
            _ => self.read_properties_within(id, wait).await,
        };
        let after = match read_back {
            Ok(after) => after,
            Err(e) if outcome.succeeded() => {
                tracing::debug!(error = %e, "reading back after a successful change failed");
                before.clone().with_properties(&changes)
            }
            Err(e) => return Err(e),
        };
        Ok(Applied {
            before,
            changes,
            outcome: Some(outcome),
            after,
        })
    }

    /// [`ServiceCatalog::read_properties`], given up at once when `wait` is cancelled.
    pub async fn read_properties_within(
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
    pub async fn read_when_available(
        &self,
        id: &str,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        const DURING: &str = "waiting for the provisioned product to become available";
        let mut backoff = self.backoff.clone();
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
    pub async fn wait_for_owner(
        &self,
        id: &str,
        expected_owner: &str,
        wait: &Wait,
    ) -> Result<ProductState, ApiError> {
        let during = format!("waiting for provisioned product {id} to show its new owner");
        let mut backoff = self.backoff.clone();
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
            .client
            .describe_provisioned_product()
            .id(id)
            .set_accept_language(self.language(None))
            .send()
            .await
            .map_err(|e| ServiceFailure::from_sdk("DescribeProvisionedProduct", e))?;
        let detail = out
            .provisioned_product_detail()
            .ok_or_else(|| ServiceFailure {
                operation: "DescribeProvisionedProduct",
                code: None,
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
                .client
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
                .map_err(|e| ServiceFailure::from_sdk("SearchProvisionedProducts", e))?;
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
    async fn classify_missing(&self, id: &str) -> ApiError {
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
