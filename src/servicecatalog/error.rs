//! [`ApiError`]: what can go wrong talking to Service Catalog, one variant per class a user sees,
//! each a sentence (what was tried, what went wrong, what to do). [`ServiceCatalog::classify`] is
//! the one place an SDK error becomes one: the SDK's typed errors for the modeled exceptions, its
//! own list of throttling codes, the error metadata for the rest, and [`cause`](super::cause) for
//! transport and credential failures. No `Debug` output, no request bodies, no credentials.

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_runtime::retries::classifiers::THROTTLING_ERRORS;
use aws_sdk_servicecatalog::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_servicecatalog::Error as Modeled;
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

/// One `RecordErrors` entry of a record (either part may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub code: String,
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

/// What a call is about: named in its errors, and what tells a not-found or busy answer apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About {
    Product(String),
    ProductNamed(String),
    Record(String),
    /// An account-level listing, in words (empty: the operation says it all).
    Account(&'static str),
}

impl fmt::Display for About {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            About::Product(id) => write!(f, "provisioned product {id:?}"),
            About::ProductNamed(name) => write!(f, "the provisioned product named {name:?}"),
            About::Record(id) => write!(f, "record {id}"),
            About::Account(what) => f.write_str(what),
        }
    }
}

/// An API operation and what it was about, as messages name it: `DescribeRecord for record
/// rec-1`, or the operation alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub operation: &'static str,
    pub about: String,
}

impl Call {
    pub fn new(operation: &'static str, about: &About) -> Self {
        Call {
            operation,
            about: about.to_string(),
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.about.is_empty() {
            f.write_str(self.operation)
        } else {
            write!(f, "{} for {}", self.operation, self.about)
        }
    }
}

/// An error from the Service Catalog API layer. `message` fields hold the service's code and
/// message; `attempts` is what the retry policy allows per send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Not found, and not listed by an account-wide search either.
    #[error("provisioned product {id:?} does not exist in this account and region; check the id and the provider's region")]
    NotFound { id: String },
    /// It may exist, but these credentials cannot see it (or its owner).
    #[error("provisioned product {id:?} is not visible to the provider's credentials ({reason}); it was not treated as deleted. To manage it, {ACCESS_NEEDED}")]
    NotVisible { id: String, reason: String },
    /// `DescribeRecord` cannot find a record this provider just created.
    #[error("record {record_id:?} cannot be read (DescribeRecord: not found); if OWNER was just handed to another principal, {ACCESS_NEEDED}")]
    RecordNotVisible { record_id: String },
    /// The product stayed busy (`UNDER_CHANGE`, `PLAN_IN_PROGRESS`, `InvalidStateException`).
    #[error("provisioned product {id:?} was still busy ({state}) when the timeout expired; wait for its current operation to finish, then apply again")]
    Busy { id: String, state: String },
    #[error("Service Catalog rejected {call} as invalid ({message}). Correct the value it names in the configuration, then run Terraform again")]
    InvalidParameters { call: Call, message: String },
    /// Throttled still, after the SDK's retries; `sends` counts our own resends of the call.
    #[error("AWS throttled {call} ({message}) and it was still throttled when the retries ran out ({}). Run Terraform again later or with a lower -parallelism, or raise max_retries in the provider block", allowed(*.attempts, *.sends))]
    Throttled {
        call: Call,
        message: String,
        attempts: u32,
        sends: u32,
    },
    #[error("AWS denied {call} ({message}). To manage provisioned products, {ACCESS_NEEDED}")]
    AccessDenied { call: Call, message: String },
    /// Unknown key, bad signature, expired token.
    #[error("AWS did not accept the provider's credentials for {call} ({message}). Check the access key, secret key and session token (access_key, secret_key and token in the provider block, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or the profile's keys): they may be mistyped, belong to another account or partition, or have expired. Correct or refresh them, then run Terraform again")]
    CredentialsRejected { call: Call, message: String },
    /// No answer: refused, DNS, timed out, TLS, connection closed.
    #[error("{call} could not reach the {}: {problem}. {}", endpoint_name(.endpoint), .problem.remedy())]
    Unreachable {
        call: Call,
        endpoint: Option<String>,
        problem: Transport,
    },
    #[error("{call} was not sent because the provider could not get AWS credentials: {problem}. Check the credentials the provider is configured with (access_key and secret_key, profile, assume_role, or the AWS_* environment variables), then run Terraform again")]
    NoCredentials {
        call: Call,
        problem: CredentialsProblem,
    },
    /// A 5xx on every attempt.
    #[error("Service Catalog failed {call} with a server error ({message}) and still did when the retries ran out ({}). This is usually temporary: run Terraform again later", allowed(*.attempts, 1))]
    ServerError {
        call: Call,
        message: String,
        attempts: u32,
    },
    /// Any other error the service answered with.
    #[error("Service Catalog refused {call} ({message}). Fix what the message names, then run Terraform again")]
    Refused { call: Call, message: String },
    /// An answer without an error code, or one that could not be read.
    #[error("The {} answered {call} with {answer}, which is not a Service Catalog answer. Check that the endpoint is a Service Catalog endpoint (the provider's `endpoint` argument, AWS_ENDPOINT_URL_SERVICE_CATALOG or AWS_ENDPOINT_URL) and any proxy between",
        endpoint_name(.endpoint))]
    UnexpectedAnswer {
        call: Call,
        endpoint: Option<String>,
        answer: String,
    },
    /// The SDK could not build the request.
    #[error(
        "{call} could not be sent: {reason}. Check the provider's region and endpoint settings"
    )]
    NotSent { call: Call, reason: String },
    #[error("record {record_id} FAILED: {}. Fix what the record errors name (a launch role Service Catalog cannot assume, say), then apply again", join_record_errors(.errors))]
    RecordFailed {
        record_id: String,
        errors: Vec<RecordError>,
    },
    /// The record was still running when the deadline passed.
    #[error("timed out waiting for record {record_id} (last status {status}); the change may still complete: check it with `aws servicecatalog describe-record --id {record_id}`")]
    Timeout { record_id: String, status: String },
    /// Terraform sent StopProvider; the record waited for, if any, may still complete.
    #[error("cancelled while {during}")]
    Cancelled {
        during: String,
        record_id: Option<String>,
    },
    /// A successful answer that lacks what the provider needs.
    #[error("{operation} returned an answer the provider cannot use: {message}. Check that the endpoint is a Service Catalog endpoint, then run Terraform again")]
    Unusable {
        operation: &'static str,
        message: String,
    },
}

