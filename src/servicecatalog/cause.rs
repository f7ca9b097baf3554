//! Reading an SDK error's source chain: the service's answer, a transport failure (refused, DNS,
//! timed out, TLS, closed) or a credential failure (none found, STS refused, ...). Nothing here
//! formats an error with `Debug`; text taken from an error's `Display` goes through [`words`].

use std::error::Error;
use std::fmt;
use std::time::Duration;

use aws_config::meta::ProviderChainError;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_servicecatalog::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::ConnectorError;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The service answered with an error. `code` is `None` when the answer carried no
    /// error code at all (e.g. an HTTP 404 from something that is not Service Catalog).
    Service {
        /// The HTTP status.
        status: u16,
        /// The error code (`ThrottlingException`, ...).
        code: Option<String>,
        /// The service's message.
        message: Option<String>,
    },
    /// No answer: the request did not get through.
    Transport(Transport),
    /// The request could not be signed: no usable credentials.
    Credentials(CredentialsProblem),
    /// An answer came but could not be read (`status` 0 when unknown).
    Unreadable {
        /// The HTTP status.
        status: u16,
    },
    /// The request could not be built (e.g. the endpoint rules refused the configuration).
    Request(String),
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Nothing accepted the connection.
    Refused,
    /// The host name did not resolve.
    Dns,
    /// Connecting or waiting for the answer took too long.
    TimedOut,
    /// The TLS handshake failed; what went wrong, in words.
    Tls(String),
    /// The connection closed before an answer arrived.
    Closed,
    /// Anything else, in the words of the innermost error that has some.
    Other(String),
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Refused => {
                f.write_str("the connection was refused (nothing is listening there)")
            }
            Transport::Dns => {
                f.write_str("its host name could not be resolved (DNS lookup failed)")
            }
            Transport::TimedOut => f.write_str("the request timed out"),
            Transport::Tls(what) => write!(f, "the TLS handshake failed: {what}"),
            Transport::Closed => f.write_str("the connection was closed before an answer arrived"),
            Transport::Other(what) => write!(f, "the request failed: {what}"),
        }
    }
}

impl Transport {
    /// What to do about it, given how the endpoint is named in the sentence.
    pub fn remedy(&self) -> &'static str {
        match self {
            Transport::Refused => {
                "Check that the endpoint is right (the provider's `endpoint` argument, \
                 AWS_ENDPOINT_URL_SERVICE_CATALOG or AWS_ENDPOINT_URL) and that the service there is running"
            }
            Transport::Dns => {
                "Check the host name in the endpoint (the provider's `endpoint` argument, \
                 AWS_ENDPOINT_URL_SERVICE_CATALOG or AWS_ENDPOINT_URL, else the `region`) and this machine's DNS settings"
            }
            Transport::TimedOut => {
                "Check this machine's network access to it (firewall, proxy, VPC endpoint) and that the \
                 service there answers; if it is only slow, raise the provider's `request_timeout`. \
                 Then run Terraform again"
            }
            Transport::Closed | Transport::Other(_) => {
                "Check this machine's network access to it (firewall, proxy, VPC endpoint), then run Terraform again"
            }
            Transport::Tls(_) => {
                "Check the endpoint's scheme (https for AWS; a local emulator usually serves plain http) \
                 and that its certificate is trusted by this machine"
            }
        }
    }
}

/// Why no credentials could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsProblem {
    /// Every source of the chain was tried and none had credentials: each source's name (as
    /// `aws-config` calls it) and what it said, when it said something useful.
    NotFound {
        /// The sources tried, in order.
        tried: Vec<(String, Option<String>)>,
    },
    /// A source took too long.
    TimedOut(Duration),
    /// STS refused or failed the request that would have given credentials.
    Sts {
        /// `AssumeRole` or `AssumeRoleWithWebIdentity`.
        operation: &'static str,
        /// What went wrong with that request.
        cause: Box<Cause>,
    },
    /// A source failed (bad shared config, a failing credential process, ...), in its words.
    Failed(String),
}

