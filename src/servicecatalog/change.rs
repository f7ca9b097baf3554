//! Property changes: [`ServiceCatalog::change`] does a whole change in one call, and
//! [`ServiceCatalog::update_properties`] is its one API request.
//!
//! A change reads what is live of the keys it sets (from the shared account-level pages when
//! many changes run in one process — an apply's first reads — else on its own), waits out a
//! busy product (`UNDER_CHANGE`, `PLAN_IN_PROGRESS`) with exact reads, sends only the keys that
//! differ, and waits for the record. Nothing is read back after a `SUCCEEDED` record: what was
//! sent is what is live (a search that lags behind it is the next refresh's to wait out). After
//! a `FAILED` record what is live is read again. When the service answers that the product
//! became busy after all (`InvalidStateException`: the page was older than a change that began
//! since), the product is waited out and diffed again, so a change finished meanwhile is never
//! sent twice. Throttling is retried within the change's timeout. The same idempotency token
//! goes with every attempt, so a retried change is made once.

use std::time::Duration;

use aws_sdk_servicecatalog::types::RecordStatus;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::error::{product, ApiError};
use super::read::{Needs, ProductState};
use super::record::{RecordId, RecordOutcome, RecordRef};
use super::validate::{changed_properties, AcceptLanguage, PropertyMap};
use super::wait::Wait;

/// A property change, as a resource asks for one.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The provisioned product id.
    pub id: String,
    /// The values wanted; only the keys whose live value differs are sent.
    pub desired: PropertyMap,
    /// Sent with every attempt, so a retried change is made once.
    pub idempotency_token: String,
    /// `AcceptLanguage` for this change (else the client's).
    pub accept_language: Option<AcceptLanguage>,
    /// How long the whole change may take.
    pub timeout: Duration,
}

/// A change that is done: its record `SUCCEEDED`, or nothing needed sending.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    /// What was live before.
    pub before: ProductState,
    /// The keys that differed and were sent (empty: all were live already, no call made).
    pub sent: PropertyMap,
    /// The change's record; `None` when nothing was sent.
    pub record: Option<RecordOutcome>,
    /// What is live afterwards: `before` with what was sent (the record `SUCCEEDED`).
    pub after: ProductState,
}

/// A change that did not succeed, with what is known of its effect.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error}")]
pub struct ChangeError {
    pub error: ApiError,
    /// What was live before; `None` when the product could not be read, so nothing was sent.
    pub before: Option<ProductState>,
    /// The change's record, if one was made, with its last status seen.
    pub record: Option<RecordRef>,
    /// What is live now as far as known: read back after a `FAILED` record, else `before`.
    pub live: Option<ProductState>,
}

impl ChangeError {
    /// The record ended `FAILED`: nothing was changed.
    pub fn record_failed(&self) -> bool {
        matches!(self.error, ApiError::RecordFailed { .. })
    }
}

