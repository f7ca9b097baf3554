//! Error types: [`ServiceError`] (an AWS JSON 1.1 error answer) and [`EmulatorError`] (start-up and control failures).

use std::fmt;
use std::path::PathBuf;

/// The AWS error codes the emulator answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// Framework-level constraint violation (missing member, length, pattern, range, enum).
    Validation,
    /// Modeled: a parameter is not valid.
    InvalidParameters,
    /// Modeled: the resource does not exist or is not visible to the caller.
    ResourceNotFound,
    /// Modeled: the resource is busy (`UNDER_CHANGE`, a record in flight).
    InvalidState,
    /// Modeled: a resource with that name already exists.
    DuplicateResource,
    /// The caller's access level does not allow the requested access level filter.
    AccessDenied,
    /// Malformed body (not JSON, wrong member type).
    Serialization,
    /// Unknown or missing `X-Amz-Target`.
    UnknownOperation,
    /// No `Authorization` header.
    MissingAuthenticationToken,
    /// `Authorization` header present but not a well-formed SigV4 header.
    IncompleteSignature,
    /// Access key not in the principals map (when unknown keys are rejected).
    UnrecognizedClient,
    /// SigV4 signature does not match, or the request time is more than 15 minutes from the
    /// clock (HTTP 400, as AWS JSON services answer it).
    InvalidSignature,
    /// Injected throttling.
    Throttling,
    /// Body over the size limit.
    RequestEntityTooLarge,
    /// Injected or real internal failure (HTTP 500).
    InternalFailure,
    /// Injected HTTP 503.
    ServiceUnavailable,
}

impl ErrorCode {
    /// The `__type` / `X-Amzn-ErrorType` string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "ValidationException",
            ErrorCode::InvalidParameters => "InvalidParametersException",
            ErrorCode::ResourceNotFound => "ResourceNotFoundException",
            ErrorCode::InvalidState => "InvalidStateException",
            ErrorCode::DuplicateResource => "DuplicateResourceException",
            ErrorCode::AccessDenied => "AccessDeniedException",
            ErrorCode::Serialization => "SerializationException",
            ErrorCode::UnknownOperation => "UnknownOperationException",
            ErrorCode::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ErrorCode::UnrecognizedClient => "UnrecognizedClientException",
            ErrorCode::IncompleteSignature => "IncompleteSignatureException",
            ErrorCode::InvalidSignature => "InvalidSignatureException",
            ErrorCode::Throttling => "ThrottlingException",
            ErrorCode::RequestEntityTooLarge => "RequestEntityTooLargeException",
            ErrorCode::InternalFailure => "InternalFailure",
            ErrorCode::ServiceUnavailable => "ServiceUnavailableException",
        }
    }

    /// The HTTP status sent with this code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::MissingAuthenticationToken
            | ErrorCode::UnrecognizedClient
            | ErrorCode::IncompleteSignature => 403,
            ErrorCode::RequestEntityTooLarge => 413,
            ErrorCode::InternalFailure => 500,
            ErrorCode::ServiceUnavailable => 503,
            _ => 400,
        }
    }
}

/// An error answer of the Service Catalog API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// The error code.
    pub code: ErrorCode,
    /// Human-readable message (the `Message` body member).
    pub message: String,
}

impl ServiceError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ServiceError {
            code,
            message: message.into(),
        }
    }

    /// `InvalidParametersException`.
    pub fn invalid_parameters(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameters, message)
    }

    /// `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ResourceNotFound, message)
    }

    /// `InvalidStateException`.
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidState, message)
    }

    /// `SerializationException`.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Serialization, message)
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ServiceError {}

/// Errors from starting or controlling the emulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file could not be read or written.
    #[error("state file {path}: {source}")]
    StateFile {
        /// The state file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file exists but is not a valid emulator state.
    #[error("state file {path} is not a valid emulator state: {reason}")]
    CorruptState {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The principals file could not be read or is invalid.
    #[error("principals file {path}: {reason}")]
    Principals {
        /// The principals file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A configuration value is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The HTTP server stopped before it was asked to.
    #[error("the HTTP server stopped unexpectedly: {0}")]
    ServerStopped(String),
    /// Requests were still running when the stop's grace period ended.
    #[error(
        "requests were still running {0:?} after the stop was asked for; the emulator stopped \
         without waiting for their answers"
    )]
    ShutdownTimeout(std::time::Duration),
    /// An API-level error from an in-process control call.
    #[error(transparent)]
    Api(#[from] ServiceError),
}
