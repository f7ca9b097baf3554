//! Records: [`RecordId`], how a record ended ([`RecordOutcome`]), and
//! [`ServiceCatalog::wait_for_record`], which polls `DescribeRecord` until `SUCCEEDED` or
//! `FAILED`.
//!
//! `RecordType` is never looked at; `IN_PROGRESS_IN_ERROR` is polled through to `FAILED`. A
//! `DescribeRecord` poll still throttled after the SDK's retries costs that poll, not the wait.

use std::fmt;

use aws_sdk_servicecatalog::types::RecordStatus;

use super::client::ServiceCatalog;
use super::error::{record, ApiError, RecordError};
use super::wait::Wait;

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

/// A record and the last status seen of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRef {
    /// The record id.
    pub id: RecordId,
    /// The last status seen; `None` when it was never read.
    pub status: Option<RecordStatus>,
}

impl RecordRef {
    /// True when the record is known to have `SUCCEEDED`.
    pub fn succeeded(&self) -> bool {
        self.status == Some(RecordStatus::Succeeded)
    }
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

    /// The record and its final status.
    pub fn to_ref(&self) -> RecordRef {
        RecordRef {
            id: self.record_id.clone(),
            status: Some(self.status.clone()),
        }
    }
}

impl ServiceCatalog {
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
        let mut backoff = self.backoff();
        let mut last_status = "not yet read".to_owned();
        loop {
            let call = self
                .client()
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
                    let f = self.failure("DescribeRecord", record(record_id.as_str()), e);
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
}
