//! The go-plugin host contract: handshake, AutoMTLS, controller, stdio, broker, health, logging and debug mode.
//!
//! Terraform and OpenTofu launch a provider through HashiCorp's go-plugin. This module is
//! everything that contract needs from a non-Go plugin, independent of tfplugin6: callers hand
//! [`serve`] the tfplugin6 routes and it adds the auxiliary services, listens, prints the
//! handshake line and runs until the host asks for a shutdown. [`run`] is a binary's whole
//! `main` around it: logging, TLS, launch options, signal handlers, then [`serve`].
//!
//! Choices where go-plugin leaves room:
//! - Always TCP on `127.0.0.1` (go-plugin clients accept TCP on every OS), never a unix socket.
//! - `PLUGIN_PROTOCOL_VERSIONS` must be set and list 6; go-plugin's legacy fallback for hosts
//!   that do not send it is not offered (every Terraform since 0.12 sends it).
//! - `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT` must both be set or both unset; unset lets the OS pick.
//! - Exit with the host: in managed mode the parent process id is polled every 500 ms; once it
//!   changes (the host died) in-flight calls are cancelled and the process exits. Debug mode
//!   (`TF_REATTACH_PROVIDERS`) is started by a person and keeps running.
//! - Under AutoMTLS the server certificate is a self-signed P-256 end-entity certificate for
//!   `localhost` (go-plugin uses P-521 and marks it as a CA; neither matters to the host, which
//!   trusts exactly the certificate from the handshake line).

pub mod logging;
pub mod proto;

mod error;
mod handshake;
mod parent;
mod run;
mod server;
mod services;
mod signals;
mod tls;

pub use error::PluginError;
pub use handshake::{Handshake, Launch, ReattachConfig};
pub use run::run;
pub use server::{serve, Mode, ServeOptions};
pub use signals::spawn_signal_handler;
pub use tls::install_crypto_provider;

/// The provider's source address, as users write it in `required_providers`.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/servicecatalog/servicecatalog";

/// Name of the environment variable go-plugin hosts set to prove they launched us.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";

/// The value Terraform and OpenTofu put in [`MAGIC_COOKIE_KEY`] for provider plugins.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's own wire-protocol version (first handshake field).
pub const CORE_PROTOCOL_VERSION: u32 = 1;

/// The application protocol we speak: tfplugin6 (second handshake field).
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// The health-check service name go-plugin hosts probe.
pub const HEALTH_SERVICE_NAME: &str = "plugin";
