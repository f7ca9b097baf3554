//! [`ApiError`]: what can go wrong talking to Service Catalog, phrased for a Terraform user.
//!
//! Every message is a sentence saying what the provider tried (the operation and the product or
//! record it was about), what went wrong, and what to do. SDK errors are read once, by
//! [`cause`](super::cause), into a [`Cause`]; [`ServiceFailure`] carries that with the call's
//! context (what it was about, the endpoint it went to, how many attempts the retry policy
//! allows) to the mapping in [`ServiceFailure::into_api_error`]. No `Debug` output, no request
//! bodies, no credentials.

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_sdk_servicecatalog::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use super::cause::{self, Cause, CredentialsProblem, Transport};
use super::client::ServiceCatalog;

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
///
/// `operation` is the API operation; `about` says what it was about (`provisioned product
/// "pp-..."`, `record rec-...`), empty when the caller gave no context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The provisioned product does not exist (not found, and not listed by an account-wide search).
    #[error("provisioned product {id:?} does not exist in this account and region; check the id and the provider's region")]
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
    #[error("Service Catalog rejected {} as invalid ({message}). Correct the value it names in the configuration, then run Terraform again", call(.operation, .about))]
    InvalidParameters {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// The service's code and message.
        message: String,
    },
    /// Throttled, still, after the SDK's retries.
    #[error("AWS throttled {} ({message}) and it was still throttled when the retries ran out ({}). Run Terraform again later or with a lower -parallelism, or raise max_retries in the provider block", call(.operation, .about), allowed(*.attempts, *.sends))]
    Throttled {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// The service's code and message.
        message: String,
        /// The attempts the retry policy allows (the retry quota may have ended them sooner).
        attempts: u32,
        /// How many times the call was sent with those attempts (more than one when throttling
        /// was retried until the operation's timeout).
        sends: u32,
    },
    /// The credentials are valid but not allowed to make the call.
    #[error("AWS denied {} ({message}). To manage provisioned products, {ACCESS_NEEDED}", call(.operation, .about))]
    AccessDenied {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// The service's code and message.
        message: String,
    },
    /// AWS did not accept the credentials (unknown key, bad signature, expired token).
    #[error("AWS did not accept the provider's credentials for {} ({message}). Check the access key, secret key and session token (access_key, secret_key and token in the provider block, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or the profile's keys): they may be mistyped, belong to another account or partition, or have expired. Correct or refresh them, then run Terraform again", call(.operation, .about))]
    CredentialsRejected {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// The service's code and message.
        message: String,
    },
    /// The request got no answer: refused, DNS, timed out, TLS, connection closed.
    #[error("{} could not reach {}: {problem}. {}", call(.operation, .about), endpoint_name(.endpoint), .problem.remedy())]
    Unreachable {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// The endpoint URL, when known.
        endpoint: Option<String>,
        /// What went wrong.
        problem: Transport,
    },
    /// The request could not be signed: no usable credentials.
    #[error("{} was not sent because the provider could not get AWS credentials: {problem}. Check the credentials the provider is configured with (access_key and secret_key, profile, assume_role, or the AWS_* environment variables), then run Terraform again", call(.operation, .about))]
    NoCredentials {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// What went wrong.
        problem: CredentialsProblem,
    },
    /// The service failed with a server error (5xx) on every attempt.
    #[error("Service Catalog failed {} with a server error ({message}) and still did when the retries ran out ({}). This is usually temporary: run Terraform again later", call(.operation, .about), allowed(*.attempts, 1))]
    ServerError {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// The HTTP status, code and message.
        message: String,
        /// The attempts the retry policy allows.
        attempts: u32,
    },
    /// Any other error the service answered with.
    #[error("Service Catalog refused {} ({message}). Fix what the message names, then run Terraform again", call(.operation, .about))]
    Refused {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// The service's code and message.
        message: String,
    },
    /// An answer that is not a Service Catalog answer (no error code, or unreadable).
    #[error("{} answered {} with {answer}, which is not a Service Catalog answer. Check that the endpoint is a Service Catalog endpoint (the provider's `endpoint` argument, AWS_ENDPOINT_URL_SERVICE_CATALOG or AWS_ENDPOINT_URL) and any proxy between",
        capitalised(&endpoint_name(.endpoint)), call(.operation, .about))]
    UnexpectedAnswer {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// The endpoint URL, when known.
        endpoint: Option<String>,
        /// What came back, in words.
        answer: String,
    },
    /// The SDK could not build the request.
    #[error("{} could not be sent: {reason}. Check the provider's region and endpoint settings", call(.operation, .about))]
    NotSent {
        /// The API operation.
        operation: &'static str,
        /// What the call was about.
        about: String,
        /// Why, in words.
        reason: String,
    },
    /// The record ended `FAILED`.
    #[error("record {record_id} FAILED: {}. Fix what the record errors name (a launch role Service Catalog cannot assume, say), then apply again", join_record_errors(.errors))]
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
    /// A successful answer the provider cannot use (a member it needs is missing).
    #[error("{operation} returned an answer the provider cannot use: {message}. Check that the endpoint is a Service Catalog endpoint, then run Terraform again")]
    Other {
        /// The API operation.
        operation: &'static str,
        /// What is wrong with the answer.
        message: String,
    },
}