impl ServiceCatalog {
    /// Makes `change` (see the module docs), cut short when `cancel` is cancelled.
    pub async fn change(
        &self,
        change: &Change,
        cancel: &CancellationToken,
    ) -> Result<Changed, ChangeError> {
        let wait = Wait::new(change.timeout, cancel.clone());
        let id = change.id.as_str();
        let needs = Needs::of(change.desired.keys().copied());
        let unread = |error| ChangeError {
            error,
            before: None,
            record: None,
            live: None,
        };
        let first = self.read_shared(id, needs, &wait).await.map_err(unread)?;
        let mut before = self
            .read_until_available(first, needs, &wait)
            .await
            .map_err(unread)?;
        let mut backoff = self.backoff();
        let (sent, record_id) = loop {
            let sent = changed_properties(
                &before.properties_for(change.desired.keys().copied()),
                &change.desired,
            );
            if sent.is_empty() {
                return Ok(Changed {
                    after: before.clone(),
                    before,
                    sent,
                    record: None,
                });
            }
            let failed = |error| failure(error, &before, None);
            match self
                .send_update(
                    id,
                    &sent,
                    &change.idempotency_token,
                    change.accept_language,
                    &wait,
                )
                .await
            {
                Ok(Ok(record_id)) => break (sent, record_id),
                Ok(Err(busy)) => {
                    if wait.remaining().is_zero() {
                        let error = ApiError::Busy {
                            id: id.to_owned(),
                            state: busy,
                        };
                        return Err(failed(error));
                    }
                    tracing::debug!(provisioned_product_id = id, state = %busy, "product busy; waiting to diff again");
                    wait.pause(&mut backoff, BUSY).await.map_err(failed)?;
                    let now = self.read_exact(id, needs, &wait).await.map_err(failed)?;
                    before = self
                        .read_until_available(now, needs, &wait)
                        .await
                        .map_err(failed)?;
                }
                Err(e) => return Err(failed(e)),
            }
        };
        // Pages read before this change no longer say what is live.
        self.fleet().forget(id);
        let outcome = match self.wait_for_record(&record_id, &wait).await {
            Ok(outcome) => outcome,
            Err(e) => {
                let status = match &e {
                    ApiError::Timeout { status, .. } => Some(RecordStatus::from(status.as_str())),
                    _ => None,
                };
                let record = RecordRef {
                    id: record_id,
                    status,
                };
                return Err(failure(e, &before, Some(record)));
            }
        };
        if !outcome.succeeded() {
            let record = Some(outcome.to_ref());
            let error = ApiError::RecordFailed {
                record_id: outcome.record_id.into_string(),
                errors: outcome.errors,
            };
            // Nothing changed: if reading again fails, what is live is what was there before.
            let live = self
                .read_exact(id, needs, &wait)
                .await
                .unwrap_or_else(|_| before.clone());
            return Err(ChangeError {
                error,
                before: Some(before),
                record,
                live: Some(live),
            });
        }
        Ok(Changed {
            after: before.clone().with_properties(&sent),
            before,
            sent,
            record: Some(outcome),
        })
    }

    /// Calls `UpdateProvisionedProductProperties` with `changes` (only the keys that differ),
    /// retrying with back-off while the service answers `InvalidStateException` (the product is
    /// busy), within `wait`.
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
        let mut backoff = self.backoff();
        loop {
            let busy = match self
                .send_update(id, changes, idempotency_token, accept_language, wait)
                .await?
            {
                Ok(record_id) => return Ok(record_id),
                Err(busy) => busy,
            };
            if wait.remaining().is_zero() {
                return Err(ApiError::Busy {
                    id: id.to_owned(),
                    state: busy,
                });
            }
            tracing::debug!(provisioned_product_id = id, state = %busy, "product busy; waiting");
            wait.pause(&mut backoff, BUSY).await?;
        }
    }

    /// One `UpdateProvisionedProductProperties` (throttling retried within `wait`): the record
    /// id, or the service's message when the product is busy.
    async fn send_update(
        &self,
        id: &str,
        changes: &PropertyMap,
        idempotency_token: &str,
        accept_language: Option<AcceptLanguage>,
        wait: &Wait,
    ) -> Result<Result<RecordId, String>, ApiError> {
        const OPERATION: &str = "UpdateProvisionedProductProperties";
        if changes.is_empty() {
            return Err(ApiError::InvalidParameters {
                operation: OPERATION,
                about: product(id),
                message: "no property changes to send".to_owned(),
            });
        }
        let mut call = self
            .client()
            .update_provisioned_product_properties()
            .provisioned_product_id(id)
            .idempotency_token(idempotency_token)
            .set_accept_language(self.language(accept_language));
        for (key, value) in changes {
            call = call.provisioned_product_properties(key.to_sdk(), value);
        }
        match self
            .send(wait, OPERATION, || product(id), || call.clone().send())
            .await?
        {
            Ok(out) => {
                let record_id =
                    out.record_id()
                        .filter(|r| !r.is_empty())
                        .ok_or_else(|| ApiError::Other {
                            operation: OPERATION,
                            message: "the response has no RecordId".to_owned(),
                        })?;
                tracing::debug!(
                    provisioned_product_id = id,
                    record_id,
                    "property update accepted"
                );
                Ok(Ok(RecordId::new(record_id)))
            }
            Err(f) if f.is("InvalidStateException") => Ok(Err(f.message)),
            Err(f) if f.is("ResourceNotFoundException") => {
                Err(self.classify_missing(id, wait).await)
            }
            Err(f) => Err(f.into_api_error()),
        }
    }
}

const BUSY: &str = "waiting for the provisioned product to become available";

/// A change that did not complete, with what was live before it.
fn failure(error: ApiError, before: &ProductState, record: Option<RecordRef>) -> ChangeError {
    ChangeError {
        error,
        before: Some(before.clone()),
        record,
        live: Some(before.clone()),
    }
}
