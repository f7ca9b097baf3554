//! [`ServiceCatalog::change`]: a whole property change. It reads what is live of the keys it
//! sets (from the shared pages when many changes run at once), waits out a busy product with
//! exact reads, sends only the keys that differ, and waits for the record; nothing is read back
//! after `SUCCEEDED`, and what is live is read again after `FAILED`. An `InvalidStateException`
//! (the page was older than a change begun since) waits the product out and diffs again, so a
//! change finished meanwhile is never sent twice. Every send carries the same idempotency token.

use std::time::Duration;

use aws_sdk_servicecatalog::types::RecordStatus;
use tokio_util::sync::CancellationToken;

use super::client::ServiceCatalog;
use super::deadline::Deadline;
use super::error::{About, ApiError};
use super::input::AcceptLanguage;
use super::properties::{changed_properties, PropertyMap};
use super::read::{Needs, ProductState};
use super::record::{RecordId, RecordRef};

const UPDATE: &str = "UpdateProvisionedProductProperties";
const BUSY: &str = "waiting for the provisioned product to become available";

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

/// What a change did, for success and failure alike.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChangeOutcome {
    /// The live values of the desired keys before the change; `None` when the product could not
    /// be read, so nothing was sent.
    pub before: Option<PropertyMap>,
    /// The live values of the desired keys now, as far as known: the desired values after a
    /// `SUCCEEDED` record, read again after a `FAILED` one, else what was live before. A live
    /// owner equal to the desired one in its session spelling keeps the desired spelling.
    pub live: PropertyMap,
    /// The change's record, if one was made, with its last status seen (`None`: nothing needed
    /// sending, or it failed before a record was made).
    pub record: Option<RecordRef>,
    /// Why the change did not complete, if it did not.
    pub error: Option<ApiError>,
}

impl ChangeOutcome {
    /// The record ended `FAILED`: nothing was changed.
    pub fn record_failed(&self) -> bool {
        matches!(self.error, Some(ApiError::RecordFailed { .. }))
    }

    /// True when every desired value was live already: no call, no record.
    pub fn already_set(&self) -> bool {
        self.before.is_some() && self.record.is_none() && self.error.is_none()
    }

    fn unread(error: ApiError) -> Self {
        ChangeOutcome {
            error: Some(error),
            ..ChangeOutcome::default()
        }
    }

    fn failed(mut self, error: ApiError) -> Self {
        self.error = Some(error);
        self
    }
}

impl ServiceCatalog {
    /// Makes `change` (see the module docs), cut short when `cancel` is cancelled.
    pub async fn change(&self, change: &Change, cancel: &CancellationToken) -> ChangeOutcome {
        let deadline = Deadline::new(change.timeout, cancel.clone());
        let needs = Needs::of(change.desired.keys().copied());
        match self.read_shared(&change.id, needs, &deadline).await {
            Ok(state) => self.change_from(change, state, &deadline, &deadline).await,
            Err(e) => ChangeOutcome::unread(e),
        }
    }

    /// Makes `change` from `state`, what was just read of the product: nothing is sent once
    /// `sending` is cancelled, and the record is waited for until `waiting` is.
    pub(super) async fn change_from(
        &self,
        change: &Change,
        mut state: ProductState,
        sending: &Deadline,
        waiting: &Deadline,
    ) -> ChangeOutcome {
        let id = change.id.as_str();
        let keys = || change.desired.keys().copied();
        let needs = Needs::of(keys());
        let mut outcome = ChangeOutcome::default();
        let mut backoff = self.backoff();
        let record_id = loop {
            if !state.is_busy() {
                let before = state.properties_for(keys());
                let sent = changed_properties(&before, &change.desired);
                outcome.before = Some(before);
                outcome.live = state.values_of(&change.desired);
                if sent.is_empty() {
                    return outcome;
                }
                match self.send_update(change, &sent, sending, waiting).await {
                    Ok(record_id) => break record_id,
                    Err(ApiError::Busy { .. }) if !sending.remaining().is_zero() => {}
                    Err(e) => return outcome.failed(e),
                }
            } else if sending.remaining().is_zero() {
                let status = state.status.as_ref().map(|s| s.as_str().to_owned());
                return outcome.failed(ApiError::Busy {
                    id: id.to_owned(),
                    state: status.unwrap_or_default(),
                });
            }
            tracing::debug!(
                provisioned_product_id = id,
                "product busy; waiting to diff again"
            );
            if let Err(e) = sending.pause(&mut backoff, BUSY).await {
                return outcome.failed(e);
            }
            state = match self.read_exact(id, needs, sending).await {
                Ok(state) => state,
                Err(e) => return outcome.failed(e),
            };
        };
        // Pages read before this change no longer say what is live.
        self.fleet().forget(id);
        match self.wait_for_record(&record_id, waiting).await {
            Ok(done) if done.succeeded() => {
                outcome.record = Some(done.to_ref());
                outcome.live = change.desired.clone();
            }
            Ok(done) => {
                outcome.record = Some(done.to_ref());
                // Nothing changed: if reading again fails, what is live is what was there before.
                if let Ok(now) = self.read_exact(id, needs, waiting).await {
                    outcome.live = now.values_of(&change.desired);
                }
                outcome.error = Some(ApiError::RecordFailed {
                    record_id: done.record_id.into_string(),
                    errors: done.errors,
                });
            }
            Err(e) => {
                let status = match &e {
                    ApiError::Timeout { status, .. } => Some(RecordStatus::from(status.as_str())),
                    _ => None,
                };
                outcome.record = Some(RecordRef {
                    id: record_id,
                    status,
                });
                outcome.error = Some(e);
            }
        }
        outcome
    }

    /// One `UpdateProvisionedProductProperties` of `sent`, once the pace gives it a slot within
    /// `sending`; a busy product is [`ApiError::Busy`]. A request that went out is seen through
    /// (answered, or its throttling resent) within `waiting`, so a stop never loses its record.
    async fn send_update(
        &self,
        change: &Change,
        sent: &PropertyMap,
        sending: &Deadline,
        waiting: &Deadline,
    ) -> Result<RecordId, ApiError> {
        let id = change.id.as_str();
        let mut request = self
            .client()
            .update_provisioned_product_properties()
            .provisioned_product_id(id)
            .idempotency_token(&change.idempotency_token)
            .set_accept_language(self.language(change.accept_language));
        for (key, value) in sent {
            request = request.provisioned_product_properties(key.to_sdk(), value);
        }
        let about = About::Product(id.to_owned());
        let pace = self.pace();
        let _slot = sending.guard(BUSY, pace.slot()).await?;
        let out = match self
            .send(waiting, UPDATE, about, || request.clone().send())
            .await
        {
            Err(ApiError::NotFound { .. }) => return Err(self.classify_missing(id, waiting).await),
            other => other?,
        };
        let record_id =
            out.record_id()
                .filter(|r| !r.is_empty())
                .ok_or_else(|| ApiError::Unusable {
                    operation: UPDATE,
                    message: "the response has no RecordId".to_owned(),
                })?;
        pace.through();
        tracing::debug!(
            provisioned_product_id = id,
            record_id,
            "property update accepted"
        );
        Ok(RecordId::new(record_id))
    }
}