/// `DescribeRecord for record rec-1`, or just the operation without context.
fn call(operation: &str, about: &str) -> String {
    if about.is_empty() {
        operation.to_owned()
    } else {
        format!("{operation} for {about}")
    }
}

fn endpoint_name(url: &Option<String>) -> String {
    match url {
        Some(url) => format!("the Service Catalog endpoint {url}"),
        None => "the Service Catalog endpoint".to_owned(),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// How many attempts `max_retries` allowed, and how often the call was sent with them, in words.
fn allowed(attempts: u32, sends: u32) -> String {
    let per_send = match attempts {
        0 | 1 => "max_retries = 0 allows a single attempt".to_owned(),
        n => format!("max_retries = {} allows up to {n} attempts", n - 1),
    };
    match sends {
        0 | 1 => per_send,
        n => format!("sent {n} times until the operation's timeout, and each time {per_send}"),
    }
}

/// What a call about provisioned product `id` is about, for messages.
pub(crate) fn product(id: &str) -> String {
    format!("provisioned product {id:?}")
}

/// What a call about record `id` is about, for messages.
pub(crate) fn record(id: &str) -> String {
    format!("record {id}")
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

/// Codes meaning "these credentials may not do this".
const DENIED_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
];

/// Codes meaning "these credentials are not valid at all".
const REJECTED_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
];

/// An SDK error reduced to its [`Cause`], with the call's context.
#[derive(Debug, Clone)]
pub(crate) struct ServiceFailure {
    pub(crate) operation: &'static str,
    /// The service's error code, if it answered with one.
    pub(crate) code: Option<String>,
    /// What went wrong in words (the service's code and message, for service errors).
    pub(crate) message: String,
    /// `None` for a successful answer the provider cannot use.
    cause: Option<Cause>,
    about: String,
    endpoint: Option<String>,
    attempts: u32,
    sends: u32,
}

impl ServiceFailure {
    /// An SDK error of `operation`, without context; [`ServiceCatalog::failure`] adds it.
    pub(crate) fn from_sdk<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let cause = cause::cause_of(&err);
        let code = match &cause {
            Cause::Service { code, .. } => code.clone(),
            _ => None,
        };
        ServiceFailure {
            operation,
            code,
            message: cause::describe(&cause),
            cause: Some(cause),
            about: String::new(),
            endpoint: None,
            attempts: 1,
            sends: 1,
        }
    }

    /// A successful answer of `operation` that lacks what the provider needs.
    pub(crate) fn unusable(operation: &'static str, message: String) -> Self {
        ServiceFailure {
            operation,
            code: None,
            message,
            cause: None,
            about: String::new(),
            endpoint: None,
            attempts: 1,
            sends: 1,
        }
    }

    /// This failure after `tries` sends of our own, each with the retries the SDK allows: a
    /// throttled call retried until its deadline ran out.
    pub(crate) fn after_sends(mut self, sends: u32) -> Self {
        self.sends = sends.max(1);
        self
    }

    pub(crate) fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// Denied, or credentials not accepted.
    pub(crate) fn is_access_problem(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| DENIED_CODES.contains(&c) || REJECTED_CODES.contains(&c))
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
            cause,
            about,
            endpoint,
            attempts,
            sends,
        } = self;
        let Some(cause) = cause else {
            return ApiError::Other { operation, message };
        };
        match cause {
            Cause::Transport(problem) => ApiError::Unreachable {
                operation,
                about,
                endpoint,
                problem,
            },
            Cause::Credentials(problem) => ApiError::NoCredentials {
                operation,
                about,
                problem,
            },
            Cause::Request(reason) => ApiError::NotSent {
                operation,
                about,
                reason,
            },
            Cause::Unreadable { status } => ApiError::UnexpectedAnswer {
                operation,
                about,
                endpoint,
                answer: format!("an answer (HTTP {status}) that could not be read"),
            },
            Cause::Service {
                status, code: None, ..
            } if status >= 500 => ApiError::ServerError {
                operation,
                about,
                message,
                attempts,
            },
            Cause::Service {
                status, code: None, ..
            } => ApiError::UnexpectedAnswer {
                operation,
                about,
                endpoint,
                answer: format!("HTTP {status} and no error code"),
            },
            Cause::Service { status, .. } => match code.as_deref().unwrap_or_default() {
                "InvalidParametersException" | "ValidationException" => {
                    ApiError::InvalidParameters {
                        operation,
                        about,
                        message,
                    }
                }
                c if THROTTLING_CODES.contains(&c) => ApiError::Throttled {
                    operation,
                    about,
                    message,
                    attempts,
                    sends,
                },
                c if DENIED_CODES.contains(&c) => ApiError::AccessDenied {
                    operation,
                    about,
                    message,
                },
                c if REJECTED_CODES.contains(&c) => ApiError::CredentialsRejected {
                    operation,
                    about,
                    message,
                },
                _ if status >= 500 => ApiError::ServerError {
                    operation,
                    about,
                    message: format!("HTTP {status}, {message}"),
                    attempts,
                },
                _ => ApiError::Refused {
                    operation,
                    about,
                    message,
                },
            },
        }
    }
}