impl fmt::Display for CredentialsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsProblem::NotFound { tried } if tried.is_empty() => {
                f.write_str("no credentials were found")
            }
            CredentialsProblem::NotFound { tried } => {
                let names: Vec<String> = tried.iter().map(|(name, _)| source_name(name)).collect();
                write!(f, "no credentials were found in {}", names.join(", "))
            }
            CredentialsProblem::TimedOut(after) => write!(
                f,
                "loading credentials took longer than {} seconds",
                after.as_secs()
            ),
            CredentialsProblem::Sts { operation, cause } => {
                write!(f, "AWS STS {operation} failed: {}", describe(cause))
            }
            CredentialsProblem::Failed(what) => write!(f, "loading credentials failed: {what}"),
        }
    }
}

/// A credential source of `aws-config`'s default chain, in words. The chain tries, in this
/// order: `Environment`, `Profile`, `WebIdentityToken`, `EcsContainer`, `Ec2InstanceMetadata`.
pub fn source_name(name: &str) -> String {
    match name {
        "Environment" => "the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
        "Profile" => "the shared config and credentials files".into(),
        "WebIdentityToken" => "web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN)".into(),
        "EcsContainer" => {
            "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI)".into()
        }
        "Ec2InstanceMetadata" => "EC2 instance metadata (IMDS)".into(),
        other => format!("the {other} source"),
    }
}

/// A service or STS answer, a transport failure or a credential failure, as one clause.
pub fn describe(cause: &Cause) -> String {
    match cause {
        Cause::Service {
            status,
            code,
            message,
        } => match (code, message) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.clone(),
            (None, Some(message)) => format!("HTTP {status}: {message}"),
            (None, None) => format!("HTTP {status} with no error code"),
        },
        Cause::Transport(t) => t.to_string(),
        Cause::Credentials(p) => p.to_string(),
        Cause::Unreadable { status } => format!("its answer (HTTP {status}) could not be read"),
        Cause::Request(what) => format!("the request could not be built: {what}"),
    }
}

/// The cause of an SDK error.
pub fn cause_of<E>(err: &SdkError<E, HttpResponse>) -> Cause
where
    E: ProvideErrorMetadata + Error + 'static,
{
    match err {
        SdkError::ServiceError(ctx) => Cause::Service {
            status: ctx.raw().status().as_u16(),
            code: ctx
                .err()
                .code()
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
            message: ctx
                .err()
                .message()
                .filter(|m| !m.is_empty())
                .map(str::to_owned),
        },
        SdkError::TimeoutError(_) => Cause::Transport(Transport::TimedOut),
        SdkError::DispatchFailure(failure) => match failure.as_connector_error() {
            Some(connector) => connector_cause(connector),
            None => Cause::Transport(Transport::Other("the request could not be sent".into())),
        },
        SdkError::ResponseError(ctx) => Cause::Unreadable {
            status: ctx.raw().status().as_u16(),
        },
        SdkError::ConstructionFailure(_) => {
            Cause::Request(innermost_words(err).unwrap_or_else(|| "no further detail".to_owned()))
        }
        _ => Cause::Transport(Transport::Other(
            innermost_words(err).unwrap_or_else(|| "no further detail".to_owned()),
        )),
    }
}

