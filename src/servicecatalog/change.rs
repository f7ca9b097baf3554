//! Property changes: [`ServiceCatalog::change`] does a whole change in one call, and
//! [`ServiceCatalog::update_properties`] is its one API request.
//!
//! A change reads what is live once the product is free (`UNDER_CHANGE` and
//! `PLAN_IN_PROGRESS` are waited out), sends only the keys that differ, waits for the record,
//! and reads back (waiting, briefly, for the search to show a new owner). The same idempotency
//! token goes with every attempt, so a retried change is made once.

use std::time::Duration;

use aws_sdk_servicecatalog::types::RecordStatus;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::error::{product, ApiError};
use super::read::ProductState;
use super::record::{RecordId, RecordOutcome, RecordRef};
use super::validate::{changed_properties, AcceptLanguage, PropertyKey, PropertyMap};
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
    /// What is live afterwards (read back; if that read fails, `before` with the change).
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
        let before = self
            .read_when_available(id, &wait)
            .await
            .map_err(|error| ChangeError {
                error,
                before: None,
                record: None,
                live: None,
            })?;
        let failed = |error, record| ChangeError {
            error,
            live: Some(before.clone()),
            before: Some(before.clone()),
            record,
        };
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
        let token = &change.idempotency_token;
        let record_id = self
            .update_properties(id, &sent, token, change.accept_language, &wait)
            .await
            .map_err(|e| failed(e, None))?;
        let outcome = match self.wait_for_record(&record_id, &wait).await {
            Ok(outcome) => outcome,
            Err(e) => {
                let status = match &e {
                    ApiError::Timeout { status, .. } => Some(RecordStatus::from(status.as_str())),
                    _ => None,
                };
                return Err(failed(
                    e,
                    Some(RecordRef {
                        id: record_id,
                        status,
                    }),
                ));
            }
        };
        let read_back = match sent.get(&PropertyKey::Owner) {
            Some(owner) if outcome.succeeded() => {
                let bound = wait.capped(self.owner_consistency());
                self.wait_for_owner(id, owner, &bound).await
            }
            _ => self.read_properties_within(id, &wait).await,
        };
        if !outcome.succeeded() {
            let record = Some(outcome.to_ref());
            let error = ApiError::RecordFailed {
                record_id: outcome.record_id.into_string(),
                errors: outcome.errors,
            };
            // Nothing changed: if reading back fails, what is live is what was there before.
            let live = read_back.unwrap_or_else(|_| before.clone());
            return Err(ChangeError {
                error,
                before: Some(before),
                record,
                live: Some(live),
            });
        }
        let after = read_back.unwrap_or_else(|e| {
            tracing::debug!(error = %e, "reading back after a successful change failed");
            before.clone().with_properties(&sent)
        });
        Ok(Changed {
            before,
            sent,
            record: Some(outcome),
            after,
        })
    }

    /// Calls `UpdateProvisionedProductProperties` with `changes` (only the keys that differ),
    /// retrying with back-off while the service answers `InvalidStateException` (the product is
    /// busy), within `wait`. Callers read the product first, so a busy status is already waited
    /// out and no extra read is spent here.
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
                about: product(id),
                message: "no property changes to send".to_owned(),
            });
        }
        let language = self.language(accept_language);
        let mut backoff = self.backoff();
        loop {
            let mut call = self
                .client()
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
                    let f = self.failure("UpdateProvisionedProductProperties", product(id), e);
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
}