fn join_record_errors(errors: &[RecordError]) -> String {
    if errors.is_empty() {
        return "the service reported no record errors".to_owned();
    }
    let parts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

fn endpoint_name(url: &Option<String>) -> String {
    match url {
        Some(url) => format!("Service Catalog endpoint {url}"),
        None => "Service Catalog endpoint".to_owned(),
    }
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

impl ApiError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ApiError::Cancelled { .. })
    }

    pub fn is_throttling(&self) -> bool {
        matches!(self, ApiError::Throttled { .. })
    }

    /// Refused for who is asking (denied, credentials not accepted, or parameters a caller of
    /// this access level may not use): "not allowed to see", not a fault.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ApiError::AccessDenied { .. }
                | ApiError::CredentialsRejected { .. }
                | ApiError::InvalidParameters { .. }
        )
    }

    /// The service's code and message, for errors the service answered with.
    pub fn service_message(&self) -> Option<&str> {
        match self {
            ApiError::InvalidParameters { message, .. }
            | ApiError::Throttled { message, .. }
            | ApiError::AccessDenied { message, .. }
            | ApiError::CredentialsRejected { message, .. }
            | ApiError::ServerError { message, .. }
            | ApiError::Refused { message, .. } => Some(message),
            _ => None,
        }
    }

    /// This throttling error after `sends` sends of our own (each with the SDK's retries).
    pub(super) fn after_sends(mut self, count: u32) -> Self {
        if let ApiError::Throttled { sends, .. } = &mut self {
            *sends = count.max(1);
        }
        self
    }
}

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

/// The one classification of an SDK error (see the module docs): `err` from `operation` about
/// `about`, sent to `endpoint` with `attempts` allowed per send.
fn classify<E>(
    operation: &'static str,
    about: &About,
    endpoint: Option<String>,
    attempts: u32,
    err: SdkError<E, HttpResponse>,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    Modeled: From<E>,
{
    let call = Call::new(operation, about);
    let cause = match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let modeled = Modeled::from(ctx.into_err());
            return answered(call, about, endpoint, attempts, status, &modeled);
        }
        other => cause::cause_of(&other),
    };
    match cause {
        Cause::Transport(problem) => ApiError::Unreachable {
            call,
            endpoint,
            problem,
        },
        Cause::Credentials(problem) => ApiError::NoCredentials { call, problem },
        Cause::Request(reason) => ApiError::NotSent { call, reason },
        Cause::Unreadable { status } => ApiError::UnexpectedAnswer {
            call,
            endpoint,
            answer: format!("an answer (HTTP {status}) that could not be read"),
        },
        service @ Cause::Service { .. } => ApiError::Refused {
            call,
            message: cause::describe(&service),
        },
    }
}