/// Why credentials could not be had.
pub fn credentials_problem(err: &CredentialsError) -> CredentialsProblem {
    match err {
        CredentialsError::CredentialsNotLoaded(_) => {
            let chain = err
                .source()
                .and_then(|s| s.downcast_ref::<ProviderChainError<CredentialsError>>());
            let tried = match chain {
                Some(chain) => chain
                    .attempts()
                    .iter()
                    .map(|a| (a.name().to_owned(), a.error().source().and_then(words)))
                    .collect(),
                None => Vec::new(),
            };
            CredentialsProblem::NotFound { tried }
        }
        CredentialsError::ProviderTimedOut(t) => CredentialsProblem::TimedOut(t.timeout_duration()),
        _ => {
            let source = err.source();
            if let Some(sts) =
                source.and_then(|s| s.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>())
            {
                return CredentialsProblem::Sts {
                    operation: "AssumeRole",
                    cause: Box::new(cause_of(sts)),
                };
            }
            if let Some(sts) = source.and_then(|s| {
                s.downcast_ref::<SdkError<AssumeRoleWithWebIdentityError, HttpResponse>>()
            }) {
                return CredentialsProblem::Sts {
                    operation: "AssumeRoleWithWebIdentity",
                    cause: Box::new(cause_of(sts)),
                };
            }
            CredentialsProblem::Failed(
                chain_words(err).unwrap_or_else(|| "no further detail".to_owned()),
            )
        }
    }
}

/// A connector error: credentials (identity resolution fails inside dispatch), TLS, DNS,
/// refused, timed out, closed, else the innermost words.
fn connector_cause(connector: &ConnectorError) -> Cause {
    let mut chain = Vec::new();
    collect_chain(connector, &mut chain);
    for e in &chain {
        if let Some(c) = e.downcast_ref::<CredentialsError>() {
            return Cause::Credentials(credentials_problem(c));
        }
    }
    if connector.is_timeout() {
        return Cause::Transport(Transport::TimedOut);
    }
    for e in &chain {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Cause::Transport(Transport::Tls(tls_words(tls)));
        }
    }
    // hyper-util's connector does not export its error type; its resolver failure reads
    // "dns error" (the getaddrinfo error beneath has no portable kind).
    if chain.iter().any(|e| e.to_string() == "dns error") {
        return Cause::Transport(Transport::Dns);
    }
    for e in &chain {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                ConnectionRefused => return Cause::Transport(Transport::Refused),
                TimedOut => return Cause::Transport(Transport::TimedOut),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
                    return Cause::Transport(Transport::Closed)
                }
                _ => {}
            }
        }
    }
    if chain
        .iter()
        .any(|e| e.to_string() == "TLS handshake failed")
    {
        return Cause::Transport(Transport::Tls("no further detail".into()));
    }
    let innermost = chain.iter().rev().find_map(|e| words(*e));
    Cause::Transport(Transport::Other(
        innermost.unwrap_or_else(|| "no further detail".to_owned()),
    ))
}

/// `err` and every error beneath it. `std::io::Error::source` skips a custom error's own
/// payload (the TLS error under an `InvalidData` I/O error, say), so that is added too.
fn collect_chain<'a>(err: &'a (dyn Error + 'static), out: &mut Vec<&'a (dyn Error + 'static)>) {
    out.push(err);
    if let Some(inner) = err
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        let inner: &(dyn Error + 'static) = inner;
        collect_chain(inner, out);
        return;
    }
    if let Some(next) = err.source() {
        collect_chain(next, out);
    }
}

/// A TLS failure in words.
fn tls_words(err: &rustls::Error) -> String {
    use rustls::{CertificateError, Error as E};
    match err {
        E::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => {
                "the endpoint's certificate is not signed by an authority this machine trusts"
                    .into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the endpoint's certificate is not valid for its host name".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the endpoint's certificate has expired".into()
            }
            _ => "the endpoint's certificate was not accepted".into(),
        },
        E::InvalidMessage(_)
        | E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. } => {
            "the endpoint did not answer in TLS (is it a plain http endpoint?)".into()
        }
        E::AlertReceived(_) => "the endpoint refused the handshake".into(),
        _ => "no further detail".into(),
    }
}

