//! The error type of the plugin host layer.

use std::io;

/// Everything that can stop the plugin host from starting or serving.
///
/// Messages are meant for the person who ran the binary; none carries key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The binary was started by hand instead of by Terraform/OpenTofu.
    #[error(
        "This binary is a Terraform/OpenTofu provider plugin. It is not meant to be run directly: \
         run terraform or tofu, which starts its plugins itself. \
         (To attach a debugger, run it with --debug.)"
    )]
    NotLaunchedByHost,

    /// The host does not offer tfplugin6.
    #[error(
        "PLUGIN_PROTOCOL_VERSIONS={offered:?} does not include protocol 6; this provider speaks \
         only tfplugin6 (Terraform >= 1.0, OpenTofu)"
    )]
    UnsupportedProtocol {
        /// What the host offered, verbatim.
        offered: String,
    },

    /// An environment variable set by the host has a value we cannot use.
    #[error("invalid {var}={value:?}: {reason}")]
    InvalidEnv {
        /// The variable's name.
        var: &'static str,
        /// The offending value (never a secret: only go-plugin's own variables end up here).
        value: String,
        /// Why it was rejected.
        reason: String,
    },

    /// Every port of the allowed range is taken.
    #[error("no free TCP port on 127.0.0.1 in PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT ({min}..={max})")]
    NoFreePort {
        /// Lower bound (inclusive).
        min: u16,
        /// Upper bound (inclusive).
        max: u16,
    },

    /// Creating or configuring the listening socket failed.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(#[source] io::Error),

    /// The operating system's random generator failed while making the AutoMTLS key.
    #[error(
        "cannot generate the TLS server key: the operating system's random number generator \
         (getrandom) failed; the provider needs it to start"
    )]
    ServerKey,

    /// Generating the AutoMTLS server certificate failed.
    #[error("cannot generate the TLS server certificate: {0}")]
    Certificate(#[from] rcgen::Error),

    /// Building the TLS configuration failed.
    #[error("cannot configure TLS: {0}")]
    Tls(#[from] rustls::Error),

    /// Writing the handshake to stdout failed (the host went away).
    #[error("cannot write the handshake to stdout: {0}")]
    Handshake(#[source] io::Error),

    /// The gRPC server failed.
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}