impl ServiceCatalog {
    /// `err` from `operation` on what `about` names, with this client's endpoint and retries.
    pub(super) fn failure<E>(
        &self,
        operation: &'static str,
        about: String,
        err: SdkError<E, HttpResponse>,
    ) -> ServiceFailure
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.in_context(ServiceFailure::from_sdk(operation, err), about)
    }

    /// `failure` (from [`Wait::send`](super::wait::Wait::send) or [`ServiceFailure::unusable`])
    /// about what `about` names, with this client's endpoint and retry policy.
    pub(super) fn in_context(&self, failure: ServiceFailure, about: String) -> ServiceFailure {
        ServiceFailure {
            about,
            endpoint: self.endpoint_url(),
            attempts: self.max_attempts(),
            ..failure
        }
    }
}

/// Notes the endpoint requests go to (scheme, host and port), so transport errors can name it
/// whichever way it was configured (the `endpoint` argument, `AWS_ENDPOINT_URL*`, the profile,
/// or the region's default).
#[derive(Debug, Clone, Default)]
pub(crate) struct EndpointRecorder(Arc<OnceLock<String>>);

impl EndpointRecorder {
    /// The endpoint, once a request has gone out.
    pub(crate) fn get(&self) -> Option<String> {
        self.0.get().cloned()
    }
}

