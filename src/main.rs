//! terraform-provider-servicecatalog: the provider plugin binary. Parses the command line,
//! hands the provider's gRPC routes to the go-plugin host layer ([`host::run`]: logging, TLS,
//! launch options, signals).

use std::process::ExitCode;

use clap::Parser;
use servicecatalog_provider::host::{self, ServeOptions};
use servicecatalog_provider::provider::ServiceCatalogProvider;
use servicecatalog_provider::tfplugin;
use tonic::service::Routes;

/// Terraform/OpenTofu provider for AWS Service Catalog provisioned product properties.
///
/// Terraform and OpenTofu start this binary themselves; run it by hand only with --debug.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Serve without the plugin host (for a debugger): plaintext on 127.0.0.1, and print the
    /// TF_REATTACH_PROVIDERS value to export for terraform/tofu. Stops on Ctrl-C or SIGTERM.
    #[arg(long)]
    debug: bool,
}

/// The tfplugin6 provider service; `Shutdown` cancels its in-flight calls.
fn provider_routes(opts: &ServeOptions) -> Routes {
    tfplugin::provider_routes_until(ServiceCatalogProvider, &opts.shutdown_token())
}

#[tokio::main]
async fn main() -> ExitCode {
    host::run(Cli::parse().debug, provider_routes).await
}
