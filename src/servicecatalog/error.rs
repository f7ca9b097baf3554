//! [`ApiError`]: what can go wrong talking to Service Catalog, phrased for a Terraform user.
//!
//! SDK errors are reduced to operation + error code + service message (or the SDK's
//! `DisplayErrorContext` for transport errors); no `Debug` dumps, no request bodies, no credentials.

use std::fmt;

use aws_sdk_servicecatalog::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;

/// What an account-level principal needs, quoted in visibility errors.
pub const ACCESS_NEEDED: &str = "the provider's credentials need account-level access to provisioned products: \
allow servicecatalog:DescribeProvisionedProduct, servicecatalog:SearchProvisionedProducts, \
servicecatalog:DescribeRecord and servicecatalog:UpdateProvisionedProductProperties with the condition \
servicecatalog:accountLevel = self";

/// One `RecordErrors` entry of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// The error code (`Code`); empty when the service sent none.
    pub code: String,
    /// The description (`Description`); empty when the service sent none.
    pub description: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code.is_empty(), self.description.is_empty()) {
            (false, false) => write!(f, "{}: {}", self.code, self.description),
            (false, true) => f.write_str(&self.code),
            (true, _) => f.write_str(&self.description),
        }
    }
}

fn join_record_errors(errors: &[RecordError]) -> String {
    if errors.is_empty() {
        return "the service reported no record errors".to_owned();
    }
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// An error from the Service Catalog API layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The provisioned product does not exist (not found, and not listed by an account-wide search).
    #[error("provisioned product {id:?} does not exist")]
    NotFound {
        /// The provisioned product id.
        id: String,
    },
    /// The provisioned product may exist but these credentials cannot see it.
    #[error("provisioned product {id:?} is not visible to the provider's credentials ({reason}); it was not treated as deleted. To manage it, {ACCESS_NEEDED}")]
    NotVisible {
        /// The provisioned product id.
        id: String,
        /// What was observed.
        reason: String,
    },
    /// `DescribeRecord` cannot find a record this provider just created.
    #[error("record {record_id:?} cannot be read (DescribeRecord: not found); if OWNER was just handed to another principal, {ACCESS_NEEDED}")]
    RecordNotVisible {
        /// The record id.
        record_id: String,
    },
    /// The product stayed busy (`UNDER_CHANGE`, `PLAN_IN_PROGRESS`, or `InvalidStateException`) until the deadline.
    #[error("provisioned product {id:?} was still busy ({state}) when the timeout expired; wait for its current operation to finish, then apply again")]
    Busy {
        /// The provisioned product id.
        id: String,
        /// The last status or error seen.
        state: String,
    },
    /// The service rejected the request's parameters.
    #[error("{operation}: invalid parameters: {message}")]
    InvalidParameters {
        /// The API operation.
        operation: &'static str,
        /// The service message.
        message: String,
    },
    /// Throttled, still, after the SDK's retries.
    #[error("{operation}: request throttled by AWS after all retries ({message}); try again later or raise max_retries")]
    Throttled {
        /// The API operation.
        operation: &'static str,
        /// The service message.
        message: String,
    },
    /// The credentials are not allowed to call the operation (or are invalid/expired).
    #[error("{operation}: access denied: {message}")]
    AccessDenied {
        /// The API operation.
        operation: &'static str,
        /// The service message.
        message: String,
    },
    /// The record ended `FAILED`.
    #[error("record {record_id} FAILED: {}", join_record_errors(.errors))]
    RecordFailed {
        /// The record id.
        record_id: String,
        /// Every `RecordErrors` entry.
        errors: Vec<RecordError>,
    },
    /// The record was not terminal when the deadline passed.
    #[error("timed out waiting for record {record_id} (last status {status}); the change may still complete: check it with `aws servicecatalog describe-record --id {record_id}`")]
    Timeout {
        /// The record id to look at.
        record_id: String,
        /// The last status seen.
        status: String,
    },
    /// The wait was cancelled (Terraform sent StopProvider).
    #[error("cancelled while {during}")]
    Cancelled {
        /// What was being waited for.
        during: String,
        /// The record being waited for, if any (the change may still complete).
        record_id: Option<String>,
    },
    /// Anything else: transport errors, server errors after retries, unexpected responses.
    #[error("{operation} failed: {message}")]
    Other {
        /// The API operation.
        operation: &'static str,
        /// What happened.
        message: String,
    },
}

