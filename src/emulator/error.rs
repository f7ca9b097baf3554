//! Error types: [`ServiceError`] (an AWS JSON 1.1 error answer) and [`EmulatorError`] (start-up and control failures).

use std::fmt;
use std::path::PathBuf;

/// Defines a fieldless enum whose variants each have one wire name, written once for serde,
/// `as_str` and `parse`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)*
        }

        impl $name {
            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }

            /// The variant with this wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// The AWS error codes the emulator answers with (`__type` / `X-Amzn-ErrorType`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ErrorCode {
        /// Framework-level constraint violation (missing member, length, pattern, range, enum).
        Validation = "ValidationException",
        InvalidParameters = "InvalidParametersException",
        /// The resource does not exist or is not visible to the caller.
        ResourceNotFound = "ResourceNotFoundException",
        /// The resource is busy (`UNDER_CHANGE`, a record in flight).
        InvalidState = "InvalidStateException",
        DuplicateResource = "DuplicateResourceException",
        /// The caller's access level does not allow the requested access level filter.
        AccessDenied = "AccessDeniedException",
        /// Malformed body (not JSON, wrong member type).
        Serialization = "SerializationException",
        /// Unknown or missing `X-Amz-Target`.
        UnknownOperation = "UnknownOperationException",
        /// No `Authorization` header.
        MissingAuthenticationToken = "MissingAuthenticationTokenException",
        /// `Authorization` header present but not a well-formed SigV4 header.
        IncompleteSignature = "IncompleteSignatureException",
        /// Access key not in the principals map (when unknown keys are rejected).
        UnrecognizedClient = "UnrecognizedClientException",
        /// SigV4 signature does not match, or the request time is more than 15 minutes from the
        /// clock (HTTP 400, as AWS JSON services answer it).
        InvalidSignature = "InvalidSignatureException",
        Throttling = "ThrottlingException",
        RequestEntityTooLarge = "RequestEntityTooLargeException",
        /// Injected or real internal failure (HTTP 500).
        InternalFailure = "InternalFailure",
        /// Injected HTTP 503.
        ServiceUnavailable = "ServiceUnavailableException",
    }
}

impl ErrorCode {
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
    pub code: ErrorCode,
    /// The `Message` body member.
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
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    /// The state file could not be read or written.
    #[error("state file {path}: {source}")]
    StateFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("state file {path} is not a valid emulator state: {reason}")]
    CorruptState { path: PathBuf, reason: String },
    /// The principals file could not be read or is invalid.
    #[error("principals file {path}: {reason}")]
    Principals { path: PathBuf, reason: String },
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