/// An error the service answered with, by its modeled type, else by its code.
fn answered(
    call: Call,
    about: &About,
    endpoint: Option<String>,
    attempts: u32,
    status: u16,
    err: &Modeled,
) -> ApiError {
    let code = err.code().filter(|c| !c.is_empty());
    let message = cause::describe(&Cause::Service {
        status,
        code: code.map(str::to_owned),
        message: err.message().filter(|m| !m.is_empty()).map(str::to_owned),
    });
    match (err, about) {
        (Modeled::ResourceNotFoundException(_), About::Product(id) | About::ProductNamed(id)) => {
            return ApiError::NotFound { id: id.clone() }
        }
        (Modeled::ResourceNotFoundException(_), About::Record(id)) => {
            return ApiError::RecordNotVisible {
                record_id: id.clone(),
            }
        }
        (Modeled::InvalidStateException(_), About::Product(id)) => {
            return ApiError::Busy {
                id: id.clone(),
                state: message,
            }
        }
        (Modeled::InvalidParametersException(_), _) => {
            return ApiError::InvalidParameters { call, message }
        }
        _ => {}
    }
    match code {
        None if status >= 500 => ApiError::ServerError {
            call,
            message,
            attempts,
        },
        None => ApiError::UnexpectedAnswer {
            call,
            endpoint,
            answer: format!("HTTP {status} and no error code"),
        },
        // The framework's own validation, or a parameter error an operation does not model.
        Some("ValidationException" | "InvalidParametersException") => {
            ApiError::InvalidParameters { call, message }
        }
        Some(c) if THROTTLING_ERRORS.contains(&c) => ApiError::Throttled {
            call,
            message,
            attempts,
            sends: 1,
        },
        Some(c) if DENIED_CODES.contains(&c) => ApiError::AccessDenied { call, message },
        Some(c) if REJECTED_CODES.contains(&c) => ApiError::CredentialsRejected { call, message },
        Some(_) if status >= 500 => ApiError::ServerError {
            call,
            message: format!("HTTP {status}, {message}"),
            attempts,
        },
        Some(_) => ApiError::Refused { call, message },
    }
}

impl ServiceCatalog {
    /// `err` from `operation` about `about`, with this client's endpoint and retry policy.
    pub(super) fn classify<E>(
        &self,
        operation: &'static str,
        about: &About,
        err: SdkError<E, HttpResponse>,
    ) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        Modeled: From<E>,
    {
        classify(
            operation,
            about,
            self.endpoint_url(),
            self.max_attempts(),
            err,
        )
    }
}

/// Notes the endpoint requests go to (scheme, host and port), so transport errors can name it
/// whichever way it was configured (argument, `AWS_ENDPOINT_URL*`, profile, region default).
#[derive(Debug, Clone, Default)]
pub(crate) struct EndpointRecorder(Arc<OnceLock<String>>);

impl EndpointRecorder {
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
        let about = About::Product("pp-1".into());
        classify(UPPP, &about, Some(ENDPOINT.to_owned()), 4, err)
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
                    call: Call {
                        operation: UPPP,
                        ..
                    },
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
            call: Call::new(UPPP, &About::Product("pp-1".into())),
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
    fn modeled_answers_are_read_by_their_type_and_what_the_call_was_about() {
        use aws_sdk_servicecatalog::types::error::{
            InvalidStateException, ResourceNotFoundException,
        };
        let meta = |code: &str, message: &str| {
            ErrorMetadata::builder().code(code).message(message).build()
        };
        let response = || HttpResponse::new(400.try_into().expect("status"), SdkBody::empty());
        let missing = || {
            ResourceNotFoundException::builder()
                .meta(meta("ResourceNotFoundException", "not found"))
                .build()
        };
        let err = mapped(SdkError::service_error(
            UpppError::ResourceNotFoundException(missing()),
            response(),
        ));
        assert_eq!(err, ApiError::NotFound { id: "pp-1".into() });
        let busy = InvalidStateException::builder()
            .meta(meta("InvalidStateException", "under change"))
            .build();
        let err = mapped(SdkError::service_error(
            UpppError::InvalidStateException(busy),
            response(),
        ));
        assert_eq!(
            err,
            ApiError::Busy {
                id: "pp-1".into(),
                state: "InvalidStateException: under change".into()
            }
        );
        let err = classify(
            "DescribeRecord",
            &About::Record("rec-1".into()),
            None,
            1,
            SdkError::service_error(
                aws_sdk_servicecatalog::operation::describe_record::DescribeRecordError::ResourceNotFoundException(missing()),
                response(),
            ),
        );
        assert_eq!(
            err,
            ApiError::RecordNotVisible {
                record_id: "rec-1".into()
            }
        );
        // The same code without the modeled type (another service's answer) is only refused.
        let err = answered(400, Some("ResourceNotFoundException"), "not found");
        assert!(matches!(err, ApiError::Refused { .. }), "{err:?}");
    }

    #[test]
    fn every_code_the_sdk_counts_as_throttling_is_throttling() {
        for code in THROTTLING_ERRORS {
            let err = answered(400, Some(code), "slow down");
            assert!(err.is_throttling(), "{code}: {err:?}");
        }
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
        let err = classify(
            UPPP,
            &About::Account(""),
            None,
            1,
            SdkError::<UpppError, HttpResponse>::dispatch_failure(ConnectorError::io(Box::new(
                std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
            ))),
        );
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
        let err = ApiError::Unusable {
            operation: "DescribeProvisionedProduct",
            message: "the response for pp-1 has no ProvisionedProductDetail".into(),
        };
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