impl ApiError {
    /// True when waiting was cut short by cancellation.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ApiError::Cancelled { .. })
    }

    /// The record id this error is about, if any (to keep in state).
    pub fn record_id(&self) -> Option<&str> {
        match self {
            ApiError::RecordFailed { record_id, .. }
            | ApiError::Timeout { record_id, .. }
            | ApiError::RecordNotVisible { record_id } => Some(record_id),
            ApiError::Cancelled { record_id, .. } => record_id.as_deref(),
            _ => None,
        }
    }
}

/// Error codes the SDK classifies as throttling (smithy-rs `THROTTLING_ERRORS`).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
];

/// Codes meaning "these credentials may not do this" (or are not valid at all).
const ACCESS_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
];

/// An SDK error reduced to what we show: operation, code, message.
#[derive(Debug, Clone)]
pub(crate) struct ServiceFailure {
    pub(crate) operation: &'static str,
    pub(crate) code: Option<String>,
    pub(crate) message: String,
}

impl ServiceFailure {
    pub(crate) fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        match &err {
            SdkError::ServiceError(ctx) => {
                let service = ctx.err();
                let code = service.code().map(str::to_owned);
                let message = match (service.code(), service.message()) {
                    (Some(code), Some(msg)) => format!("{code}: {msg}"),
                    (Some(code), None) => code.to_owned(),
                    (None, Some(msg)) => msg.to_owned(),
                    (None, None) => DisplayErrorContext(&err).to_string(),
                };
                ServiceFailure {
                    operation,
                    code,
                    message,
                }
            }
            _ => ServiceFailure {
                operation,
                code: None,
                message: DisplayErrorContext(&err).to_string(),
            },
        }
    }

    pub(crate) fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    pub(crate) fn is_access_problem(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| ACCESS_CODES.contains(&c))
    }

    pub(crate) fn is_throttling(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| THROTTLING_CODES.contains(&c))
    }

    /// The context-free mapping; callers handle not-found and busy first.
    pub(crate) fn into_api_error(self) -> ApiError {
        let ServiceFailure {
            operation,
            code,
            message,
        } = self;
        match code.as_deref() {
            Some("InvalidParametersException" | "ValidationException") => {
                ApiError::InvalidParameters { operation, message }
            }
            Some(c) if THROTTLING_CODES.contains(&c) => ApiError::Throttled { operation, message },
            Some(c) if ACCESS_CODES.contains(&c) => ApiError::AccessDenied { operation, message },
            _ => ApiError::Other { operation, message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: Option<&str>) -> ServiceFailure {
        ServiceFailure {
            operation: "DescribeRecord",
            code: code.map(str::to_owned),
            message: "msg".to_owned(),
        }
    }

    #[test]
    fn codes_map_to_kinds() {
        assert!(matches!(
            failure(Some("InvalidParametersException")).into_api_error(),
            ApiError::InvalidParameters {
                operation: "DescribeRecord",
                ..
            }
        ));
        assert!(matches!(
            failure(Some("ValidationException")).into_api_error(),
            ApiError::InvalidParameters { .. }
        ));
        assert!(matches!(
            failure(Some("ThrottlingException")).into_api_error(),
            ApiError::Throttled { .. }
        ));
        assert!(matches!(
            failure(Some("AccessDeniedException")).into_api_error(),
            ApiError::AccessDenied { .. }
        ));
        assert!(matches!(
            failure(Some("InternalFailure")).into_api_error(),
            ApiError::Other { .. }
        ));
        assert!(matches!(
            failure(None).into_api_error(),
            ApiError::Other { .. }
        ));
    }

    #[test]
    fn record_failed_quotes_every_record_error() {
        let err = ApiError::RecordFailed {
            record_id: "rec-123".into(),
            errors: vec![
                RecordError {
                    code: "400".into(),
                    description: "role is not assumable".into(),
                },
                RecordError {
                    code: "InvalidOwner".into(),
                    description: String::new(),
                },
            ],
        };
        assert_eq!(
            err.to_string(),
            "record rec-123 FAILED: 400: role is not assumable; InvalidOwner"
        );
        assert_eq!(err.record_id(), Some("rec-123"));
    }

    #[test]
    fn timeout_and_visibility_messages_say_what_to_do() {
        let t = ApiError::Timeout {
            record_id: "rec-9".into(),
            status: "IN_PROGRESS".into(),
        };
        let msg = t.to_string();
        assert!(
            msg.contains("rec-9") && msg.contains("describe-record --id rec-9"),
            "{msg}"
        );
        let v = ApiError::NotVisible {
            id: "pp-1".into(),
            reason: "search refused".into(),
        }
        .to_string();
        assert!(v.contains("servicecatalog:accountLevel = self"), "{v}");
        assert!(v.contains("not treated as deleted"), "{v}");
    }
}