/// The `Display` text of every error in `err`'s chain, joined; what cannot be shown is left out.
pub fn chain_words(err: &(dyn Error + 'static)) -> Option<String> {
    let mut chain = Vec::new();
    collect_chain(err, &mut chain);
    let mut parts: Vec<String> = Vec::new();
    for e in chain {
        if let Some(w) = words(e) {
            // Some errors repeat their source's text in their own.
            if !parts.iter().any(|p| p.contains(&w)) {
                parts.push(w);
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(": "))
}

fn innermost_words(err: &(dyn Error + 'static)) -> Option<String> {
    let mut chain = Vec::new();
    collect_chain(err, &mut chain);
    chain.iter().rev().find_map(|e| words(*e))
}

/// An error's own `Display` text, when it is fit for a user: not empty, not one of the SDK's
/// bare labels, and with nothing that looks like `Debug` output or a Rust type.
pub fn words(err: &(dyn Error + 'static)) -> Option<String> {
    const LABELS: &[&str] = &[
        "dispatch failure",
        "io error",
        "other",
        "timeout",
        "user error",
        "service error",
        "response error",
        "failed to construct request",
        "the credential provider was not enabled",
        "an error occurred while loading credentials",
        "the credentials provider was not properly configured",
        "unexpected credentials error",
    ];
    let text = err.to_string();
    let text = text.trim().trim_end_matches('.');
    // `::` marks a Rust path, except inside an ARN (`arn:aws:iam::123456789012:role/x`).
    let outside_arns: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !w.contains("arn:"))
        .collect();
    let debug_like = ["{", "}", "Some(", "Error(", "Error {"]
        .iter()
        .any(|m| text.contains(m))
        || outside_arns.iter().any(|w| w.contains("::"));
    (!text.is_empty() && !debug_like && !LABELS.contains(&text)).then(|| text.to_owned())
}

/// What every user-facing message is checked against.
#[cfg(test)]
pub(crate) mod sentence {
    /// Fragments of `Debug` output and SDK internals that must never reach a user.
    pub(crate) const FORBIDDEN: &[&str] = &[
        "{",
        "}",
        "Some(",
        "SdkBody",
        "DispatchFailure",
        "ConnectorError",
        "Error {",
        "Error(",
        "hyper",
    ];

    /// `msg` contains every one of `must` and none of [`FORBIDDEN`].
    #[track_caller]
    pub(crate) fn assert_sentence(msg: &str, must: &[&str]) {
        for part in must {
            assert!(msg.contains(part), "{part:?} missing from: {msg}");
        }
        for bad in FORBIDDEN {
            assert!(!msg.contains(bad), "{bad:?} in: {msg}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;
    use aws_sdk_servicecatalog::operation::describe_record::DescribeRecordError;
    use aws_sdk_servicecatalog::types::error::ResourceNotFoundException;
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    type Err = SdkError<DescribeRecordError, HttpResponse>;

    /// A real `DescribeRecord` call to `endpoint`, one attempt, static keys.
    async fn call(endpoint: &str) -> Err {
        let conf = aws_sdk_servicecatalog::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(Credentials::for_tests())
            .endpoint_url(endpoint)
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        aws_sdk_servicecatalog::Client::from_conf(conf)
            .describe_record()
            .id("rec-1")
            .send()
            .await
            .expect_err("nothing answers")
    }

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(
            status.try_into().expect("a status code"),
            SdkBody::from("{}"),
        )
    }

    fn dispatch(connector: ConnectorError) -> Err {
        SdkError::dispatch_failure(connector)
    }

    #[tokio::test]
    async fn a_closed_port_is_refused() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let err = call(&format!("http://127.0.0.1:{port}")).await;
        assert_eq!(cause_of(&err), Cause::Transport(Transport::Refused));
    }

    #[tokio::test]
    async fn an_unknown_host_is_a_dns_failure() {
        // `.invalid` never resolves (RFC 6761).
        let err = call("http://no-such-host.invalid:1").await;
        assert_eq!(cause_of(&err), Cause::Transport(Transport::Dns));
    }

    #[tokio::test]
    async fn https_to_a_plain_http_server_is_a_tls_failure() {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            if let Ok((mut s, _)) = listener.accept().await {
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
        });
        let err = call(&format!("https://{addr}")).await;
        let Cause::Transport(t @ Transport::Tls(_)) = cause_of(&err) else {
            panic!("not a TLS failure: {:?}", cause_of(&err));
        };
        sentence::assert_sentence(&t.to_string(), &["TLS handshake failed", "plain http"]);
    }

    #[test]
    fn timeouts_are_timeouts() {
        let err: Err = SdkError::timeout_error(
            "operation timeout (all attempts including retries) occurred after 1s",
        );
        assert_eq!(cause_of(&err), Cause::Transport(Transport::TimedOut));
        let err = dispatch(ConnectorError::timeout("connect timed out".into()));
        assert_eq!(cause_of(&err), Cause::Transport(Transport::TimedOut));
        let io = std::io::Error::from(std::io::ErrorKind::TimedOut);
        let err = dispatch(ConnectorError::io(Box::new(io)));
        assert_eq!(cause_of(&err), Cause::Transport(Transport::TimedOut));
    }

    #[test]
    fn a_reset_connection_is_closed_and_anything_else_keeps_its_words() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let err = dispatch(ConnectorError::io(Box::new(io)));
        assert_eq!(cause_of(&err), Cause::Transport(Transport::Closed));
        let io = std::io::Error::other("network is unreachable");
        let err = dispatch(ConnectorError::io(Box::new(io)));
        assert_eq!(
            cause_of(&err),
            Cause::Transport(Transport::Other("network is unreachable".into()))
        );
    }

    #[test]
    fn untrusted_certificates_are_named() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let err = dispatch(ConnectorError::io(Box::new(io)));
        assert_eq!(
            cause_of(&err),
            Cause::Transport(Transport::Tls(
                "the endpoint's certificate is not signed by an authority this machine trusts"
                    .into()
            ))
        );
    }

    #[test]
    fn service_errors_keep_status_code_and_message() {
        let meta = ErrorMetadata::builder()
            .code("ThrottlingException")
            .message("Rate exceeded")
            .build();
        let err: Err = SdkError::service_error(DescribeRecordError::generic(meta), response(400));
        let cause = cause_of(&err);
        assert_eq!(
            cause,
            Cause::Service {
                status: 400,
                code: Some("ThrottlingException".into()),
                message: Some("Rate exceeded".into()),
            }
        );
        assert_eq!(describe(&cause), "ThrottlingException: Rate exceeded");

        let modeled = DescribeRecordError::ResourceNotFoundException(
            // As the deserializer builds it: the code comes from the answer's metadata.
            ResourceNotFoundException::builder()
                .message("no such record")
                .meta(
                    ErrorMetadata::builder()
                        .code("ResourceNotFoundException")
                        .build(),
                )
                .build(),
        );
        let err: Err = SdkError::service_error(modeled, response(400));
        assert!(
            matches!(cause_of(&err), Cause::Service { code: Some(c), .. } if c == "ResourceNotFoundException")
        );

        let err: Err = SdkError::service_error(
            DescribeRecordError::generic(ErrorMetadata::builder().build()),
            response(404),
        );
        assert_eq!(describe(&cause_of(&err)), "HTTP 404 with no error code");
    }

    #[tokio::test]
    async fn an_exhausted_chain_lists_every_source_and_what_it_said() {
        use aws_config::meta::credentials::CredentialsProviderChain;
        use aws_credential_types::credential_fn::provide_credentials_fn;
        use aws_credential_types::provider::ProvideCredentials;
        let chain = CredentialsProviderChain::first_try(
            "Environment",
            provide_credentials_fn(|| async {
                Err(CredentialsError::not_loaded("environment variable not set"))
            }),
        )
        .or_else(
            "Profile",
            provide_credentials_fn(|| async { Err(CredentialsError::not_loaded_no_source()) }),
        )
        .or_else(
            "Ec2InstanceMetadata",
            provide_credentials_fn(|| async {
                Err(CredentialsError::not_loaded(
                    "IMDS disabled by AWS_EC2_METADATA_DISABLED",
                ))
            }),
        );
        let err = chain
            .provide_credentials()
            .await
            .expect_err("no credentials");
        let problem = credentials_problem(&err);
        assert_eq!(
            problem,
            CredentialsProblem::NotFound {
                tried: vec![
                    (
                        "Environment".into(),
                        Some("environment variable not set".into())
                    ),
                    ("Profile".into(), None),
                    (
                        "Ec2InstanceMetadata".into(),
                        Some("IMDS disabled by AWS_EC2_METADATA_DISABLED".into())
                    ),
                ]
            }
        );
        sentence::assert_sentence(
            &problem.to_string(),
            &[
                "AWS_ACCESS_KEY_ID",
                "shared config and credentials files",
                "EC2 instance metadata",
            ],
        );

        // Identity resolution fails inside dispatch: the same problem comes out of the call.
        let err = dispatch(ConnectorError::other(Box::new(err), None));
        assert_eq!(cause_of(&err), Cause::Credentials(problem));
    }

    #[test]
    fn sts_failures_inside_credential_errors_are_read_as_sts_answers() {
        let meta = ErrorMetadata::builder()
            .code("AccessDenied")
            .message("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole")
            .build();
        let sts: SdkError<AssumeRoleError, HttpResponse> =
            SdkError::service_error(AssumeRoleError::generic(meta), response(403));
        let problem = credentials_problem(&CredentialsError::provider_error(sts));
        let CredentialsProblem::Sts { operation, cause } = &problem else {
            panic!("not an STS problem: {problem:?}");
        };
        assert_eq!(*operation, "AssumeRole");
        assert!(
            matches!(**cause, Cause::Service { status: 403, .. }),
            "{cause:?}"
        );
        sentence::assert_sentence(
            &problem.to_string(),
            &[
                "AWS STS AssumeRole failed",
                "AccessDenied",
                "not authorized to perform: sts:AssumeRole",
            ],
        );
    }

    #[test]
    fn other_credential_failures_keep_their_words_and_drop_debug_output() {
        #[derive(Debug)]
        struct Dumped;
        impl fmt::Display for Dumped {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("Response { status: StatusCode(403), body: SdkBody { inner: Once(Some(b\"denied\")) } }")
            }
        }
        impl Error for Dumped {}
        #[derive(Debug)]
        struct Failing(Dumped);
        impl fmt::Display for Failing {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("failed to run the credential process.")
            }
        }
        impl Error for Failing {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&self.0)
            }
        }
        let problem = credentials_problem(&CredentialsError::provider_error(Failing(Dumped)));
        assert_eq!(
            problem,
            CredentialsProblem::Failed("failed to run the credential process".into())
        );
        // ARNs are words; Rust paths are not.
        let arn = CredentialsError::provider_error(
            "profile `ci` assumes arn:aws:iam::123456789012:role/ci, which needs a source_profile",
        );
        assert_eq!(
            credentials_problem(&arn),
            CredentialsProblem::Failed(
                "profile `ci` assumes arn:aws:iam::123456789012:role/ci, which needs a source_profile".into()
            )
        );
        let path =
            CredentialsError::provider_error("failed in hyper_util::client::legacy::connect");
        assert_eq!(
            credentials_problem(&path),
            CredentialsProblem::Failed("no further detail".into())
        );
        assert_eq!(
            credentials_problem(&CredentialsError::provider_timed_out(Duration::from_secs(
                5
            )))
            .to_string(),
            "loading credentials took longer than 5 seconds"
        );
    }
}
