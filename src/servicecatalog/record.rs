//! Records: [`RecordId`], how a record ended ([`RecordOutcome`]),
//! [`ServiceCatalog::wait_for_record`] (through the shared poller, module `poller`), and the two
//! reads the poller makes: `DescribeRecord` of one record and the account's newest records
//! (`ListRecordHistory`). `IN_PROGRESS_IN_ERROR` is polled through to `FAILED`.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, RecordDetail, RecordStatus,
};

use super::client::ServiceCatalog;
use super::deadline::Deadline;
use super::error::{About, ApiError, RecordError};
use super::poller::HISTORY_PAGE;

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

/// What one poll saw of a record.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Observed {
    /// `SUCCEEDED` or `FAILED`, or an error that ends the wait (not visible, refused, ...).
    Finished(Result<RecordOutcome, ApiError>),
    /// Still running, with its status.
    Running(String),
}

impl Observed {
    fn of(record_id: &RecordId, detail: &RecordDetail) -> Self {
        match detail.status() {
            Some(status @ (RecordStatus::Succeeded | RecordStatus::Failed)) => {
                Observed::Finished(Ok(RecordOutcome {
                    record_id: record_id.clone(),
                    status: status.clone(),
                    errors: detail
                        .record_errors()
                        .iter()
                        .map(|e| RecordError {
                            code: e.code().unwrap_or_default().to_owned(),
                            description: e.description().unwrap_or_default().to_owned(),
                        })
                        .collect(),
                }))
            }
            Some(status) => Observed::Running(status.as_str().to_owned()),
            None => Observed::Running("unknown".to_owned()),
        }
    }
}

impl ServiceCatalog {
    /// Waits until the record is `SUCCEEDED` or `FAILED` (`IN_PROGRESS_IN_ERROR` is not
    /// terminal), within `wait`. A `FAILED` record is an `Ok` outcome. Concurrent waits share
    /// their polls (module `poller`).
    pub async fn wait_for_record(
        &self,
        record_id: &RecordId,
        deadline: &Deadline,
    ) -> Result<RecordOutcome, ApiError> {
        self.wait_shared(record_id, deadline)
            .await
            .map_err(|e| match e {
                ApiError::Cancelled { during, .. } => ApiError::Cancelled {
                    during,
                    record_id: Some(record_id.to_string()),
                },
                other => other,
            })
    }

    /// One `DescribeRecord`; `None` when throttled (the poll is lost, not the wait).
    pub(super) async fn observe_record(&self, record_id: &RecordId) -> Option<Observed> {
        let out = self
            .client()
            .describe_record()
            .id(record_id.as_str())
            .set_accept_language(self.language(None))
            .send()
            .await;
        let error = match out {
            Ok(out) => {
                return Some(match out.record_detail() {
                    Some(detail) => Observed::of(record_id, detail),
                    None => Observed::Finished(Err(ApiError::Unusable {
                        operation: "DescribeRecord",
                        message: format!("the response for record {record_id} has no RecordDetail"),
                    })),
                })
            }
            Err(e) => self.classify("DescribeRecord", &About::Record(record_id.to_string()), e),
        };
        if error.is_throttling() {
            tracing::debug!(record_id = %record_id, "DescribeRecord throttled; polling on");
            return None;
        }
        Some(Observed::Finished(Err(error)))
    }

    /// The account's newest records, by id: account-level `ListRecordHistory` pages, newest
    /// first, until every one of `wanted` is seen or `pages` pages are read.
    pub(super) async fn recent_records(
        &self,
        pages: usize,
        wanted: &[&str],
    ) -> Result<HashMap<String, Observed>, ApiError> {
        let about = About::Account("the account's newest records");
        let mut seen = HashMap::new();
        let mut token: Option<String> = None;
        for _ in 0..pages {
            let out = self
                .client()
                .list_record_history()
                .access_level_filter(
                    AccessLevelFilter::builder()
                        .key(AccessLevelFilterKey::Account)
                        .value("self")
                        .build(),
                )
                .page_size(i32::try_from(HISTORY_PAGE).unwrap_or(20))
                .set_page_token(token.clone())
                .set_accept_language(self.language(None))
                .send()
                .await
                .map_err(|e| self.classify("ListRecordHistory", &about, e))?;
            for detail in out.record_details() {
                if let Some(id) = detail.record_id() {
                    let id = RecordId::new(id);
                    let observed = Observed::of(&id, detail);
                    seen.insert(id.into_string(), observed);
                }
            }
            let next = out.next_page_token().filter(|t| !t.is_empty());
            if wanted.iter().all(|w| seen.contains_key(*w))
                || next.is_none()
                || next == token.as_deref()
            {
                break;
            }
            token = next.map(str::to_owned);
        }
        Ok(seen)
    }
}