impl Intercept for EndpointRecorder {
    fn name(&self) -> &'static str {
        "EndpointRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.0.get().is_none() {
            if let Ok(mut url) = url::Url::parse(context.request().uri()) {
                url.set_path("");
                url.set_query(None);
                let _ = url.set_username("");
                let _ = url.set_password(None);
                let _ = self.0.set(url.as_str().trim_end_matches('/').to_owned());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::cause::sentence::assert_sentence;
    use aws_sdk_servicecatalog::operation::update_provisioned_product_properties::UpdateProvisionedProductPropertiesError as UpppError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    const UPPP: &str = "UpdateProvisionedProductProperties";
    const ENDPOINT: &str = "http://127.0.0.1:4566";

    /// `err` as `UpdateProvisionedProductProperties` on pp-1 met it, with 4 attempts allowed.
    fn mapped(err: SdkError<UpppError, HttpResponse>) -> ApiError {
        ServiceFailure {
            about: product("pp-1"),
            endpoint: Some(ENDPOINT.to_owned()),
            attempts: 4,
            ..ServiceFailure::from_sdk(UPPP, err)
        }
        .into_api_error()
    }

    fn answered(status: u16, code: Option<&str>, message: &str) -> ApiError {
        let mut meta = ErrorMetadata::builder().message(message);
        if let Some(code) = code {
            meta = meta.code(code);
        }
        let response = HttpResponse::new(status.try_into().expect("status"), SdkBody::empty());
        mapped(SdkError::service_error(
            UpppError::generic(meta.build()),
            response,
        ))
    }

    fn unreachable(io: std::io::ErrorKind) -> ApiError {
        let io = std::io::Error::from(io);
        mapped(SdkError::dispatch_failure(ConnectorError::io(Box::new(io))))
    }

    /// What the call was about, in every message of the mapping.
    const CALL: &str = "UpdateProvisionedProductProperties for provisioned product \"pp-1\"";

    #[test]
    fn invalid_parameters_quote_the_service_and_say_to_correct_the_value() {
        let err = answered(
            400,
            Some("InvalidParametersException"),
            "Owner arn:aws:iam::999999999999:role/X is not in this account",
        );
        assert!(
            matches!(
                err,
                ApiError::InvalidParameters {
                    operation: UPPP,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_sentence(
            &err.to_string(),
            &[
                CALL,
                "rejected",
                "as invalid (InvalidParametersException: Owner arn:aws:iam::999999999999:role/X is not in this account)",
                "Correct the value it names in the configuration",
            ],
        );
        let err = answered(400, Some("ValidationException"), "1 validation error");
        assert!(matches!(err, ApiError::InvalidParameters { .. }), "{err:?}");
    }

    #[test]
    fn throttling_says_how_many_attempts_were_allowed_and_what_to_do() {
        let err = answered(400, Some("ThrottlingException"), "Rate exceeded");
        assert!(
            matches!(err, ApiError::Throttled { attempts: 4, .. }),
            "{err:?}"
        );
        assert_sentence(
            &err.to_string(),
            &[
                "AWS throttled",
                CALL,
                "(ThrottlingException: Rate exceeded)",
                "still throttled when the retries ran out (max_retries = 3 allows up to 4 attempts)",
                "lower -parallelism",
                "raise max_retries",
            ],
        );
        let once = ApiError::Throttled {
            operation: UPPP,
            about: product("pp-1"),
            message: "ThrottlingException: Rate exceeded".into(),
            attempts: 1,
            sends: 1,
        };
        assert!(
            once.to_string()
                .contains("max_retries = 0 allows a single attempt"),
            "{once}"
        );
    }

    #[test]
    fn access_denied_says_which_access_is_needed() {
        let err = answered(
            400,
            Some("AccessDeniedException"),
            "User is not authorized to perform servicecatalog:UpdateProvisionedProductProperties",
        );
        assert!(matches!(err, ApiError::AccessDenied { .. }), "{err:?}");
        assert_sentence(
            &err.to_string(),
            &[
                "AWS denied",
                CALL,
                "(AccessDeniedException: User is not authorized",
                "servicecatalog:accountLevel = self",
            ],
        );
    }

    #[test]
    fn rejected_credentials_say_which_settings_to_check() {
        for code in [
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "ExpiredTokenException",
        ] {
            let err = answered(
                403,
                Some(code),
                "The security token included in the request is invalid.",
            );
            assert!(
                matches!(err, ApiError::CredentialsRejected { .. }),
                "{err:?}"
            );
            assert_sentence(
                &err.to_string(),
                &[
                    "AWS did not accept the provider's credentials for",
                    CALL,
                    code,
                    "access_key, secret_key and token",
                    "AWS_ACCESS_KEY_ID",
                    "refresh them",
                ],
            );
        }
    }

    #[test]
    fn server_errors_after_the_retries_say_it_is_temporary() {
        let err = answered(
            503,
            Some("ServiceUnavailableException"),
            "Service unavailable",
        );
        assert!(
            matches!(err, ApiError::ServerError { attempts: 4, .. }),
            "{err:?}"
        );
        assert_sentence(
            &err.to_string(),
            &[
                "Service Catalog failed",
                CALL,
                "server error (HTTP 503, ServiceUnavailableException: Service unavailable)",
                "up to 4 attempts",
                "usually temporary",
            ],
        );
        // A gateway's 5xx has no error code; it is a server error all the same.
        let err = answered(502, None, "");
        assert!(matches!(err, ApiError::ServerError { .. }), "{err:?}");
        assert_sentence(
            &err.to_string(),
            &["server error (HTTP 502 with no error code)"],
        );
    }

    #[test]
    fn other_service_errors_are_quoted_with_the_call() {
        let err = answered(400, Some("DuplicateResourceException"), "already exists");
        assert!(matches!(err, ApiError::Refused { .. }), "{err:?}");
        assert_sentence(
            &err.to_string(),
            &[
                "Service Catalog refused",
                CALL,
                "DuplicateResourceException: already exists",
                "Fix what the message names",
            ],
        );
    }

    #[test]
    fn an_answer_without_an_error_code_is_not_service_catalog() {
        let response = HttpResponse::new(404.try_into().expect("status"), SdkBody::empty());
        let meta = ErrorMetadata::builder().build();
        let err = mapped(SdkError::service_error(UpppError::generic(meta), response));
        assert!(matches!(err, ApiError::UnexpectedAnswer { .. }), "{err:?}");
        assert_sentence(
            &err.to_string(),
            &[
                "The Service Catalog endpoint http://127.0.0.1:4566 answered",
                CALL,
                "HTTP 404 and no error code",
                "not a Service Catalog answer",
                "`endpoint` argument",
            ],
        );
    }

    #[test]
    fn transport_failures_name_the_endpoint_and_the_remedy() {
        let refused = unreachable(std::io::ErrorKind::ConnectionRefused);
        assert_sentence(
            &refused.to_string(),
            &[
                CALL,
                "could not reach the Service Catalog endpoint http://127.0.0.1:4566",
                "the connection was refused",
                "Check that the endpoint is right",
                "AWS_ENDPOINT_URL_SERVICE_CATALOG",
            ],
        );
        let timed_out = mapped(SdkError::timeout_error(
            "operation timeout occurred after 3s",
        ));
        assert_sentence(
            &timed_out.to_string(),
            &[
                CALL,
                "http://127.0.0.1:4566",
                "the request timed out",
                "network access",
                "raise the provider's `request_timeout`",
            ],
        );
        let closed = unreachable(std::io::ErrorKind::ConnectionReset);
        assert_sentence(
            &closed.to_string(),
            &[CALL, "the connection was closed before an answer arrived"],
        );
        // Without the endpoint (no request went out yet), it is still named as what it is.
        let err = ServiceFailure::from_sdk(
            UPPP,
            SdkError::<UpppError, HttpResponse>::dispatch_failure(ConnectorError::io(Box::new(
                std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
            ))),
        )
        .into_api_error();
        assert_sentence(&err.to_string(), &["UpdateProvisionedProductProperties could not reach the Service Catalog endpoint: the connection was refused"]);
    }

    #[test]
    fn missing_credentials_at_call_time_say_what_to_check() {
        let creds = aws_credential_types::provider::error::CredentialsError::not_loaded_no_source();
        let err = mapped(SdkError::dispatch_failure(ConnectorError::other(
            Box::new(creds),
            None,
        )));
        assert!(matches!(err, ApiError::NoCredentials { .. }), "{err:?}");
        assert_sentence(
            &err.to_string(),
            &[
                CALL,
                "was not sent because the provider could not get AWS credentials",
                "no credentials were found",
                "access_key and secret_key, profile, assume_role",
            ],
        );
    }

    #[test]
    fn requests_that_cannot_be_built_say_so() {
        let err = mapped(SdkError::construction_failure(
            "endpoint resolution failed: FIPS is not supported with a custom endpoint",
        ));
        assert_sentence(&err.to_string(), &[CALL, "could not be sent: endpoint resolution failed: FIPS is not supported with a custom endpoint", "region and endpoint settings"]);
    }

    #[test]
    fn unusable_answers_say_what_is_missing() {
        let err = ServiceFailure::unusable(
            "DescribeProvisionedProduct",
            "the response for pp-1 has no ProvisionedProductDetail".into(),
        )
        .into_api_error();
        assert_sentence(&err.to_string(), &["DescribeProvisionedProduct returned an answer the provider cannot use: the response for pp-1 has no ProvisionedProductDetail", "Check that the endpoint is a Service Catalog endpoint"]);
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
            "record rec-123 FAILED: 400: role is not assumable; InvalidOwner. Fix what the record \
             errors name (a launch role Service Catalog cannot assume, say), then apply again"
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
